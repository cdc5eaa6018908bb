//! Fixture harness for the `FL-ARC` rules, diagram parser tests and the
//! no-panic property.

use super::{
    ArchModel, ComponentKind, Mode, component_summary, looks_like_architecture, parse, rules,
};
use crate::analysis::markdown::tests_support::{assert_fixture_pair, fixture};
use crate::analysis::request::{AnalysisError, Limits};
use crate::analysis::rule::Sink;

fn model(text: &str) -> ArchModel {
    parse(text, &Limits::default()).expect("parses")
}

#[test]
fn every_arc_rule_fires_on_its_fixture_and_not_on_the_clean_one() {
    for rule in rules() {
        let id = rule.meta().id;
        let fires = fixture(id, "fires.md");
        let mut sink = Sink::new();
        rule.check(&model(&fires), &mut sink);
        let found = sink.into_findings();
        let mut sink = Sink::new();
        rule.check(&model(&fixture(id, "clean.md")), &mut sink);
        assert_fixture_pair(id, &fires, &found, sink.findings());
    }
}

/// Ids of the `FL-ARC` rules that count in the score on `text`, and the
/// ids of those that did not say how many objects they examined.
fn arc_outcomes(text: &str) -> (Vec<&'static str>, Vec<&'static str>) {
    let mut run = crate::analysis::engine::RuleRun::default();
    run.run(&rules(), &model(text));
    let applicable = run
        .outcomes
        .iter()
        .filter(|o| o.applicable().is_some())
        .map(|o| o.meta.id)
        .collect();
    let silent = run
        .outcomes
        .iter()
        .filter(|o| o.examined.is_none())
        .map(|o| o.meta.id)
        .collect();
    (applicable, silent)
}

#[test]
fn every_arc_rule_says_what_it_examined() {
    // A rule that never calls `Sink::examined` counts as one object passed,
    // so a rule with nothing to judge would vouch for the document.
    for rule in rules() {
        let id = rule.meta().id;
        for name in ["fires.md", "clean.md"] {
            let (_, silent) = arc_outcomes(&fixture(id, name));
            assert!(
                silent.is_empty(),
                "{id}/{name}: {silent:?} examined nothing"
            );
        }
    }
}

#[test]
fn arc_rules_with_nothing_to_judge_do_not_apply() {
    // No component at all: only the rule saying so applies.
    let (applicable, _) = arc_outcomes("# Notes\n\n![Architecture](arch.png)\n");
    assert_eq!(applicable, ["FL-ARC-023"]);
    // One component, no edge: what can be judged of it is, nothing else.
    let (applicable, _) = arc_outcomes("# Meet\n\nDashboards are in Grafana.\n");
    assert_eq!(applicable, ["FL-ARC-022", "FL-ARC-023"]);
    let (applicable, _) = arc_outcomes("# Store\n\nData lives in PostgreSQL.\n");
    assert_eq!(
        applicable,
        ["FL-ARC-001", "FL-ARC-007", "FL-ARC-017", "FL-ARC-023"]
    );
    // Components without a single edge: no call graph rule applies.
    let (applicable, _) = arc_outcomes(
        "# Shop\n\nThe API Gateway routes to the Orders service and the Billing service. \
         PostgreSQL stores orders; Kafka carries events.\n",
    );
    for id in [
        "FL-ARC-008",
        "FL-ARC-010",
        "FL-ARC-018",
        "FL-ARC-019",
        "FL-ARC-021",
    ] {
        assert!(!applicable.contains(&id), "{id} applied: {applicable:?}");
    }
    assert!(applicable.contains(&"FL-ARC-004"), "{applicable:?}");
}

