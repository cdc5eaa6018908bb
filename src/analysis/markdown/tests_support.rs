//! Fixture helpers shared by the Markdown, architecture and cross-artifact test harnesses.

use crate::analysis::model::Finding;

/// Reads `tests/fixtures/rules/<id>/<name>`.
pub fn fixture(id: &str, name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/rules/{id}/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Lines carrying an `expect: <ID>` marker.
pub fn expected_lines(text: &str, id: &str) -> Vec<u32> {
    let marker = format!("expect: {id}");
    (1u32..)
        .zip(text.lines())
        .filter(|(_, l)| l.contains(&marker))
        .map(|(n, _)| n)
        .collect()
}

/// Every line a finding points at.
pub fn finding_lines(findings: &[Finding]) -> Vec<u32> {
    findings
        .iter()
        .flat_map(|f| std::iter::once(&f.location).chain(&f.more_locations))
        .filter_map(|l| l.line)
        .collect()
}

/// Asserts a rule's fixture pair: `fired` (its findings on `fires`) contains
/// it, at exactly the lines marked `expect: <id>` when there are markers, and
/// `clean` (its findings on the clean fixture) is empty.
pub fn assert_fixture_pair(id: &str, fires: &str, fired: &[Finding], clean: &[Finding]) {
    assert!(
        fired.iter().any(|f| f.rule_id == id),
        "{id} did not fire on its fires fixture"
    );
    let mut want = expected_lines(fires, id);
    if !want.is_empty() {
        // Exactly the marked lines: a finding elsewhere is a false positive.
        let mut got = finding_lines(fired);
        got.sort_unstable();
        got.dedup();
        want.sort_unstable();
        assert_eq!(
            got, want,
            "{id}: finding lines differ from the expect markers"
        );
    }
    assert!(
        clean.is_empty(),
        "{id} fired on its clean fixture: {clean:?}"
    );
}
