//! The fixture harness: every `FL-OAS-*` rule has `fires.*` and `clean.*`
//! under `tests/fixtures/rules/<ID>/`; the rule must fire on every line
//! marked `# expect: <ID>` in `fires` and stay silent on `clean`. Shared
//! invariants (locations inside the document, determinism) are checked on
//! every fixture for every rule.

use std::path::{Path, PathBuf};

use super::model::{Format, Spec};
use super::{parse, rules};
use crate::analysis::model::Finding;
use crate::analysis::request::Limits;
use crate::analysis::rule::{Rule, Sink};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

fn load(path: &Path) -> (String, Spec) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let format = if path.extension().is_some_and(|e| e == "json") {
        Format::Json
    } else {
        Format::Yaml
    };
    let spec = parse(&text, format, &Limits::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (text, spec)
}

fn run(rule: &dyn Rule<Spec>, spec: &Spec) -> Vec<Finding> {
    let mut sink = Sink::new();
    rule.check(spec, &mut sink);
    sink.into_findings()
}

/// The findings of rule `id` on the YAML spec `yaml` (for the rules' own
/// unit tests).
pub(crate) fn findings_of(id: &str, yaml: &str) -> Vec<Finding> {
    let spec = parse(yaml, Format::Yaml, &Limits::default()).expect("parses");
    let rule = rules()
        .into_iter()
        .find(|r| r.meta().id == id)
        .expect("rule");
    run(rule.as_ref(), &spec)
}

/// Every place `findings` point at, as JSON pointers, in order.
pub(crate) fn pointers(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .flat_map(|f| std::iter::once(&f.location).chain(&f.more_locations))
        .filter_map(|l| l.pointer.clone())
        .collect()
}

/// Rules must not report more objects than they examined: the score divides
/// occurrences by examined objects (a rule that never calls `examined`
/// counts as one object).
pub(super) fn count_problems(spec: &Spec) -> Vec<String> {
    let mut problems = Vec::new();
    for rule in rules() {
        let mut sink = Sink::new();
        rule.check(spec, &mut sink);
        let examined = sink.examined_counts().map(|(_, n)| n).sum::<u32>().max(1);
        for f in sink.findings() {
            if f.occurrences > examined {
                problems.push(format!(
                    "{}: {} occurrences of {examined} examined",
                    f.rule_id, f.occurrences
                ));
            }
        }
    }
    problems
}

/// The fixture file `stem.*` in `dir`.
fn find(dir: &Path, stem: &str) -> Option<PathBuf> {
    ["yaml", "yml", "json"]
        .iter()
        .map(|e| dir.join(format!("{stem}.{e}")))
        .find(|p| p.exists())
}

fn lines_of(f: &Finding) -> Vec<u32> {
    std::iter::once(&f.location)
        .chain(&f.more_locations)
        .filter_map(|l| l.line)
        .collect()
}

/// Checks one rule against its fixture pair; returns what went wrong.
fn check_rule(rule: &dyn Rule<Spec>) -> Vec<String> {
    let id = rule.meta().id;
    let dir = fixtures().join(id);
    let (Some(fires), Some(clean)) = (find(&dir, "fires"), find(&dir, "clean")) else {
        return vec![format!("{id}: missing fires.* or clean.*")];
    };
    let mut problems = Vec::new();
    let (text, spec) = load(&fires);
    let found = run(rule, &spec);
    match found.iter().find(|f| f.rule_id == id) {
        None => problems.push(format!("{id}: did not fire on {}", fires.display())),
        Some(f) => {
            let reported = lines_of(f);
            let marker = format!("expect: {id}");
            for (i, _) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| l.contains(&marker))
            {
                let n = u32::try_from(i + 1).unwrap_or(0);
                if !reported.contains(&n) {
                    problems.push(format!(
                        "{id}: expected a finding on line {n}, got lines {reported:?}"
                    ));
                }
            }
        }
    }
    let (_, spec) = load(&clean);
    if let Some(f) = run(rule, &spec).first() {
        problems.push(format!(
            "{id}: fired on clean fixture: {} at {:?}",
            f.description, f.location
        ));
    }
    problems
}

