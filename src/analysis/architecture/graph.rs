//! Walks over the synchronous call graph: the longest chain and a cycle.
//! Both are one iterative depth-first pass (no recursion, linear in nodes
//! and edges), so a hostile document cannot blow the stack or the clock.

use super::model::{ArchModel, ComponentKind, Mode};

/// Synchronous adjacency among server-side components (clients start
/// requests and observability receives telemetry; neither is a call hop).
fn sync_adjacency(model: &ArchModel) -> Vec<Vec<usize>> {
    let skip = |i: usize| {
        matches!(
            model.components[i].kind,
            ComponentKind::Client | ComponentKind::Observability
        )
    };
    let mut adj = vec![Vec::new(); model.components.len()];
    for e in &model.edges {
        if e.mode == Mode::Sync && !skip(e.from) && !skip(e.to) && !adj[e.from].contains(&e.to) {
            adj[e.from].push(e.to);
        }
    }
    adj
}

/// Result of the walk: for every node, the longest acyclic chain starting there.
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
            // Children on the stack (back edges) are ignored: a cycle is reported separately.
            let pick = adj[node]
                .iter()
                .filter(|&&c| state[c] == 2 && c != node)
                .max_by_key(|&&c| best[c].0);
            best[node] = pick.map_or((0, None), |&c| (best[c].0 + 1, Some(c)));
        }
    }
    Walk { best, cycle }
}

/// The longest synchronous call chain, as component indices.
pub fn longest_sync_chain(model: &ArchModel) -> Vec<usize> {
    let w = walk(&sync_adjacency(model));
    let Some(start) = (0..w.best.len()).max_by_key(|&i| (w.best[i].0, std::cmp::Reverse(i))) else {
        return Vec::new();
    };
    let mut path = vec![start];
    let mut cur = start;
    while let Some(next) = w.best[cur].1 {
        if path.len() > w.best.len() {
            break;
        }
        path.push(next);
        cur = next;
    }
    path
}

/// A cycle of synchronous calls, if there is one.
pub fn sync_cycle(model: &ArchModel) -> Option<Vec<usize>> {
    walk(&sync_adjacency(model)).cycle
}
