//! FL-ARC-001: Database without replica.

use super::support::at;
use crate::analysis::architecture::{ArchModel, ComponentKind, classify};
use crate::analysis::markdown::text::has_any;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Database without replica.
///
/// ## What it checks
///
/// Database components with no replica, cluster, standby or failover stated next to them,
/// in a document that never describes the data's replication: a standby, a failover,
/// Multi-AZ, read replicas or the like anywhere, or replicas or a cluster in a sentence
/// naming a database (in its clause, when the sentence names a service too: "the orders
/// service runs 3 replicas" is about the service). A statement that there is none ("no
/// replica") does not count.
///
/// ## Why it matters
///
/// One database instance is a single point of failure for every service that uses it: a
/// host failure, a bad disk or a maintenance restart takes the whole system down, and
/// recovery means restoring from backup.
///
/// ## Example
///
/// ~~~text
/// ```mermaid
/// graph LR
///   API --> DB[(PostgreSQL)]
/// ```
/// ~~~
///
/// ## Fix
///
/// Run the database with a synchronous or asynchronous replica and automatic failover
/// (managed multi-AZ, Patroni, a replica set) and write it in the architecture.
pub struct SingleDatabaseWithoutReplica;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-001",
    title: "Database without replica",
    category: Category::Reliability,
    severity: Severity::High,
    confidence: 0.6,
    rationale: "One database instance is a single point of failure for every service that uses it: a host failure, a bad disk or a maintenance restart takes the whole system down, and recovery means restoring from backup.",
    remediation: "Run the database with a synchronous or asynchronous replica and automatic failover (managed multi-AZ, Patroni, a replica set) and write it in the architecture.",
};

impl Rule<ArchModel> for SingleDatabaseWithoutReplica {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        // Every database is judged (replication described for the data
        // covers them all); without one the rule does not apply.
        let databases = doc.of_kind(ComponentKind::Database).count();
        sink.examined(&META, u32::try_from(databases).unwrap_or(u32::MAX));
        if databases == 0 || data_replication_described(doc) {
            return;
        }
        for (_, c) in doc.of_kind(ComponentKind::Database) {
            if !c.replicated {
                sink.report(
                    &META,
                    at(c),
                    format!("{} has no replica or failover", c.name),
                );
            }
        }
    }
}

/// Words that say a data store is replicated wherever they stand.
#[rustfmt::skip]
const DATA_REPLICATION: &[&str] = &[
    "standby", "failover", "multi-az", "multi az", "patroni", "primary/secondary", "sentinel",
    "quorum", "read replica*", "streaming replication",
];

/// Words that may be about a service as well ("3 replicas", a Kubernetes
/// "cluster"): they count next to a database only.
const MAYBE_DATA: &[&str] = &["replica*", "replication", "replicated", "cluster*"];

/// Whether replication is described for the data: a word only a data
/// store's replication uses, anywhere, or a replica or cluster named with a
/// database (its name, or a database word, in the same sentence, or in the
/// same clause when the sentence names a service too): "the orders service
/// runs 3 replicas" leaves its one MySQL instance a single point of
/// failure.
fn data_replication_described(doc: &ArchModel) -> bool {
    if doc.doc.mentions(DATA_REPLICATION).is_some() {
        return true;
    }
    let names: Vec<String> = doc
        .of_kind(ComponentKind::Database)
        .map(|(_, c)| c.name.to_lowercase())
        .collect();
    let words: Vec<&str> = classify::name_words(ComponentKind::Database)
        .chain(["primary"])
        .collect();
    doc.doc.mentions_at(MAYBE_DATA, 200).into_iter().any(|at| {
        let context = classify::data_context(&doc.doc, at);
        has_any(context, &words) || names.iter().any(|n| context.contains(n.as_str()))
    })
}
