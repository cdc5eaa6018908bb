//! Whether a mention in prose says a thing is there or that it is not.
//!
//! "There is no authentication" mentions authentication as much as "OAuth2
//! via Keycloak" does; a rule asking whether a design addresses a concern
//! must count only the second. The test follows NegEx (Chapman et al.,
//! 2001), the usual way of finding negated terms in clinical notes: a
//! negation cue a few words before the term, or a "missing"-style cue right
//! after it, within the same clause. Clauses end at sentence punctuation,
//! colons, line breaks, brackets, table cells and words that turn the
//! sentence ("but", "so", "instead"). A comma ends one too, unless the term
//! is the next item of a list the cue governs ("no TLS, backups or
//! replicas"): "no plaintext traffic, all connections use TLS" affirms TLS.

use super::text::prose_words;

/// Words before a term that negate it, anywhere in its clause's window
/// ("the design lacks authentication and alerting"). "Alerts fire on
/// missing heartbeats" watches the heartbeats: see `is_negated`.
const PRE_CUES: &[&str] = &[
    "no", "not", "without", "nothing", "none", "never", "neither", "nor", "cannot", "lack",
    "lacks", "lacking", "missing", "absent",
];

/// A cue before one of these negates the act, not the term: "clients cannot
/// bypass authentication" enforces it.
const BYPASS: &[&str] = &[
    "bypass",
    "bypasses",
    "circumvent",
    "skip",
    "skips",
    "disable",
    "disables",
    "avoid",
    "evade",
];

/// Words right after a term (or after "is"/"are") that negate it
/// ("authentication: none", "monitoring is missing", "alerting: TBD").
const POST_CUES: &[&str] = &["none", "missing", "absent", "lacking", "tbd", "todo", "n/a"];

/// Links between a term and a post cue: "backups are not yet configured".
const LINKS: &[&str] = &["is", "are", "was", "were", "remains", "remain", "still"];

/// What may follow "not" after a term for it to mean "not there".
const NOT_THERE: &[&str] = &[
    "yet",
    "implemented",
    "configured",
    "enabled",
    "planned",
    "supported",
    "covered",
    "set",
    "done",
    "considered",
    "used",
    "available",
    "provided",
    "defined",
    "designed",
];

/// Cue phrases that look negative and are not ("not only", "no matter").
const PSEUDO: &[(&str, &str)] = &[
    ("not", "only"),
    ("not", "just"),
    ("no", "matter"),
    ("no", "longer"),
    ("no", "doubt"),
];

/// Words in the rest of a clause that make "without" a condition of refusal
/// ("requests without a valid token are rejected"): the term is enforced.
const REFUSAL: &[&str] = &[
    "reject", "rejected", "refuse", "refused", "denied", "deny", "401", "403", "blocked", "fail",
    "fails",
];

/// Words that end the scope of a cue: the sentence turns.
const TURNS: &[&str] = &[
    "but", "however", "although", "though", "except", "whereas", "so", "because", "instead",
];

/// How many words before the term a cue may be.
const WINDOW: usize = 6;

/// How many words a list item after a comma may have for a cue before the
/// comma to still govern the term: two ("no TLS, backups or replicas"), or
/// three with the list's "and"/"or" ("no monitoring, alerting or
/// distributed tracing"); "no plaintext traffic, all connections use TLS"
/// is a new clause.
const LIST_ITEM: usize = 2;

/// Bytes looked at on either side of the term: enough for the window's
/// words, and a bound on the work a hostile document can cause.
const SPAN: usize = 120;