#[test]
fn a_thin_architecture_description_is_not_reported_ready() {
    use crate::analysis::model::ArtifactKind;
    use crate::analysis::request::{AnalysisRequest, Analyzer, Metadata};
    let analyse = |content: &str| {
        let request = AnalysisRequest {
            content,
            kind: ArtifactKind::Architecture,
            metadata: &Metadata::default(),
        };
        crate::analysis::engine::Engine::default()
            .analyze(&request, &mut |_| {})
            .expect("analyses")
            .result
    };
    // Nothing to judge: the "too little to assess" path, as for a note.
    let empty = analyse("# Meet@Mensa\n\n## Overview\n\n![Components](c.png)\n");
    assert_eq!(empty.production_readiness_score, 0);
    assert!(
        empty.summary.starts_with("No rule could be applied")
            && empty
                .summary
                .contains("Too little to assess as an architecture description"),
        "{}",
        empty.summary
    );
    // One component and no edge (a README whose diagrams are images): what
    // is found counts, but clean rules and hygiene vouch for nothing.
    let thin = analyse(&fixture("FL-ARC-023", "fires.md"));
    let ids: Vec<&str> = thin.findings.iter().map(|f| f.rule_id.as_str()).collect();
    assert_eq!(ids, ["FL-ARC-022", "FL-ARC-023"]);
    assert!(
        thin.production_readiness_score < 70,
        "{}",
        thin.production_readiness_score
    );
}

#[test]
fn rules_are_sorted_and_unique() {
    let ids: Vec<&str> = rules().iter().map(|r| r.meta().id).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(ids, sorted);
    assert!(ids.len() >= 18);
}

fn edge(m: &ArchModel, from: &str, to: &str) -> Option<Mode> {
    let (a, b) = (m.find(from)?, m.find(to)?);
    m.edges
        .iter()
        .find(|e| e.from == a && e.to == b)
        .map(|e| e.mode)
}

fn kind(m: &ArchModel, name: &str) -> Option<ComponentKind> {
    m.find(name).map(|i| m.components[i].kind)
}

#[test]
fn mermaid_flowchart_shapes_labels_and_groups() {
    let m = model(
        "```mermaid\nflowchart LR\n  C[Web client] -->|HTTPS| GW{{API Gateway}}\n  GW --> A[Orders service] & B[Billing service]\n  A -- writes --> DB[(Orders store)]\n  A -.-> Q[Kafka]\n  B --> R[(Redis)]:::hot\n  subgraph X [Infra]\n  end\n```\n",
    );
    assert_eq!(kind(&m, "C"), Some(ComponentKind::Client));
    assert_eq!(kind(&m, "GW"), Some(ComponentKind::Gateway));
    assert_eq!(kind(&m, "DB"), Some(ComponentKind::Database));
    assert_eq!(kind(&m, "R"), Some(ComponentKind::Cache));
    assert_eq!(kind(&m, "Q"), Some(ComponentKind::Queue));
    assert_eq!(edge(&m, "GW", "B"), Some(Mode::Sync));
    assert_eq!(edge(&m, "A", "Q"), Some(Mode::Async));
    let writes = m.edges.iter().find(|e| e.label == "writes").map(|e| e.line);
    assert_eq!(writes, Some(5));
    assert!(m.find("X").is_none(), "subgraphs are not components");
}

#[test]
fn mermaid_c4_and_sequence() {
    let m = model(
        "```mermaid\nC4Container\n  Person(u, \"Customer\")\n  Container(api, \"API\", \"Go\")\n  ContainerDb(db, \"Main DB\", \"PostgreSQL\")\n  System_Ext(pay, \"Stripe\")\n  Rel(u, api, \"Uses\", \"HTTPS\")\n  Rel(api, db, \"Reads\")\n  Rel(api, pay, \"Charges\", \"async events\")\n```\n\n```mermaid\nsequenceDiagram\n  participant W as Web\n  W->>Auth: login\n  Auth-->>W: token\n  W-)Audit: log\n```\n",
    );
    assert_eq!(kind(&m, "db"), Some(ComponentKind::Database));
    assert_eq!(kind(&m, "pay"), Some(ComponentKind::External));
    assert_eq!(kind(&m, "u"), Some(ComponentKind::Client));
    assert_eq!(edge(&m, "api", "db"), Some(Mode::Sync));
    assert_eq!(edge(&m, "api", "pay"), Some(Mode::Async));
    assert_eq!(edge(&m, "W", "Auth"), Some(Mode::Sync));
    assert_eq!(edge(&m, "Auth", "W"), None, "replies are not dependencies");
    assert_eq!(edge(&m, "W", "Audit"), Some(Mode::Async));
    assert_eq!(kind(&m, "Auth"), Some(ComponentKind::Auth));
}

