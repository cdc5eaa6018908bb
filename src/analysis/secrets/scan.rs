//! Finding secrets in raw artifact text: one pass of a few compiled regexes
//! (each with a literal prefilter, so text without `AKIA`, `ghp_`, `eyJ`...
//! is skipped at memchr speed), then placeholder and context checks in Rust.
//!
//! The scan runs on the submitted text itself, not on a parsed model, so it
//! sees every artifact kind the same way: OpenAPI examples and defaults,
//! YAML/JSON config blocks, Markdown prose and code, comments included.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::kind::SecretKind;
use super::placeholder::{
    is_placeholder_token, is_placeholder_value, is_secret_key_name, looks_like_a_name,
};

/// One secret found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHit {
    pub kind: SecretKind,
    /// 1-based line where the secret starts.
    pub line: u32,
    /// Byte range of the secret in the scanned text.
    pub range: Range<usize>,
    /// For a private key, its `-----BEGIN … PRIVATE KEY-----` header (the
    /// only part ever shown).
    pub header: Option<String>,
    /// The hit is a generic assignment inside an `example`/`examples`
    /// value: most likely a made-up sample, reported as such (FL-SEC-012).
    pub sample: bool,
}

impl SecretHit {
    /// The raw secret. Callers must not let it out of the analyser: see
    /// [`super::Redactor`].
    pub fn value<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.range.clone()).unwrap_or("")
    }
}

/// Kinds found by a shape alone; capture group 1 is the secret.
struct Pattern {
    kind: SecretKind,
    regex: Regex,
}

fn compile(kind: SecretKind, pattern: &str) -> Pattern {
    Pattern {
        kind,
        // The patterns are constants, covered by the unit tests.
        regex: Regex::new(pattern).expect("secret pattern compiles"),
    }
}

/// The shapes, most specific first: when two overlap, the first one wins.
/// No leading `\b`: the literal prefixes (`AKIA`, `ghp_`...) stay the
/// regexes' prefilter, and [`starts_a_word`] checks the boundary.
static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    use SecretKind::*;
    vec![
        compile(
            PrivateKey,
            r"(-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?s:.*?)-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)",
        ),
        compile(AwsAccessKeyId, r"((?:AKIA|ASIA)[A-Z0-9]{16})(?-u:\b)"),
        compile(
            AwsSecretAccessKey,
            r#"(?i)aws_?(?:secret_?access_?key|secret_?key)\\?["']?[ \t]*[:=][ \t]*\\?["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
        ),
        compile(
            GcpServiceAccountKey,
            r#"\\?"private_key_id\\?"[ \t]*:[ \t]*\\?"([0-9a-f]{40})\\?""#,
        ),
        compile(GoogleApiKey, r"(AIza[0-9A-Za-z_\-]{35})"),
        compile(
            GitHubToken,
            r"(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})(?-u:\b)",
        ),
        compile(SlackToken, r"(xox[abposr]-[0-9A-Za-z\-]{10,})"),
        compile(StripeKey, r"((?:sk|rk)_live_[0-9A-Za-z]{16,})(?-u:\b)"),
        compile(
            Jwt,
            r"(eyJ[A-Za-z0-9_\-]{5,}\.eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]*)",
        ),
        compile(
            UrlPassword,
            r#"(?-u:\b)[A-Za-z][A-Za-z0-9+.\-]{1,15}://[^\s:/?#@"'<>]+:([^\s/?#@"'<>]+)@"#,
        ),
    ]
});

/// `key: value`, `key=value`, `"key": "value"` (group 1 the key, 2–4 the
/// value: double-quoted, single-quoted or bare). Backslashes allow for the
/// same inside a JSON string (`\"key\": \"value\"`, lines joined by `\n`).
static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)([a-z0-9_.\-]*(?:passw(?:or)?d|pwd|secret|api[_\-]?key|access[_\-]?key|private[_\-]?key|token)[a-z0-9_.\-]*)\\?["']?[ \t]*[:=][ \t]*(?:\\?"([^"\\\r\n]*)\\?"|'([^'\\\r\n]*)'|([^\s"',;#`\\\]\)\}]+))"#,
    )
    .expect("assignment pattern compiles")
});