/// Whether the term at `lower[start..end]` (lowercase text) is negated.
pub fn is_negated(lower: &str, start: usize, end: usize) -> bool {
    let before = scope_before(lower, start);
    let after = scope_after(lower, end);
    let cue_at = |i: usize, w: &str| {
        let next = before.get(i + 1).copied();
        let pseudo = PSEUDO.iter().any(|&(a, b)| w == a && next == Some(b));
        let cue = is_cue(w);
        // "Alerts fire on missing heartbeats" watches the heartbeats.
        let watched = w == "missing" && lower[start..].starts_with("heartbeat");
        cue && !pseudo && !watched
    };
    let cues: Vec<(usize, &str)> = before
        .iter()
        .enumerate()
        .filter(|&(i, w)| cue_at(i, w))
        .map(|(i, w)| (i, *w))
        .collect();
    if let Some((&(at, last), earlier)) = cues.split_last() {
        // "Requests without a token are rejected", and the double negative
        // "no request passes without authentication", enforce the term; so
        // does "clients cannot bypass authentication".
        let enforced = last == "without"
            && (earlier.iter().any(|(_, w)| *w != "without")
                || after.iter().any(|w| REFUSAL.contains(w)));
        let bypassed = before[at + 1..].iter().any(|w| BYPASS.contains(w));
        if !enforced && !bypassed {
            return true;
        }
    }
    negated_after(&after)
}

/// A negation cue word.
fn is_cue(w: &str) -> bool {
    PRE_CUES.contains(&w) || w.ends_with("n't") || w.ends_with("n’t")
}

/// "X: none", "X is missing", "X: TBD", "X are not yet configured".
fn negated_after(after: &[&str]) -> bool {
    let words = match after {
        [link, rest @ ..] if LINKS.contains(link) => rest,
        all => all,
    };
    match words {
        [first, ..] if POST_CUES.contains(first) => true,
        ["not", next, ..] => NOT_THERE.contains(next),
        _ => false,
    }
}

/// Up to `WINDOW` words of the term's clause before it, in order.
fn scope_before(lower: &str, start: usize) -> Vec<&str> {
    let from = floor_boundary(lower, start.saturating_sub(SPAN));
    let text = &lower[from..start];
    let clause = text.rsplit(is_clause_break).next().unwrap_or("");
    // Walk back from the term, segment by segment between commas: a comma
    // ends the scope unless the segments between it and the term are short
    // list items and the segment before it is the list's head, a cue and a
    // short item ("no TLS, backups or replicas"); "no PII leaves the EU,
    // backups are encrypted" is two statements.
    let list_item = |seg: &[&str]| {
        let joined = seg.iter().any(|w| matches!(*w, "and" | "or"));
        seg.len() <= LIST_ITEM || (joined && seg.len() <= LIST_ITEM + 1)
    };
    let mut words: Vec<&str> = Vec::new();
    for (n, segment) in clause.rsplit(',').enumerate() {
        let seg: Vec<&str> = prose_words(segment).collect();
        if n > 0 {
            let head = seg.iter().rposition(|w| is_cue(w));
            match head {
                Some(at) if list_item(&seg[at + 1..]) => {}
                None if list_item(&seg) => {}
                _ => break,
            }
        }
        let last_item = list_item(&seg);
        let mut merged = seg;
        merged.extend(words);
        words = merged;
        if !last_item || words.len() >= WINDOW * 2 {
            break;
        }
    }
    // A turn starts a new scope: "no cache, but TLS everywhere".
    if let Some(at) = words.iter().rposition(|w| TURNS.contains(w)) {
        words.drain(..=at);
    }
    let skip = words.len().saturating_sub(WINDOW);
    words.split_off(skip)
}

/// The words of the term's clause after it, up to a comma. A colon right
/// after the term makes it a label ("Authentication: none").
fn scope_after(lower: &str, end: usize) -> Vec<&str> {
    let to = ceil_boundary(lower, (end + SPAN).min(lower.len()));
    let text = lower.get(end..to).unwrap_or("");
    let text = text.trim_start().strip_prefix(':').unwrap_or(text);
    let clause = text
        .split(|c: char| is_clause_break(c) || c == ',')
        .next()
        .unwrap_or("");
    let mut words: Vec<&str> = prose_words(clause).take(WINDOW).collect();
    if let Some(at) = words.iter().position(|w| TURNS.contains(w)) {
        words.truncate(at);
    }
    words
}

