//! The normalised architecture: components, edges and the diagrams they came
//! from, on top of the Markdown document they were written in.

use std::collections::{HashMap, HashSet};

use super::classify::{classify, replica_hint};
pub use super::kind::ComponentKind;
use crate::analysis::markdown::MdDoc;

/// Where a component or edge was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Mermaid,
    PlantUml,
    Prose,
}

/// One component.
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    /// Normalised key (lowercase alphanumerics of the diagram id or name).
    pub key: String,
    /// Display name (the label when the diagram gave one; of a Mermaid
    /// label, its first line: what follows a `<br/>` goes to `notes`).
    pub name: String,
    pub kind: ComponentKind,
    /// Technology and description text from the diagram, lowercased.
    pub notes: String,
    /// First line where it was declared or mentioned.
    pub line: u32,
    /// Explicit instance count when the document states one (`replicas: 3`, `single instance` = 1).
    pub replicas: Option<u32>,
    /// The document says it is replicated or clustered (replica, cluster, multi-AZ, HA).
    pub replicated: bool,
    pub origin: Origin,
    /// Whether words, shape or diagram syntax gave the kind. Unclassified
    /// nodes ("make build", "Step 2") default to `Service` but are kept out
    /// of the graph rules: process flowcharts are not call graphs.
    pub classified: bool,
}

/// Synchronous (request/response) or asynchronous (message, event) edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Sync,
    Async,
}

/// A dependency between two components (indices into [`ArchModel::components`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub label: String,
    pub mode: Mode,
    pub line: u32,
    /// Index into [`ArchModel::diagrams`] of the diagram that drew it;
    /// `None` for edges read from prose.
    pub diagram: Option<usize>,
}

/// A diagram block found in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagram {
    /// `flowchart`, `sequence`, `c4`, `plantuml`, ...
    pub syntax: String,
    pub line: u32,
}

/// Caps that keep a hostile document from building a huge graph.
pub const MAX_COMPONENTS: usize = 2_000;
pub const MAX_EDGES: usize = 20_000;

/// A model with fewer server-side components than this is too thin to
/// assess (FL-ARC-023): the rules about the system as a whole (auth,
/// observability, scaling, encryption in transit) need at least two parts.
pub const MIN_ASSESSABLE_COMPONENTS: usize = 2;

/// The architecture model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArchModel {
    pub doc: MdDoc,
    pub components: Vec<Component>,
    pub edges: Vec<Edge>,
    pub diagrams: Vec<Diagram>,
    index: HashMap<String, usize>,
    /// Keys of nodes judged noise, so later bare references stay ignored.
    ignored: HashSet<String>,
    /// Names (keys of) of labelled diagram nodes → (component, diagrams
    /// seen when it was declared): a node a later diagram draws under a new
    /// id but the same name is the same component.
    names: HashMap<String, (usize, usize)>,
    /// Set while prose is read, so its edges belong to no diagram.
    pub(super) prose_mode: bool,
}

