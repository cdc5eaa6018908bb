//! Walks over the synchronous call graph: the longest chain and a cycle.
//!
//! Each diagram (and the prose) is walked on its own: documents reuse short
//! ids such as `LB` or `DB` across diagrams that show different views, and
//! stitching those views together would invent chains nobody drew. Each walk
//! is one iterative depth-first pass (no recursion, linear in the diagram's
//! edges), so a hostile document cannot blow the stack or the clock.

use std::collections::{BTreeSet, HashMap};

use super::model::{ArchModel, ComponentKind, Mode};

/// Synchronous adjacency of one diagram among classified server-side
/// components. Clients start requests, gateways and load balancers only
/// forward them, observability receives telemetry, and unclassified nodes
/// are process steps: none of them is a call hop.
struct Graph {
    nodes: Vec<usize>,
    adj: Vec<Vec<usize>>,
}

fn graph(model: &ArchModel, diagram: Option<usize>) -> Graph {
    let skip = |i: usize| {
        let c = &model.components[i];
        !c.classified
            || matches!(
                c.kind,
                ComponentKind::Client
                    | ComponentKind::Observability
                    | ComponentKind::Gateway
                    | ComponentKind::LoadBalancer
            )
    };
    let mut local: HashMap<usize, usize> = HashMap::new();
    let mut g = Graph {
        nodes: Vec::new(),
        adj: Vec::new(),
    };
    for e in model
        .edges
        .iter()
        .filter(|e| e.diagram == diagram && e.mode == Mode::Sync)
    {
        if skip(e.from) || skip(e.to) {
            continue;
        }
        let mut id = |n: usize, g: &mut Graph| {
            *local.entry(n).or_insert_with(|| {
                g.nodes.push(n);
                g.adj.push(Vec::new());
                g.nodes.len() - 1
            })
        };
        let (a, b) = (id(e.from, &mut g), id(e.to, &mut g));
        if !g.adj[a].contains(&b) {
            g.adj[a].push(b);
        }
    }
    g
}

/// For every node, the longest acyclic chain starting there, plus a cycle.
struct Walk {
    best: Vec<(usize, Option<usize>)>,
    cycle: Option<Vec<usize>>,
}

fn walk(adj: &[Vec<usize>]) -> Walk {
    let n = adj.len();
    let mut state = vec![0u8; n]; // 0 new, 1 on stack, 2 done
    let mut best: Vec<(usize, Option<usize>)> = vec![(0, None); n];
    let mut cycle = None;
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&child) = adj[node].get(*next) {
                *next += 1;
                match state[child] {
                    0 => {
                        state[child] = 1;
                        stack.push((child, 0));
                    }
                    1 if cycle.is_none() => {
                        let from = stack.iter().position(|(s, _)| *s == child).unwrap_or(0);
                        cycle = Some(stack[from..].iter().map(|(s, _)| *s).collect());
                    }
                    _ => {}
                }
                continue;
            }
            stack.pop();
            state[node] = 2;
            // Back edges (children still on the stack) are ignored here; the
            // cycle is reported separately.
            let pick = adj[node]
                .iter()
                .filter(|&&c| state[c] == 2 && c != node)
                .max_by_key(|&&c| best[c].0);
            best[node] = pick.map_or((0, None), |&c| (best[c].0 + 1, Some(c)));
        }
    }
    Walk { best, cycle }
}

/// The diagrams that drew edges (and `None` for prose), in order.
fn groups(model: &ArchModel) -> BTreeSet<Option<usize>> {
    model.edges.iter().map(|e| e.diagram).collect()
}

/// The longest synchronous call chain in any one diagram, as component indices.
pub fn longest_sync_chain(model: &ArchModel) -> Vec<usize> {
    let mut longest = Vec::new();
    for group in groups(model) {
        let g = graph(model, group);
        let w = walk(&g.adj);
        let Some(start) = (0..w.best.len()).max_by_key(|&i| (w.best[i].0, std::cmp::Reverse(i)))
        else {
            continue;
        };
        let mut path = vec![g.nodes[start]];
        let mut cur = start;
        while let Some(next) = w.best[cur].1 {
            if path.len() > w.best.len() {
                break;
            }
            path.push(g.nodes[next]);
            cur = next;
        }
        if path.len() > longest.len() {
            longest = path;
        }
    }
    longest
}

/// Whether any diagram (or the prose) draws a synchronous call between two
/// classified server-side components: without one, neither a chain nor a
/// cycle can be judged.
pub fn has_sync_call(model: &ArchModel) -> bool {
    groups(model)
        .into_iter()
        .any(|group| !graph(model, group).nodes.is_empty())
}

/// A cycle of synchronous calls within one diagram, if there is one.
pub fn sync_cycle(model: &ArchModel) -> Option<Vec<usize>> {
    groups(model).into_iter().find_map(|group| {
        let g = graph(model, group);
        walk(&g.adj)
            .cycle
            .map(|c| c.into_iter().map(|i| g.nodes[i]).collect())
    })
}