fn is_clause_break(c: char) -> bool {
    matches!(
        c,
        '.' | ';' | ':' | '!' | '?' | '\n' | '(' | ')' | '|' | '[' | ']'
    )
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::is_negated;

    /// Whether `term`'s first occurrence in `text` is negated.
    fn negated(text: &str, term: &str) -> bool {
        let lower = text.to_lowercase();
        let start = lower.find(term).expect("term in text");
        is_negated(&lower, start, start + term.len())
    }

    #[test]
    fn cues_before_the_term_negate_it() {
        let gaps = "Known gaps: there is no authentication, no TLS (plain HTTP everywhere), \
                    no backups, no replica, no monitoring and no health checks.";
        for term in [
            "authentication",
            "tls",
            "backups",
            "replica",
            "monitoring",
            "health",
        ] {
            assert!(negated(gaps, term), "{term}");
        }
        assert!(negated(
            "There is no login; every endpoint is public.",
            "login"
        ));
        assert!(negated("Nothing is encrypted at rest.", "encrypted"));
        assert!(negated("We don't have monitoring yet.", "monitoring"));
        assert!(negated("We don’t have monitoring yet.", "monitoring"));
        assert!(negated("The service runs without TLS.", "tls"));
        assert!(negated("There is no TLS, backup or replica.", "replica"));
        assert!(negated(
            "No TLS, backups, replicas or alerting.",
            "alerting"
        ));
    }

    #[test]
    fn cues_after_the_term_negate_it() {
        assert!(negated("Authentication: none", "authentication"));
        assert!(negated("Monitoring is missing for now", "monitoring"));
        assert!(negated("Backups are not yet configured.", "backups"));
        assert!(negated("Alerting: TBD", "alerting"));
    }

    #[test]
    fn affirmed_terms_are_not_negated() {
        assert!(!negated("All traffic uses TLS 1.3.", "tls"));
        assert!(!negated(
            "No request reaches the API without authentication.",
            "authentication"
        ));
        assert!(!negated(
            "Requests without a valid JWT are rejected with 401.",
            "jwt"
        ));
        assert!(!negated(
            "There is no Redis cache, but TLS is used everywhere.",
            "tls"
        ));
        assert!(!negated("No cache. Backups run nightly.", "backups"));
        assert!(!negated(
            "We use not only metrics but also tracing.",
            "metrics"
        ));
        assert!(!negated("| Postgres | no | replicated |", "replicated"));
        // A comma that starts a new clause ends the cue's scope; a colon too.
        assert!(!negated(
            "No plaintext traffic, all connections use TLS 1.3.",
            "tls"
        ));
        assert!(!negated(
            "Data is never sent unencrypted: TLS everywhere.",
            "tls"
        ));
        // "missing" negates only what it stands right before.
        assert!(!negated(
            "Alerts fire on missing heartbeats from each service.",
            "alerts"
        ));
        assert!(!negated(
            "Alerts fire on missing heartbeats from each service.",
            "heartbeats"
        ));
        assert!(negated("Known gaps: missing backups.", "backups"));
        assert!(negated(
            "The design lacks authentication and alerting.",
            "alerting"
        ));
        assert!(negated(
            "No monitoring, alerting or distributed tracing.",
            "tracing"
        ));
        // A cue before a bypass enforces the term.
        assert!(!negated(
            "Clients cannot bypass authentication at the gateway.",
            "authentication"
        ));
        // A trailing TBD belongs to the last item only.
        let partial = "Monitoring: Prometheus and Grafana, alert rules TBD";
        for term in ["monitoring", "prometheus", "grafana"] {
            assert!(!negated(partial, term), "{term}");
        }
        assert!(negated(partial, "alert rules"));
        assert!(!negated(
            "Monitoring is not a concern of this doc's authors? TLS is on.",
            "tls"
        ));
    }

    #[test]
    fn hostile_text_is_handled() {
        // Multi-byte text around the window edges, and a term at either end.
        let text = format!("{} no ü tls {}", "é".repeat(200), "ü".repeat(200));
        assert!(negated(&text, "tls"));
        assert!(!negated(&format!("{} tls", "é".repeat(59)), "tls"));
        assert!(!negated("tls", "tls"));
        // The window's words are looked at, not the 100,000 before them.
        let long = "no ".repeat(100_000) + "tls";
        assert!(negated(&long, "tls"));
    }
}
