//! Word search over lowercased text and detection of open-work markers.
//!
//! Needles are matched on word boundaries so `db` does not match `dbt` and
//! `todo` does not match `todos_api`. A trailing `*` makes a needle a prefix
//! (`encrypt*` matches "encryption"); a plain needle also matches its plural
//! with a trailing `s`.

use super::model::MarkerKind;

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Byte offset of the first whole-word occurrence of `needle` in `hay`.
pub fn find_word(hay: &str, needle: &str) -> Option<usize> {
    find_word_from(hay, needle, 0)
}

/// Like [`find_word`], starting the search at byte `from`.
pub fn find_word_from(hay: &str, needle: &str, from: usize) -> Option<usize> {
    let (needle, prefix) = match needle.strip_suffix('*') {
        Some(n) => (n, true),
        None => (needle, false),
    };
    if needle.is_empty() {
        return None;
    }
    let bytes = hay.as_bytes();
    let nb = needle.as_bytes();
    let check_start = nb.first().is_some_and(|&b| is_word_byte(b));
    let check_end = !prefix && nb.last().is_some_and(|&b| is_word_byte(b));
    // One searcher for all candidates: building it is the expensive part.
    for (rel, _) in hay.get(from..)?.match_indices(needle) {
        let start = from + rel;
        let mut end = start + nb.len();
        let before_ok = !check_start || start == 0 || !is_word_byte(bytes[start - 1]);
        if check_end && bytes.get(end) == Some(&b's') {
            end += 1;
        }
        let after_ok = !check_end || bytes.get(end).is_none_or(|&b| !is_word_byte(b));
        if before_ok && after_ok {
            return Some(start);
        }
    }
    None
}

/// Like [`find_word_from`], skipping occurrences that say the thing is not
/// there ("no TLS", see [`negation`](super::negation)) and URL schemes
/// (`https://` names a link, not a transport decision).
pub fn find_affirmed_from(hay: &str, needle: &str, mut from: usize) -> Option<usize> {
    let len = needle.trim_end_matches('*').len();
    while let Some(at) = find_word_from(hay, needle, from) {
        // The whole word: `monitor*` matched in "monitoring: none" ends at
        // the colon, where the cue after it is looked for.
        let end = at
            + len
            + hay[at + len..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(hay.len() - at - len);
        let url = hay.get(end..).is_some_and(|rest| rest.starts_with("://"));
        if !url && !super::negation::is_negated(hay, at, end) {
            return Some(at);
        }
        from = end;
    }
    None
}

/// The words of a run of prose, their punctuation and Markdown emphasis
/// trimmed; "n/a" and "don't" stay whole.
pub fn prose_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ':' | ';' | '"' | '*' | '_' | '`'))
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '/'))
        .filter(|w| !w.is_empty())
}

/// Whether a section's text only holds its place: empty, or a few words
/// that defer it ("TBD", "N/A", "None.", "Not considered.", "We don't have
/// monitoring yet."). A short real statement ("No PII is stored.", "Feature
/// flag, not yet enabled", "We don't have to redeploy") is not.
pub fn is_placeholder(body: &str) -> bool {
    const WORDS: &[&str] = &[
        "tbd", "tba", "tbc", "todo", "wip", "n/a", "na", "none", "nothing", "later",
    ];
    // Openings that defer the whole section.
    const OPENINGS: &[&str] = &[
        "to be decided",
        "to be determined",
        "to be defined",
        "to be done",
        "to be written",
        "not considered",
        "not yet",
        "not applicable",
        "not decided",
        "not planned",
        "not defined",
        "we don't have",
        "we don’t have",
        "we do not have",
        "don't have",
        "don’t have",
        "do not have",
        "coming soon",
        "fill in",
        "work in progress",
        "none yet",
        "nothing yet",
    ];
    let lower = body.to_lowercase();
    let words: Vec<&str> = prose_words(&lower).collect();
    if words.len() > 8 {
        return false;
    }
    // An opening may follow one word ("Currently not planned.", "Still to
    // be decided."), and a marker may lead ("TODO: fill in").
    let opens_at = |skip: usize| {
        let text = words.get(skip..).unwrap_or_default().join(" ");
        OPENINGS.iter().any(|p| match text.strip_prefix(*p) {
            // "we don't have to redeploy" says what happens instead.
            Some(rest) => rest.is_empty() || (rest.starts_with(' ') && !rest.starts_with(" to ")),
            None => false,
        })
    };
    let marker = words
        .first()
        .is_some_and(|w| matches!(*w, "tbd" | "tba" | "tbc" | "todo" | "wip"));
    words.iter().all(|w| WORDS.contains(w)) || marker || opens_at(0) || opens_at(1)
}