#[test]
fn every_rule_fires_on_its_fixture_and_not_on_the_clean_one() {
    let problems: Vec<String> = rules()
        .iter()
        .flat_map(|r| check_rule(r.as_ref()))
        .collect();
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn rule_ids_are_unique_sorted_and_match_fixture_dirs() {
    let ids: Vec<&str> = rules().iter().map(|r| r.meta().id).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ids not sorted/unique: {ids:?}"
    );
    let mut dirs: Vec<String> = std::fs::read_dir(fixtures())
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    dirs.retain(|d| d.starts_with("FL-OAS-"));
    dirs.sort();
    assert_eq!(dirs, ids, "fixture directories and rule ids differ");
}

#[test]
fn every_finding_on_every_fixture_is_inside_the_document_counted_and_deterministic() {
    let mut problems = Vec::new();
    for rule in rules() {
        for stem in ["fires", "clean"] {
            let Some(path) = find(&fixtures().join(rule.meta().id), stem) else {
                continue;
            };
            let (_, spec) = load(&path);
            problems.extend(
                count_problems(&spec)
                    .into_iter()
                    .map(|p| format!("{p} on {}", path.display())),
            );
            for other in rules() {
                let first = run(other.as_ref(), &spec);
                if first != run(other.as_ref(), &spec) {
                    problems.push(format!(
                        "{} not deterministic on {}",
                        other.meta().id,
                        path.display()
                    ));
                }
                let bad = first
                    .iter()
                    .flat_map(lines_of)
                    .filter(|l| *l == 0 || *l > spec.line_count);
                problems.extend(
                    bad.map(|l| format!("{} line {l} outside {}", other.meta().id, path.display())),
                );
                let no_pointer = first.iter().any(|f| f.location.pointer.is_none());
                if no_pointer {
                    problems.push(format!(
                        "{} finding without pointer on {}",
                        other.meta().id,
                        path.display()
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn every_rule_file_documents_the_four_sections_and_is_named_after_its_struct() {
    // `file!()` is relative to the crate in the main build, absolute in scratch builds.
    let here = Path::new(file!());
    let here = if here.is_absolute() {
        here.to_path_buf()
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(here)
    };
    let dir = here.with_file_name("rules");
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(&dir)
        .expect("rules dir")
        .filter_map(|e| e.ok())
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "mod.rs" {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for section in [
            "## What it checks",
            "## Why it matters",
            "## Example",
            "## Fix",
        ] {
            if !text.contains(section) {
                problems.push(format!("{name}: no `{section}`"));
            }
        }
        let Some(decl) = text.lines().find_map(|l| l.strip_prefix("pub struct ")) else {
            problems.push(format!("{name}: no rule struct"));
            continue;
        };
        let snake = snake_case(decl.trim_end_matches(';'));
        if format!("{snake}.rs") != name {
            problems.push(format!("{name}: struct snake-cases to {snake}"));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[test]
fn schema_walking_rules_report_the_first_occurrence_first() {
    // Three operations with an unbounded string input (FL-OAS-015) and a
    // shared body schema with a sensitive field not write-only (FL-OAS-013).
    let mut text = String::from("openapi: 3.0.3\ninfo: {title: T, version: 1.0.0}\npaths:\n");
    for p in ["a", "b", "c"] {
        text.push_str(&format!(
            "  /{p}:\n    post:\n      parameters: [{{name: q, in: query, schema: {{type: string}}}}]\n      requestBody: {{content: {{application/json: {{schema: {{$ref: '#/components/schemas/{p}'}}}}}}}}\n      responses: {{'200': {{description: ok}}}}\n"
        ));
    }
    text.push_str("components:\n  schemas:\n");
    for p in ["a", "b", "c"] {
        text.push_str(&format!(
            "    {p}:\n      type: object\n      properties:\n        password: {{type: string, maxLength: 64}}\n"
        ));
    }
    let spec = parse(&text, Format::Yaml, &Limits::default()).expect("parses");
    for id in ["FL-OAS-015", "FL-OAS-013"] {
        let rule = rules()
            .into_iter()
            .find(|r| r.meta().id == id)
            .expect("rule");
        let found = run(rule.as_ref(), &spec);
        let f = found.first().unwrap_or_else(|| panic!("{id} did not fire"));
        let lines = lines_of(f);
        let mut sorted = lines.clone();
        sorted.sort_unstable();
        assert_eq!(lines, sorted, "{id}: locations out of document order");
        assert_eq!(
            f.occurrences as usize,
            lines.len(),
            "{id}: a location was dropped"
        );
        let first = f.location.pointer.as_deref().unwrap_or_default();
        assert!(
            first.contains("~1a/") || first.contains("/schemas/a/"),
            "{id}: first location {first}"
        );
    }
}

/// Property names FL-OAS-013 and FL-OAS-014 report on `text`.
fn sensitive_fields(text: &str) -> [Vec<String>; 2] {
    let spec = parse(text, Format::Yaml, &Limits::default()).expect("parses");
    ["FL-OAS-013", "FL-OAS-014"].map(|id| {
        let rule = rules()
            .into_iter()
            .find(|r| r.meta().id == id)
            .expect("rule");
        run(rule.as_ref(), &spec)
            .iter()
            .flat_map(|f| std::iter::once(&f.location).chain(&f.more_locations))
            .filter_map(|l| l.pointer.as_deref()?.rsplit('/').next().map(str::to_string))
            .collect()
    })
}

#[test]
fn names_and_values_that_are_not_secrets_are_not_sensitive_fields() {
    // Kubernetes-style fields: a path, a namespace, references and a flag.
    let text = "openapi: 3.0.3
info: {title: T, version: 1.0.0}
paths:
  /pods:
    post:
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Pod'}}}}
      responses: {'201': {description: ok}}
components:
  schemas:
    Ref:
      type: object
      properties: {name: {type: string}}
    Pod:
      type: object
      properties:
        secretFile: {type: string}
        keyPath: {type: string}
        secretNamespace: {type: string}
        imagePullSecrets: {type: array, items: {$ref: '#/components/schemas/Ref'}}
        secret: {$ref: '#/components/schemas/Ref'}
        serviceAccountTokenInSecrets: {type: boolean}
        clientSecret: {type: string}
        passwords: {type: array, items: {type: string}}
        secrets: {type: object, additionalProperties: {type: string}}
        cardNumber: {type: integer}
";
    let [input, output] = sensitive_fields(text);
    assert_eq!(
        input,
        ["clientSecret", "passwords", "secrets", "cardNumber"]
    );
    assert!(output.is_empty(), "{output:?}");
}

#[test]
fn a_field_returned_in_a_response_is_reported_once() {
    // One schema for the request and the response: FL-OAS-014 (returned)
    // says it, FL-OAS-013 (readable input) does not say it again.
    let text = "openapi: 3.0.3
info: {title: T, version: 1.0.0}
paths:
  /users:
    post:
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/User'}}}}
      responses:
        '201': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/User'}}}}
  /logins:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {password: {type: string}}}
      responses: {'204': {description: ok}}
components:
  schemas:
    User:
      type: object
      properties:
        name: {type: string}
        password: {type: string}
";
    let [input, output] = sensitive_fields(text);
    assert_eq!(input, ["password"], "only the login's own field");
    assert_eq!(output, ["password"]);
    let spec = parse(text, Format::Yaml, &Limits::default()).expect("parses");
    let lines: Vec<u32> = sensitive_lines(&spec);
    assert_eq!(lines.len(), 2);
    assert_ne!(lines[0], lines[1], "two different fields");
}

/// The lines of FL-OAS-013's and FL-OAS-014's first locations.
fn sensitive_lines(spec: &Spec) -> Vec<u32> {
    ["FL-OAS-013", "FL-OAS-014"]
        .iter()
        .filter_map(|id| {
            let rule = rules().into_iter().find(|r| r.meta().id == *id)?;
            run(rule.as_ref(), spec).first()?.location.line
        })
        .collect()
}
