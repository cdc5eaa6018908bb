//! `/ui/jobs/{id}/timeline`: every event of the job on a time axis, one lane
//! per attempt (with its worker), an event table, a scrubber (range input:
//! arrows, Home, End) that shows the state as of the selected event from
//! `GET /jobs/{id}/replay?at=N`, and the verdict that the stored snapshot
//! matches the fold of the log. The page is rendered from `crate::replay`,
//! the same fold the replay endpoint and CLI use, so it reads without
//! JavaScript too.

use maud::{Markup, html};
use poem::web::{Data, Path};
use poem::{Response, handler};
use serde_json::Value;

use super::super::layout::{Nav, json_island, page as shell};
use super::{parse_id, respond, time_el};
use crate::api::AppState;
use crate::replay::{Replay, Step, Verdict, replay};
use crate::ui::UiError;

#[handler]
pub async fn page(state: Data<&AppState>, Path(job_id): Path<String>) -> Response {
    respond(render(&state, &job_id).await)
}

async fn render(state: &AppState, raw_id: &str) -> Result<Markup, UiError> {
    let id = parse_id(raw_id)?;
    let r = replay(&state.fns, id).await?;
    // As the API: a value this server cannot open is an error, never shown sealed.
    if let Some(e) = r.sealed_error.clone() {
        return Err(crate::engine::EngineError::from(e).into());
    }
    if r.timeline.is_empty() {
        return Err(UiError::NotFound(format!(
            "job {id} has no events: unknown, or its log has expired"
        )));
    }
    let last = r.timeline.len();
    let states: Vec<Value> = r.timeline.iter().map(state_json).collect();
    Ok(shell(
        &format!("Timeline of {id}"),
        Nav::None,
        html! {
          div id="timeline" data-job=(r.job_id) data-count=(last) {
            h1 { "Timeline of " code { (id) } }
            p class="links" { a href=(format!("/ui/jobs/{id}")) { "Back to the job" } " · " a href=(format!("/jobs/{id}/replay")) data-keyed { "Replay JSON" } }
            (verdict(&r))
            section class="panel" aria-labelledby="axis-heading" {
                h2 id="axis-heading" { "Events on a time axis" }
                (axis(&r.timeline))
                div class="scrubber" {
                    label for="scrubber" { "Event to inspect" }
                    input id="scrubber" type="range" min="1" max=(last) step="1" value=(last)
                        aria-valuetext=(step_label(&r.timeline[last - 1])) aria-describedby="scrub-label";
                    output id="scrub-label" for="scrubber" { (step_label(&r.timeline[last - 1])) }
                }
                p class="help" { "Drag the slider or use the arrow keys, Home and End; or pick an event in the table." }
            }
            section class="panel" aria-labelledby="state-heading" {
                h2 id="state-heading" { "State as of event " span id="state-seq" { (r.timeline[last - 1].event.seq) } }
                p id="state-source" class="help" aria-live="polite" { "Folded from the log on the server." }
                pre id="state-json" tabindex="0" aria-labelledby="state-heading" { (pretty(&states[last - 1])) }
            }
            (table(&r))
            (json_island("replay-states", &Value::Array(states)))
          }
        },
    ))
}