#[test]
fn mermaid_architecture_beta_and_shape_attributes() {
    let m = model(
        "```mermaid\narchitecture-beta\n  group api(cloud)[API]\n  service db(database)[Orders DB] in api\n  service server(server)[Orders service] in api\n  service disk1(disk)[Uploads] in api\n  server:R --> L:db\n  disk1:T <-- B:server\n```\n\n```mermaid\nflowchart LR\n  A[Billing service] --> B@{ shape: cyl, label: \"Ledger\" }\n```\n",
    );
    assert_eq!(kind(&m, "db"), Some(ComponentKind::Database));
    assert_eq!(kind(&m, "disk1"), Some(ComponentKind::Storage));
    assert_eq!(kind(&m, "server"), Some(ComponentKind::Service));
    assert_eq!(edge(&m, "server", "db"), Some(Mode::Sync));
    assert_eq!(edge(&m, "server", "disk1"), Some(Mode::Sync));
    assert_eq!(kind(&m, "B"), Some(ComponentKind::Database));
    assert_eq!(
        m.find("B").map(|i| m.components[i].name.as_str()),
        Some("Ledger")
    );
}

#[test]
fn plantuml_components_arrows_and_c4_macros() {
    let m = model(
        "```plantuml\n@startuml\ncomponent \"Orders Service\" as orders\ndatabase \"Orders DB\" as odb\nqueue events\n[Web UI] as web\nweb --> orders : REST\norders -> odb\norders ..> events : publish\nodb <-- orders\n@enduml\n```\n\n@startuml\n!include C4_Container.puml\nContainer(svc, \"Billing\", \"Java\")\nContainerQueue(q, \"Bus\", \"RabbitMQ\")\nRel(svc, q, \"Sends\")\n@enduml\n",
    );
    assert_eq!(kind(&m, "orders"), Some(ComponentKind::Service));
    assert_eq!(kind(&m, "odb"), Some(ComponentKind::Database));
    assert_eq!(kind(&m, "events"), Some(ComponentKind::Queue));
    assert_eq!(kind(&m, "web"), Some(ComponentKind::Client));
    assert_eq!(edge(&m, "web", "orders"), Some(Mode::Sync));
    assert_eq!(edge(&m, "orders", "odb"), Some(Mode::Sync));
    assert_eq!(edge(&m, "orders", "events"), Some(Mode::Async));
    assert_eq!(kind(&m, "q"), Some(ComponentKind::Queue));
    assert_eq!(edge(&m, "svc", "q"), Some(Mode::Async));
    assert_eq!(m.diagrams.len(), 2);
    let s = model(
        "@startuml\ncomponent \"Ledger\" as led <<database>>\nrectangle \"Card network\" as cn <<external>>\n@enduml\n",
    );
    assert_eq!(kind(&s, "led"), Some(ComponentKind::Database));
    assert_eq!(kind(&s, "cn"), Some(ComponentKind::External));
}

#[test]
fn prose_components_replicas_and_arrows() {
    let m = model(
        "# Platform\n\n## Order Service\n\nStores orders in PostgreSQL (primary with 2 read replicas).\nCache: Redis, single instance.\n\nClient → API Gateway → Order Service\n",
    );
    assert_eq!(kind(&m, "Order Service"), Some(ComponentKind::Service));
    let pg = m
        .find("PostgreSQL")
        .map(|i| &m.components[i])
        .expect("postgres found in prose");
    assert!(pg.replicated);
    let redis = m
        .find("Redis")
        .map(|i| &m.components[i])
        .expect("redis found");
    assert_eq!(redis.replicas, Some(1));
    assert_eq!(edge(&m, "API Gateway", "Order Service"), Some(Mode::Sync));
    let summary = component_summary(&m);
    assert!(summary.contains(&("database".to_string(), 1)));
}

/// Ids of the `FL-ARC` rules that fire on `text`.
fn fired(text: &str) -> Vec<&'static str> {
    let m = model(text);
    rules()
        .iter()
        .filter(|r| {
            let mut sink = Sink::new();
            r.check(&m, &mut sink);
            !sink.findings().is_empty()
        })
        .map(|r| r.meta().id)
        .collect()
}

const WEB_API_DB: &str = "```mermaid\nflowchart LR\n  Web[Web frontend] --> API[API service]\n  API --> DB[(PostgreSQL)]\n```\n";