/// Whether `hay` (lowercase) contains any of `words` as whole words.
pub fn has_any(hay: &str, words: &[&str]) -> bool {
    words.iter().any(|w| find_word(hay, w).is_some())
}

/// Open-work markers in one run of prose text. Case matters for TODO, FIXME
/// and XXX (lowercase "todo" is usually a word about to-do apps); TBD and
/// "to be decided/determined" are matched in any case.
pub fn markers_in(text: &str) -> Vec<(MarkerKind, usize)> {
    let mut out = Vec::new();
    // Every marker starts with t, f, x or o: most text runs (and the
    // millions of one-character runs of hostile input) are skipped cheaply.
    let candidate = text
        .bytes()
        .any(|b| matches!(b.to_ascii_lowercase(), b't' | b'f' | b'x' | b'o'));
    if !candidate {
        return out;
    }
    for (needle, kind) in [
        ("TODO", MarkerKind::Todo),
        ("FIXME", MarkerKind::Fixme),
        ("XXX", MarkerKind::Fixme),
    ] {
        if let Some(off) = find_exact_word(text, needle) {
            out.push((kind, off));
        }
    }
    let lower = text.to_ascii_lowercase();
    for needle in [
        "tbd",
        "tbc",
        "to be decided",
        "to be determined",
        "to be defined",
    ] {
        if let Some(off) = find_exact_word(&lower, needle) {
            out.push((MarkerKind::Tbd, off));
            break;
        }
    }
    if let Some(off) = find_exact_word(&lower, "open question") {
        out.push((MarkerKind::OpenQuestion, off));
    }
    out
}

/// Whole-word match without the plural allowance.
fn find_exact_word(hay: &str, needle: &str) -> Option<usize> {
    let bytes = hay.as_bytes();
    let mut pos = 0;
    while let Some(rel) = hay.get(pos..).and_then(|h| h.find(needle)) {
        let start = pos + rel;
        let end = start + needle.len();
        let before_ok = start == 0 || !is_word_byte(bytes[start - 1]);
        let after_ok = bytes.get(end).is_none_or(|&b| !is_word_byte(b));
        if before_ok && after_ok {
            return Some(start);
        }
        pos = end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_respect_boundaries_plurals_and_prefixes() {
        assert_eq!(find_word("use a db here", "db"), Some(6));
        assert_eq!(find_word("dbt models", "db"), None);
        assert_eq!(find_word("two replicas", "replica"), Some(4));
        assert_eq!(find_word("encryption at rest", "encrypt*"), Some(0));
        assert_eq!(find_word("ünïcode db", "db"), Some(10));
    }

    #[test]
    fn a_prefix_term_is_judged_by_its_whole_word() {
        use super::find_affirmed_from;
        for negated in [
            "- monitoring: none",
            "alerting: tbd",
            "monitoring is missing",
        ] {
            for needle in ["monitor*", "alert*"] {
                assert_eq!(
                    find_affirmed_from(negated, needle, 0),
                    None,
                    "{negated} {needle}"
                );
            }
        }
        assert_eq!(
            find_affirmed_from("- monitoring: prometheus", "monitor*", 0),
            Some(2)
        );
    }

    #[test]
    fn placeholders_are_told_from_short_statements() {
        use super::is_placeholder;
        for body in [
            "",
            "  \n",
            "TBD",
            "- TODO",
            "N/A",
            "None.",
            "Not considered.",
            "We don't have monitoring yet.",
            "To be decided",
            "?",
            "Currently not planned.",
            "Still to be decided.",
            "> TODO: fill in",
            "Don’t have this yet.",
        ] {
            assert!(is_placeholder(body), "{body:?}");
        }
        for body in [
            "No PII is stored.",
            "Kubernetes.",
            "See the runbook.",
            "OAuth2 everywhere",
            &"word ".repeat(20),
            "Refill in reverse order from the backup table.",
            "We don't have to redeploy, disable the cron.",
            "Feature flag, not yet enabled in production.",
            "None of the data is personal, so no DPIA.",
        ] {
            assert!(!is_placeholder(body), "{body:?}");
        }
    }

    #[test]
    fn markers_are_case_aware() {
        let m = markers_in("TODO: decide. The todo app. Owner TBD.");
        assert_eq!(m.len(), 2);
        assert!(markers_in("a todo list app").is_empty());
    }
}