/// A variable given as a name/value pair, as Kubernetes `env`, ECS task
/// definitions and Compose's long form write them: `- name: DB_PASSWORD`
/// with `value: hunter2` on the next line, or `{"name": "DB_PASSWORD",
/// "value": "hunter2"}`. Groups as in [`ASSIGNMENT`]: 1 the variable's
/// name, 2–4 its value (`valueFrom:` is a reference, and does not match).
static NAME_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(?-u:\b)name\\?["']?[ \t]*:[ \t]*\\?["']?([a-z0-9_.\-]*(?:passw(?:or)?d|pwd|secret|api[_\-]?key|access[_\-]?key|private[_\-]?key|token)[a-z0-9_.\-]*)\\?["']?[ \t]*(?:,[ \t]*|\r?\n[ \t]*(?:-[ \t]*)?)\\?["']?value\\?["']?[ \t]*:[ \t]*(?:\\?"([^"\\\r\n]*)\\?"|'([^'\\\r\n]*)'|([^\s"',;#`\\\]\)\}]+))"#,
    )
    .expect("name/value pattern compiles")
});

/// Longer assigned values are data (a blob, a certificate chain), not a
/// password or token.
const MAX_VALUE_LEN: usize = 512;

/// Every secret in `text`, in text order, at most one per byte range.
pub fn scan(text: &str) -> Vec<SecretHit> {
    let mut spans: Vec<(SecretKind, Range<usize>)> = Vec::new();
    for p in PATTERNS.iter() {
        for caps in p.regex.captures_iter(text) {
            let Some(m) = caps.get(1) else { continue };
            if starts_a_word(text, m.start()) && !is_placeholder_token(p.kind, m.as_str()) {
                spans.push((p.kind, m.range()));
            }
        }
    }
    for caps in ASSIGNMENT
        .captures_iter(text)
        .chain(NAME_VALUE.captures_iter(text))
    {
        if let Some(range) = assignment(text, &caps) {
            spans.push((SecretKind::Assignment, range));
        }
    }
    // Most specific first, then drop anything overlapping a kept span. The
    // kept spans are disjoint, so only the last one starting before a
    // candidate's end can overlap it.
    spans.sort_by_key(|(kind, r)| (*kind, r.start));
    let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
    let mut kept: Vec<(SecretKind, Range<usize>)> = Vec::new();
    for (kind, range) in spans {
        let overlaps = taken
            .range(..range.end)
            .next_back()
            .is_some_and(|(_, &end)| end > range.start);
        if !overlaps {
            taken.insert(range.start, range.end);
            kept.push((kind, range));
        }
    }
    if kept.is_empty() {
        return Vec::new();
    }
    kept.sort_by_key(|(_, r)| r.start);
    let samples = sample_assignments(text, &kept);
    let lines = LineIndex::new(text);
    kept.into_iter()
        .zip(samples)
        .map(|((kind, range), sample)| SecretHit {
            kind,
            line: lines.line_of(range.start),
            header: (kind == SecretKind::PrivateKey).then(|| pem_header(&text[range.clone()])),
            range,
            sample,
        })
        .collect()
}

/// Which of `kept` (by start) are generic assignments inside an example.
/// Only assignments are downgraded: a vendor-shaped key (`ghp_…`,
/// `AKIA…`, a PEM block) is a working credential wherever it is pasted.
fn sample_assignments(text: &str, kept: &[(SecretKind, Range<usize>)]) -> Vec<bool> {
    if !kept.iter().any(|(k, _)| *k == SecretKind::Assignment) {
        return vec![false; kept.len()];
    }
    let starts: Vec<usize> = kept.iter().map(|(_, r)| r.start).collect();
    let flags = super::samples::sample_flags(text, &starts);
    kept.iter()
        .zip(flags)
        .map(|((kind, _), sample)| sample && *kind == SecretKind::Assignment)
        .collect()
}

/// The value's range when an assignment names a secret and gives it a
/// literal, non-placeholder value.
fn assignment(text: &str, caps: &regex::Captures<'_>) -> Option<Range<usize>> {
    let key = caps.get(1)?;
    // The key must start a word: `mypassword` in prose is matched from its
    // start, but not from inside another identifier.
    let before = text[..key.start()].chars().next_back();
    if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    // After `\n` inside a JSON string the key starts past the escape's `n`.
    let name = match before {
        Some('\\') => key.as_str().get(1..).unwrap_or(""),
        _ => key.as_str(),
    };
    if !is_secret_key_name(name) {
        return None;
    }
    let (value, quoted) = match (caps.get(2), caps.get(3), caps.get(4)) {
        (Some(v), _, _) | (_, Some(v), _) => (v, true),
        (_, _, Some(v)) => (v, false),
        _ => return None,
    };
    if !quoted && !ends_the_line(text, value.end()) {
        // `Token: expires after an hour` is prose, not a value.
        return None;
    }
    let v = value.as_str().trim();
    // `"token": " clouds"` (an LLM's logprobs) is text, not a credential.
    if v.len() != value.as_str().len()
        || v.len() > MAX_VALUE_LEN
        || is_placeholder_value(v)
        || looks_like_a_name(v)
    {
        return None;
    }
    let start = value.start() + (value.as_str().len() - value.as_str().trim_start().len());
    Some(start..start + v.len())
}

/// Whether only a comment, punctuation or a table border follows `at` on
/// its line. Looks past blanks only, so a long line costs nothing per match.
fn ends_the_line(text: &str, at: usize) -> bool {
    let rest = text[at..].trim_start_matches([' ', '\t']);
    rest.chars().next().is_none_or(|c| {
        matches!(
            c,
            '\n' | '\r' | '#' | ',' | ';' | '}' | ']' | '|' | ')' | '\\'
        )
    })
}

/// Whether a secret starting at `at` starts a word: after a character that
/// is not a word character, or after a `\n`/`\r`/`\t` escape (lines joined
/// inside a JSON string). Shapes that begin with punctuation always do.
fn starts_a_word(text: &str, at: usize) -> bool {
    let first = text.as_bytes().get(at);
    if !first.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
        return true;
    }
    match &text.as_bytes()[..at] {
        [.., b'\\', b'n' | b'r' | b't'] => true,
        [.., b] => !(b.is_ascii_alphanumeric() || *b == b'_'),
        [] => true,
    }
}

/// `-----BEGIN RSA PRIVATE KEY-----` of a PEM block.
fn pem_header(block: &str) -> String {
    let end = block[5..].find("-----").map_or(block.len(), |i| i + 10);
    block[..end.min(block.len())].to_string()
}

/// Byte offset → 1-based line, by binary search over newline offsets.
struct LineIndex {
    /// Where each line after the first starts (a lone CR ends a line too).
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        Self {
            starts: crate::analysis::lines::line_starts(text).collect(),
        }
    }

    fn line_of(&self, offset: usize) -> u32 {
        let line = self.starts.partition_point(|&s| s <= offset) + 1;
        u32::try_from(line).unwrap_or(u32::MAX)
    }
}