#[test]
fn a_concern_the_document_says_is_missing_is_not_covered() {
    let gaps = format!(
        "# System architecture\n\nKnown gaps: there is no authentication, no TLS (plain HTTP \
         everywhere), no backups, no replica, no monitoring and no health checks. Nothing is \
         encrypted at rest.\n\n{WEB_API_DB}"
    );
    let covered = format!(
        "# System architecture\n\nUsers log in with OIDC via Keycloak. TLS everywhere. Nightly \
         backups, a streaming replica of PostgreSQL with failover, KMS encryption at rest.\n\n\
         {WEB_API_DB}"
    );
    // Authentication, backups, replica, TLS and encryption at rest.
    let concerns = [
        "FL-ARC-001",
        "FL-ARC-004",
        "FL-ARC-007",
        "FL-ARC-016",
        "FL-ARC-017",
    ];
    let on_gaps = fired(&gaps);
    let on_covered = fired(&covered);
    for id in concerns {
        assert!(
            on_gaps.contains(&id),
            "{id} not fired on the gaps: {on_gaps:?}"
        );
        assert!(
            !on_covered.contains(&id),
            "{id} fired on the covered: {on_covered:?}"
        );
    }
    // "There is no login" is not a login.
    let public =
        format!("# Architecture\n\nThere is no login; every endpoint is public.\n\n{WEB_API_DB}");
    assert!(fired(&public).contains(&"FL-ARC-004"));
    // A link's scheme is not a transport decision.
    let linked =
        format!("# Architecture\n\nSee https://example.com/c4 for the context.\n\n{WEB_API_DB}");
    assert!(fired(&linked).contains(&"FL-ARC-016"));
}

#[test]
fn replication_of_the_data_covers_the_database() {
    let doc = |sentence: &str| {
        format!(
            "# Architecture\n\n{sentence}\n\n```mermaid\nflowchart LR\n  User --> Orders[Orders service]\n  Orders --> DB[(MySQL)]\n```\n"
        )
    };
    assert!(fired(&doc("Orders are kept in MySQL.")).contains(&"FL-ARC-001"));
    // Said to be missing, it is missing (the document-wide check; the
    // per-component hint still reads "replica" on the database's line).
    assert!(fired(&doc("Known gaps: no replica, no failover.")).contains(&"FL-ARC-001"));
    for replicated in [
        "The orders service stores everything in MySQL with 2 replicas.",
        "MySQL runs as a primary with a read replica.",
        "The database is replicated across three zones.",
        "The database runs as a primary and a hot standby with automatic failover.",
        "Data: Amazon RDS for MySQL, Multi-AZ, with nightly backups.",
        "- MySQL 8, 2 replicas, daily backups",
        "## Database\n\n- MySQL 8\n- streaming replication to a hot standby",
    ] {
        assert!(
            !fired(&doc(replicated)).contains(&"FL-ARC-001"),
            "{replicated}"
        );
    }
}

#[test]
fn detection() {
    assert!(looks_like_architecture("```mermaid\ngraph LR\nA-->B\n```"));
    assert!(looks_like_architecture("@startuml\nA -> B\n@enduml"));
    assert!(looks_like_architecture("graph TD\n A --> B"));
    assert!(looks_like_architecture(
        "# Architecture\nThe API gateway calls services backed by PostgreSQL and Kafka."
    ));
    assert!(!looks_like_architecture(
        "# Notes\nWe met on Tuesday and discussed the roadmap."
    ));
    let design = "# RFC\n## Goals\n## Alternatives\n```mermaid\ngraph LR\nA-->B\n```\n";
    assert!(!looks_like_architecture(design));
    // A file name is not a claim: this README points at the architecture.
    let readme = "# shop\n\nBuilt with Spring Boot, PostgreSQL, Redis and Kafka behind an API \
                  gateway. See docs/architecture.md.\n";
    assert!(!looks_like_architecture(readme));
    assert!(looks_like_architecture(
        &readme.replace("See docs/architecture.md", "The architecture")
    ));
}

#[test]
fn hostile_diagrams_stay_bounded() {
    let wide = format!(
        "```mermaid\ngraph LR\n{}\n```\n",
        (0..3000)
            .map(|i| format!("N{i}"))
            .collect::<Vec<_>>()
            .join(" & ")
            + " --> "
            + &(0..3000)
                .map(|i| format!("M{i}"))
                .collect::<Vec<_>>()
                .join(" & ")
    );
    let m = model(&wide);
    assert!(m.edges.len() <= super::model::MAX_EDGES);
    let arrows = format!(
        "```mermaid\ngraph LR\nA{}\n```\n",
        " -- x --> A".repeat(20_000)
    );
    let _ = model(&arrows);
    let chain: String = (0..5000)
        .map(|i| {
            format!(
                "N{i}[Step {i} service] --> N{}[Step {} service]\n",
                i + 1,
                i + 1
            )
        })
        .collect();
    let m = model(&format!("```mermaid\ngraph LR\n{chain}```\n"));
    assert!(super::graph::longest_sync_chain(&m).len() > 100);
    assert!(matches!(
        parse("\0\0", &Limits::default()),
        Err(AnalysisError::InvalidInput(_))
    ));
}

