//! The timeline as text: one line per event, the state as of an event on
//! request, and the verdict.

use serde_json::Value;

use super::{Difference, Replay, Verdict};
use crate::engine::Snapshot;

/// Characters of a result or Markdown body shown before it is cut.
const BODY_PREVIEW: usize = 300;

/// The whole replay as text; with `at`, the full state as of event `at`
/// (the caller has checked it is in range) follows the timeline.
pub fn render(r: &Replay, at: Option<usize>) -> String {
    let mut out = format!("job {}\n", r.job_id);
    for (i, step) in r.timeline.iter().enumerate() {
        let e = &step.event;
        let when = time_ms(e.ts);
        let (status, hint) = step
            .state
            .as_ref()
            .map_or(("-", ""), |s| (s.status.as_str(), s.progress_hint.as_str()));
        let detail = e
            .error()
            .map_or(hint.to_string(), |err| format!("{hint}: {err}"));
        let worker = if e.worker.is_empty() {
            "api"
        } else {
            &e.worker
        };
        let marker = if at == Some(i + 1) { ">" } else { "#" };
        out.push_str(&format!(
            "{marker}{:<3} {when} +{:>6}ms  {:<15} attempt {}  {:<24} → {status:<9} {detail}\n",
            e.seq,
            step.delta_ms,
            e.kind.as_str(),
            e.attempt,
            worker
        ));
        if let Some(refusal) = &step.refusal {
            out.push_str(&format!("      refused by the fold: {refusal}\n"));
        }
    }
    if let Some(n) = at {
        out.push_str(&format!("state as of event {n}:\n"));
        match r.state_at(n) {
            Ok(Some(s)) => out.push_str(&format!("{}\n", state_text(&s))),
            Ok(None) => {
                out.push_str("(no state: the log does not start with queued or cache_hit)\n")
            }
            Err(e) => out.push_str(&format!("{e}\n")),
        }
    }
    if !r.sealed.is_empty() {
        out.push_str(&format!(
            "sealed: {} stayed as stored, encrypted ({}); the verdict compares stored values and does not depend on them\n",
            sealed_text(&r.sealed),
            r.sealed_error
                .as_ref()
                .map_or_else(String::new, ToString::to_string)
        ));
    }
    out.push_str(&verdict_text(&r.verdict, &r.job_id));
    out
}

/// The sealed values, those of events grouped by field: `result, data.error
/// of events 4, 9`.
fn sealed_text(sealed: &[String]) -> String {
    let mut parts: Vec<(String, Vec<String>)> = Vec::new();
    for value in sealed {
        let (field, event) = match value
            .strip_prefix("event ")
            .and_then(|rest| rest.split_once(' '))
        {
            Some((n, field)) => (field.to_string(), Some(n.to_string())),
            None => (value.clone(), None),
        };
        match parts.iter_mut().find(|(f, _)| *f == field) {
            Some((_, events)) => events.extend(event),
            None => parts.push((field, event.into_iter().collect())),
        }
    }
    parts
        .into_iter()
        .map(|(field, events)| match events.len() {
            0 => field,
            1 => format!("{field} of event {}", events[0]),
            _ => format!("{field} of events {}", events.join(", ")),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn verdict_text(verdict: &Verdict, job: &str) -> String {
    match verdict {
        Verdict::Consistent => "verdict: the stored snapshot equals the fold of the log\n".into(),
        Verdict::SnapshotExpired => {
            "verdict: the snapshot has expired; the states above are rebuilt from the log\n".into()
        }
        Verdict::SnapshotMissing { expires_at } => format!(
            "verdict: the snapshot is MISSING: by the log it lives until {} (JOB_EXPIRATION after the transition that ended the job, \
             EVENT_RETENTION after any other), \
             so it was deleted or evicted; `faultline rebuild --job {job}` restores it from the log\n",
            time_ms(*expires_at)
        ),
        Verdict::LogMissing => {
            "verdict: the job's LOG is MISSING (expired or deleted): the stored snapshot \
             cannot be checked against it\n"
                .into()
        }
        Verdict::Unknown => "verdict: no such job (no snapshot, no events)\n".into(),
        Verdict::Drifted { differences } => {
            let s = String::from("verdict: DRIFT between the stored snapshot and the log\n");
            s + &differences_text(differences)
        }
        Verdict::Corrupt {
            at,
            refusal,
            differences,
        } => {
            let mut s = format!(
                "verdict: CORRUPT log: event {at} refused by the fold ({refusal}); nothing after it is folded\n"
            );
            if !differences.is_empty() {
                s.push_str("the stored snapshot differs from the fold before it:\n");
            }
            s + &differences_text(differences)
        }
    }
}

fn differences_text(differences: &[Difference]) -> String {
    let mut s = String::new();
    for d in differences {
        s.push_str(&format!(
            "  {}: stored {} ≠ folded {}\n",
            d.path,
            cut(&d.stored.to_string()),
            cut(&d.folded.to_string())
        ));
    }
    s
}

/// A snapshot as pretty JSON, its result and Markdown bodies cut short.
pub fn state_text(s: &Snapshot) -> String {
    serde_json::to_string_pretty(&cut_bodies(s.to_value())).expect("JSON values always serialise")
}

/// A JSON document with its `result` and `markdown` bodies cut short.
pub fn cut_bodies(mut v: Value) -> Value {
    if let Some(map) = v.as_object_mut() {
        for body in ["result", "markdown"] {
            if let Some(b) = map.get_mut(body) {
                let text = match &*b {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                // Short bodies stay as they are (readable JSON).
                if text.chars().count() > BODY_PREVIEW {
                    *b = Value::String(cut(&text));
                }
            }
        }
    }
    v
}

/// `text` cut to `BODY_PREVIEW` characters, with its full length.
pub fn cut(text: &str) -> String {
    let total = text.chars().count();
    if total <= BODY_PREVIEW {
        return text.to_string();
    }
    let cut: String = text.chars().take(BODY_PREVIEW).collect();
    format!("{cut}… ({total} characters)")
}

/// A timestamp in ms as fixed-width UTC time (columns line up).
pub fn time_ms(ms: i64) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| ms.to_string())
}