/// Lowercase alphanumerics: "API-Gateway" and "api_gateway" are one component.
pub fn key_of(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

impl ArchModel {
    pub(super) fn new(doc: MdDoc) -> Self {
        Self {
            doc,
            ..Self::default()
        }
    }

    /// Finds a component by id or name.
    pub fn find(&self, id_or_name: &str) -> Option<usize> {
        self.index.get(&key_of(id_or_name)).copied()
    }

    /// Adds or merges a component and returns its index. `kind_hint` is the
    /// kind implied by diagram syntax (shape, macro) when words say nothing.
    pub(super) fn upsert(
        &mut self,
        id: &str,
        label: &str,
        notes: &str,
        kind_hint: Option<ComponentKind>,
        line: u32,
        origin: Origin,
    ) -> Option<usize> {
        let key = key_of(if id.is_empty() { label } else { id });
        if key.is_empty() {
            return None;
        }
        let name = if label.trim().is_empty() {
            id.trim()
        } else {
            label.trim()
        };
        if is_noise(name) || self.ignored.contains(&key) {
            self.ignored.insert(key);
            return None;
        }
        let text = format!("{name} {notes}").to_lowercase();
        if let Some(&i) = self.index.get(&key) {
            self.merge(i, name, &text, kind_hint);
            return Some(i);
        }
        // READMEs redraw their services diagram after diagram under new ids
        // (`Product[Product Service<br/>HTTP: 8080]`, later
        // `ProductService[Product Service<br/>Port: 8080]`): a labelled node
        // named like one of an earlier diagram is that one. Within one
        // diagram, two ids are two boxes, whatever their labels.
        let labelled = !id.trim().is_empty() && !label.trim().is_empty();
        let name_key = key_of(name);
        if labelled
            && let Some(&(i, declared)) = self.names.get(&name_key)
            && declared < self.diagrams.len()
        {
            self.index.insert(key, i);
            self.merge(i, name, &text, kind_hint);
            return Some(i);
        }
        if self.components.len() >= MAX_COMPONENTS {
            return None;
        }
        let found = classify(&key_of_words(name), &text).or(kind_hint);
        let kind = found.unwrap_or(ComponentKind::Service);
        let (replicas, replicated) = replica_hint(&text);
        self.components.push(Component {
            key: key.clone(),
            name: name.to_string(),
            kind,
            notes: text,
            line,
            replicas,
            replicated,
            origin,
            classified: found.is_some(),
        });
        let idx = self.components.len() - 1;
        self.index.insert(key, idx);
        if labelled {
            self.names
                .entry(name_key)
                .or_insert((idx, self.diagrams.len()));
        }
        Some(idx)
    }

    /// Adds an alias key (a diagram id) for an existing component.
    pub(super) fn alias(&mut self, alias: &str, idx: usize) {
        let key = key_of(alias);
        if !key.is_empty() {
            self.index.entry(key).or_insert(idx);
        }
    }

    fn merge(&mut self, i: usize, name: &str, text: &str, kind_hint: Option<ComponentKind>) {
        let c = &mut self.components[i];
        // A later label is usually the descriptive one ("A[Auth Service]" after "A").
        if c.name.len() <= 2 && name.len() > c.name.len() {
            c.name = name.to_string();
        }
        let grew = !c.notes.contains(text) && c.notes.len() < 1_024;
        if grew {
            c.notes.push(' ');
            c.notes.push_str(text);
        }
        // Re-classify only when something new was learnt: bare references
        // ("A --> B" after "A[Label]") repeat what is known.
        let learnt = if grew || kind_hint.is_some() {
            // Only the new text: the accumulated notes were classified before.
            classify(&key_of_words(&c.name), text).or(kind_hint)
        } else {
            None
        };
        if let Some(k) = learnt {
            c.kind = k;
            c.classified = true;
        }
        if grew {
            let (replicas, replicated) = replica_hint(text);
            c.replicas = c.replicas.or(replicas);
            c.replicated |= replicated;
        }
    }

    /// Adds an edge unless it would exceed [`MAX_EDGES`] or loops on itself.
    pub(super) fn add_edge(&mut self, from: usize, to: usize, label: &str, mode: Mode, line: u32) {
        if from == to || self.edges.len() >= MAX_EDGES {
            return;
        }
        let mode = if self.components[to].kind == ComponentKind::Queue
            || self.components[from].kind == ComponentKind::Queue
        {
            Mode::Async
        } else {
            mode
        };
        self.edges.push(Edge {
            from,
            to,
            label: label.trim().to_string(),
            mode,
            line,
            diagram: if self.prose_mode {
                None
            } else {
                self.diagrams.len().checked_sub(1)
            },
        });
    }

    /// Components of one kind.
    pub fn of_kind(&self, kind: ComponentKind) -> impl Iterator<Item = (usize, &Component)> {
        self.components
            .iter()
            .enumerate()
            .filter(move |(_, c)| c.kind == kind)
    }

    /// Whether any component has this kind.
    pub fn has_kind(&self, kind: ComponentKind) -> bool {
        self.components.iter().any(|c| c.kind == kind)
    }

    /// Components that are part of the system (not its users).
    pub fn server_side(&self) -> usize {
        self.components
            .iter()
            .filter(|c| c.kind != ComponentKind::Client)
            .count()
    }

    /// Whether the model gives the `FL-ARC` rules a system to judge (see
    /// [`MIN_ASSESSABLE_COMPONENTS`]).
    pub fn is_assessable(&self) -> bool {
        self.server_side() >= MIN_ASSESSABLE_COMPONENTS
    }

    /// Edges leaving component `i`.
    pub fn edges_from(&self, i: usize) -> impl Iterator<Item = &Edge> {
        self.edges.iter().filter(move |e| e.from == i)
    }

    /// Edges entering component `i`.
    pub fn edges_to(&self, i: usize) -> impl Iterator<Item = &Edge> {
        self.edges.iter().filter(move |e| e.to == i)
    }
}

/// A name as lowercase words ("API-Gateway" → "api gateway") for classification.
fn key_of_words(name: &str) -> String {
    let spaced: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '/' {
                c
            } else {
                ' '
            }
        })
        .collect();
    spaced.to_lowercase()
}

/// Mind-map style diagrams list endpoints (`GET /users`) and settings
/// (`DB_HOST: localhost`) as nodes; they are not components.
fn is_noise(name: &str) -> bool {
    let first = name.split_whitespace().next().unwrap_or("");
    let method = matches!(
        first,
        "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS"
    );
    let setting = first.ends_with(':')
        && first.len() > 1
        && first[..first.len() - 1]
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    method || setting
}
