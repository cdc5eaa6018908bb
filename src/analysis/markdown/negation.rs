//! Whether a mention in prose says a thing is there or that it is not.
//!
//! "There is no authentication" mentions authentication as much as "OAuth2
//! via Keycloak" does; a rule asking whether a design addresses a concern
//! must count only the second. The test follows NegEx (Chapman et al.,
//! 2001), the usual way of finding negated terms in clinical notes: a
//! negation cue a few words before the term, or a "missing"-style cue just
//! after it, within the same clause. Clauses end at sentence punctuation,
//! line breaks, brackets, table cells and contrast words ("but", "however"),
//! not at commas, so one "no" governs a list ("no TLS, backups or replicas").

/// Words before a term that negate it.
const PRE_CUES: &[&str] = &[
    "no", "not", "without", "nothing", "none", "never", "neither", "nor", "lack", "lacks",
    "lacking", "missing", "absent", "cannot",
];

/// Words after a term that negate it ("authentication: none", "monitoring
/// is missing", "backups are not yet configured").
const POST_CUES: &[&str] = &["none", "missing", "absent", "lacking", "tbd", "todo", "n/a"];

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

/// Words that end the scope of a cue before them.
const CONTRAST: &[&str] = &["but", "however", "although", "though", "except", "whereas"];

/// How many words before or after the term a cue may be.
const WINDOW: usize = 6;

/// Bytes looked at on either side of the term: enough for the window's
/// words, and a bound on the work a hostile document can cause.
const SPAN: usize = 120;

/// Whether the term at `lower[start..end]` (lowercase text) is negated.
pub fn is_negated(lower: &str, start: usize, end: usize) -> bool {
    let before = clause_before(lower, start);
    let after = clause_after(lower, end);
    let cues: Vec<&str> = before
        .iter()
        .enumerate()
        .filter(|&(i, w)| {
            let next = before.get(i + 1).copied();
            let pseudo = PSEUDO.iter().any(|&(a, b)| *w == a && next == Some(b));
            let cue = PRE_CUES.contains(w) || w.ends_with("n't") || w.ends_with("n’t");
            cue && !pseudo
        })
        .map(|(_, w)| *w)
        .collect();
    if let Some((&last, earlier)) = cues.split_last() {
        // "Requests without a token are rejected", and the double negative
        // "no request passes without authentication", both enforce the term.
        let enforced = last == "without"
            && (earlier.iter().any(|w| *w != "without")
                || after.iter().any(|w| REFUSAL.contains(w)));
        if !enforced {
            return true;
        }
    }
    after.iter().enumerate().any(|(i, w)| {
        POST_CUES.contains(w)
            || (*w == "not" && after.get(i + 1).is_some_and(|n| NOT_THERE.contains(n)))
    })
}

/// Up to `WINDOW` words of the clause that ends at `start`, in order.
fn clause_before(lower: &str, start: usize) -> Vec<&str> {
    let from = floor_boundary(lower, start.saturating_sub(SPAN));
    let text = &lower[from..start];
    let clause = text.rsplit(is_clause_break).next().unwrap_or("");
    let mut words: Vec<&str> = words(clause).collect();
    // A contrast word starts a new scope: "no cache, but TLS everywhere".
    if let Some(at) = words.iter().rposition(|w| CONTRAST.contains(w)) {
        words.drain(..=at);
    }
    let skip = words.len().saturating_sub(WINDOW);
    words.split_off(skip)
}

/// Up to `WINDOW` words of the clause that starts at `end`.
fn clause_after(lower: &str, end: usize) -> Vec<&str> {
    let to = ceil_boundary(lower, (end + SPAN).min(lower.len()));
    let text = lower.get(end..to).unwrap_or("");
    let clause = text.split(is_clause_break).next().unwrap_or("");
    let mut words: Vec<&str> = words(clause).take(WINDOW).collect();
    if let Some(at) = words.iter().position(|w| CONTRAST.contains(w)) {
        words.truncate(at);
    }
    words
}

fn is_clause_break(c: char) -> bool {
    matches!(
        c,
        '.' | ';' | '!' | '?' | '\n' | '(' | ')' | '|' | '[' | ']'
    )
}

/// Words with their punctuation trimmed; "n/a" and "don't" stay whole.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ':' | '"' | '*' | '_' | '`'))
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '/'))
        .filter(|w| !w.is_empty())
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