/// The state after a step without the bulky result and Markdown bodies,
/// exactly as `GET /jobs/{id}/replay?at=N` answers it.
fn state_json(step: &Step) -> Value {
    step.state.as_ref().map_or(Value::Null, crate::replay::head)
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn step_label(step: &Step) -> String {
    let e = &step.event;
    format!(
        "#{} {} (attempt {}{})",
        e.seq,
        e.kind.as_str(),
        e.attempt,
        if e.worker.is_empty() {
            String::new()
        } else {
            format!(", {}", e.worker)
        }
    )
}

fn verdict(r: &Replay) -> Markup {
    let (class, text) = match &r.verdict {
        Verdict::Consistent => (
            "ok",
            "Consistent: the stored snapshot equals the fold of the log.",
        ),
        Verdict::SnapshotExpired => ("notice", "Snapshot expired: the log alone tells the story."),
        Verdict::SnapshotMissing { .. } => (
            "error",
            "Snapshot missing: by the log it should still be stored (deleted or evicted); `faultline rebuild` restores it.",
        ),
        Verdict::LogMissing => (
            "error",
            "Log missing: the stored snapshot cannot be checked against its log.",
        ),
        Verdict::Drifted { .. } => (
            "error",
            "Drifted: the stored snapshot differs from the fold of the log.",
        ),
        Verdict::Corrupt { .. } => (
            "error",
            "Corrupt: the fold refused an event of the log; nothing after it is folded.",
        ),
        Verdict::Unknown => ("notice", "Unknown: neither a snapshot nor events."),
    };
    html! {
        section class=(format!("panel verdict {class}")) id="verdict" aria-labelledby="verdict-heading" {
            h2 id="verdict-heading" { "Verdict" }
            p { strong { (text) } }
            @if let Verdict::Corrupt { at, refusal, .. } = &r.verdict {
                p { "Event " (at) " refused: " code { (refusal) } }
            }
            @if let Verdict::Drifted { differences } | Verdict::Corrupt { differences, .. } = &r.verdict {
                @if !differences.is_empty() { div class="scroll" {
                    table {
                        caption { "Differences" }
                        thead { tr { th scope="col" { "Field" } th scope="col" { "Stored" } th scope="col" { "Folded" } } }
                        tbody { @for d in differences {
                            tr { th scope="row" { code { (d.path) } } td { code { (d.stored) } } td { code { (d.folded) } } }
                        } }
                    }
                } }
            }
        }
    }
}

/// One lane per attempt; each event a marker placed by its time. The
/// markers are shortcuts for pointer users; keyboard users have the slider
/// and the table, so the markers stay out of the tab order. The script
/// places each marker at its `data-left` percent: the Content-Security-Policy
/// allows no inline `style` attribute.
fn axis(timeline: &[Step]) -> Markup {
    let t0 = timeline.first().map_or(0, |s| s.event.ts);
    let t1 = timeline.last().map_or(0, |s| s.event.ts);
    let span = (t1 - t0).max(1) as f64;
    let mut attempts: Vec<u32> = timeline.iter().map(|s| s.event.attempt).collect();
    attempts.sort_unstable();
    attempts.dedup();
    html! {
        div class="axis" {
            @for a in &attempts {
                @let steps: Vec<(usize, &Step)> = timeline.iter().enumerate().filter(|(_, s)| s.event.attempt == *a).collect();
                @let workers: Vec<&str> = { let mut w: Vec<&str> = steps.iter().map(|(_, s)| s.event.worker.as_str()).filter(|w| !w.is_empty()).collect(); w.dedup(); w };
                div class="lane" {
                    div class="lane-label" {
                        @if *a == 0 { "queue" } @else { "attempt " (a) }
                        @if steps.iter().any(|(_, s)| s.event.data.get("reclaimed") == Some(&Value::Bool(true))) {
                            " (reclaimed)"
                        }
                        @if !workers.is_empty() { br; small { (workers.join(", ")) } }
                    }
                    div class="lane-track" aria-hidden="true" {
                        @for ((i, s), pct) in steps.iter().zip(spread(steps.iter().map(|(_, s)| (s.event.ts - t0) as f64 / span * 100.0))) {
                            button type="button" tabindex="-1" class=(format!("marker ev-{}", s.event.kind.as_str()))
                                data-index=(i + 1) data-left=(format!("{pct:.2}"))
                                title=(format!("{} at +{} ms", step_label(s), s.event.ts - t0)) {}
                        }
                    }
                }
            }
            div class="axis-scale" aria-hidden="true" {
                span { "0 ms" } span { "+" (t1 - t0) " ms" }
            }
        }
    }
}

/// Marker positions (percent of the axis) pushed apart so events in the
/// same millisecond stay separately visible and clickable; each marker's
/// title keeps its exact time.
fn spread(positions: impl Iterator<Item = f64>) -> Vec<f64> {
    const GAP: f64 = 2.5;
    let mut out: Vec<f64> = Vec::new();
    for p in positions {
        let p = out.last().map_or(p, |last| p.max(last + GAP));
        out.push(p);
    }
    // Pushed past the end: shift the crowded tail back inside.
    let overflow = out.last().map_or(0.0, |last| (last - 100.0).max(0.0));
    if overflow > 0.0 {
        let mut limit = 100.0;
        for p in out.iter_mut().rev() {
            *p = p.min(limit).max(0.0);
            limit = *p - GAP;
        }
    }
    out
}

fn table(r: &Replay) -> Markup {
    html! {
        section class="panel" aria-labelledby="events-heading" {
            h2 id="events-heading" { "Events (" (r.timeline.len()) ")" }
            div class="scroll" {
                table id="events" {
                    thead { tr {
                        th scope="col" { "#" } th scope="col" { "Event" } th scope="col" { "Time" }
                        th scope="col" { "After" } th scope="col" { "Attempt" } th scope="col" { "Worker" }
                        th scope="col" { "Details" }
                    } }
                    tbody {
                        @for (i, s) in r.timeline.iter().enumerate() {
                            tr id=(format!("ev-{}", i + 1)) class=(if i + 1 == r.timeline.len() { "selected" } else { "" }) {
                                td { (s.event.seq) }
                                td { button type="button" class="pick" data-index=(i + 1) aria-label=(format!("Show the state after {}", step_label(s))) { (s.event.kind.as_str()) } }
                                td { (time_el(s.event.ts)) }
                                td { "+" (s.delta_ms) " ms" }
                                td { (s.event.attempt) }
                                td { @if s.event.worker.is_empty() { "api" } @else { code { (s.event.worker) } } }
                                td {
                                    @if let Some(refusal) = &s.refusal { span class="error" { "refused: " (refusal) } " " }
                                    (details(&s.event.data))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The event's payload in one line (hint, error, or compact JSON).
fn details(data: &Value) -> String {
    match data.as_object() {
        Some(o) if o.is_empty() => String::new(),
        Some(o) => o
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join("; "),
        None => data.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::spread;

    #[test]
    fn markers_at_the_same_time_are_spread_apart_and_stay_on_the_axis() {
        assert_eq!(spread([0.0, 0.0, 50.0].into_iter()), [0.0, 2.5, 50.0]);
        let end = spread([0.0, 100.0, 100.0, 100.0].into_iter());
        assert_eq!(end, [0.0, 95.0, 97.5, 100.0]);
    }
}