/// Fragments of the syntaxes the parsers read, for structured fuzzing.
const TOKENS: &[&str] = &[
    "```mermaid\ngraph LR\n",
    "```mermaid\nsequenceDiagram\n",
    "```mermaid\nC4Container\n",
    "```\n",
    "```plantuml\n",
    "@startuml\n",
    "@enduml\n",
    "A",
    "B",
    "db",
    " ",
    "\n",
    "-->",
    "-.->",
    "==>",
    "--",
    "->>",
    "-->>",
    "-)",
    "->",
    "<-",
    "..>",
    "-[#red]->",
    "|",
    "&",
    "[",
    "]",
    "(",
    ")",
    "{",
    "}",
    "[(",
    ")]",
    "\"",
    ":",
    ",",
    ";",
    "%%",
    "subgraph ",
    "end\n",
    "participant ",
    " as ",
    "Rel(",
    "Container(",
    "ContainerDb(",
    "System_Ext(",
    "database ",
    "queue ",
    "component ",
    "## ",
    "- [ ] ",
    "| a | b |\n|---|---|\n",
    "TODO ",
    "Open questions",
    "→",
    "GET /users/{id} ",
    "password: x1y2z3 ",
    "Redis",
    "Kafka",
    "ü",
];

proptest::proptest! {
    #[test]
    fn token_soup_never_panics(parts in proptest::collection::vec(proptest::sample::select(TOKENS), 0..80)) {
        let text: String = parts.concat();
        if let Ok(m) = parse(&text, &Limits::default()) {
            let mut sink = Sink::new();
            for r in rules() {
                r.check(&m, &mut sink);
            }
            let _ = (super::graph::longest_sync_chain(&m), super::graph::sync_cycle(&m), component_summary(&m));
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(s in "(?s).{0,300}") {

        for text in [s.clone(), format!("```mermaid\ngraph LR\n{s}\n```"), format!("@startuml\n{s}\n@enduml"), format!("```mermaid\nsequenceDiagram\n{s}\n```")] {
            if let Ok(m) = parse(&text, &Limits::default()) {
                let mut sink = Sink::new();
                for r in rules() {
                    r.check(&m, &mut sink);
                }
            }
        }
    }
}

#[test]
fn a_node_redrawn_in_another_diagram_under_a_new_id_is_one_component() {
    // The first line of a label is the name; what follows `<br/>` describes it.
    let m = model(
        "# Shop\n\n```mermaid\ngraph LR\n  Product[Product Service<br/>HTTP: 8080<br/>gRPC: 50050] --> PG[(PostgreSQL<br/>Port: 5432)]\n  W1[Worker] --> PG\n  W2[Worker] --> PG\n```\n\n\
         ```mermaid\ngraph LR\n  ProductService[Product Service<br/>Port: 8080] --> Cache[(Redis)]\n```\n\n\
         ```mermaid\ngraph LR\n  ProductService --> Cache\n```\n",
    );
    let names: Vec<&str> = m.components.iter().map(|c| c.name.as_str()).collect();
    // Two boxes of one diagram stay two, whatever their labels.
    assert_eq!(
        names,
        ["Product Service", "PostgreSQL", "Worker", "Worker", "Redis"]
    );
    let product = &m.components[0];
    assert!(product.notes.contains("grpc: 50050"), "{}", product.notes);
    assert!(product.notes.contains("port: 8080"), "{}", product.notes);
    assert_eq!(m.find("ProductService"), Some(0));
    assert_eq!(m.components[4].kind, ComponentKind::Cache);
    let to_cache: Vec<usize> = m
        .edges
        .iter()
        .filter(|e| e.to == 4)
        .map(|e| e.from)
        .collect();
    assert_eq!(to_cache, [0, 0]);
}
