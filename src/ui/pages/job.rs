//! `/ui/jobs/{id}`: the job's status with live progress (the page's script
//! follows `GET /jobs/{id}/events/stream` until the terminal event, then
//! reloads), then the report: score and how it was computed, charts,
//! findings by severity with category filters, next steps, the Markdown.
//! Also `/ui/jobs/{id}/charts/{n}.svg` and `/ui/jobs/{id}/report.md`.

use maud::{Markup, html};
use poem::web::{Data, Path};
use poem::{Request, Response, handler};
use serde::Deserialize;
use serde_json::Value;

use super::super::charts::{self, number};
use super::super::layout::{Nav, page as shell};
use super::{load, parse_id, respond, status_badge, time_el};
use crate::analysis::Severity;
use crate::api::AppState;
use crate::engine::{Event, JobStatus, Snapshot};
use crate::ui::UiError;

#[handler]
pub async fn page(state: Data<&AppState>, Path(job_id): Path<String>) -> Response {
    respond(render(&state, &job_id).await)
}

async fn render(state: &AppState, raw_id: &str) -> Result<Markup, UiError> {
    let id = parse_id(raw_id)?;
    let s = load(state, id).await?;
    // The events so far, for a job still running (a finished one shows its
    // report; a cache hit names the analysis its result came from).
    let events = if s.status.is_terminal() {
        Vec::new()
    } else {
        // An entry that is not an event is left out, as the stream does.
        let log = state.fns.log_page(id, "-", 1000).await?;
        log.entries.into_iter().filter_map(Result::ok).collect()
    };
    let source = s.result_source.as_ref().map(|src| src.job_id.clone());
    let id = s.job_id.as_str();
    Ok(shell(
        &format!("Job {id}"),
        Nav::None,
        html! {
            h1 { "Job " code { (id) } }
            (status_panel(&s, source.as_deref()))
            p class="links" {
                a href=(format!("/ui/jobs/{id}/timeline")) { "Timeline and replay" }
                " · " a href=(format!("/jobs/{id}")) data-keyed { "JSON" }
            }
            @if !s.status.is_terminal() { (live(&s, &events)) }
            @match s.status {
                JobStatus::Completed => @match &s.result {
                    Some(result) => (report(id, result, s.markdown.as_deref().unwrap_or(""))),
                    None => p class="notice" role="alert" id="result-gone" {
                        "This result came from an earlier analysis whose log is gone; submit the artifact again to analyse it anew."
                    },
                },
                JobStatus::Failed => section class="panel failed" aria-labelledby="failed-heading" {
                    h2 id="failed-heading" { "Analysis failed" }
                    p class="error" role="alert" id="job-error" { (s.error.as_deref().unwrap_or("no error recorded")) }
                },
                JobStatus::Cancelled => p class="notice" { "This job was cancelled before it finished." },
                _ => {}
            }
        },
    ))
}

/// The artifact type as submitted, or, for `auto`, what the analysis
/// detected once it has a result.
fn shown_type(s: &Snapshot) -> String {
    let detected = s.result.as_ref().and_then(|r| r["artifact_type"].as_str());
    match (s.content_type.as_str(), detected) {
        ("auto", Some(kind)) => format!("{kind} (detected)"),
        ("auto", None) => "auto (detected by the analysis)".to_string(),
        (kind, _) => kind.to_string(),
    }
}

/// `source`: the job whose analysis a cache hit's result came from, when known.
fn status_panel(s: &Snapshot, source: Option<&str>) -> Markup {
    html! {
        section class="panel status" aria-label="Status" {
            dl class="facts" {
                div { dt { "Status" } dd { (status_badge(s.status, Some("job-status"))) } }
                div { dt { "Progress" } dd id="job-hint" { (s.progress_hint) } }
                div { dt { "Type" } dd { (shown_type(s)) } }
                div { dt { "Attempt" } dd id="job-attempt" { (s.attempt) } }
                div { dt { "Created" } dd { (time_el(s.created_at)) } }
                div { dt { "Updated" } dd id="job-updated" { (time_el(s.updated_at)) } }
            }
            @if !s.status.is_terminal() {
                p class="actions" {
                    button type="button" id="cancel-job" data-job=(s.job_id) { "Cancel job" }
                    span id="cancel-status" role="status" aria-live="polite" {}
                }
            }
            @if s.cached {
                p class="notice" id="cache-hit" {
                    strong { "Cache hit:" } " answered at once from "
                    @if let Some(src) = source {
                        a href=(format!("/ui/jobs/{src}/timeline")) id="cache-source" { "an earlier analysis" }
                    } @else {
                        "an earlier analysis"
                    }
                    " of identical content."
                }
            }
        }
    }
}

/// The live part: events so far (so the page reads without JavaScript),
/// replaced by the stream's history and then its live events.
fn live(s: &Snapshot, events: &[Event]) -> Markup {
    html! {
        section class="panel" id="live" data-job=(s.job_id)
            data-stream=(format!("/jobs/{}/events/stream", s.job_id)) aria-labelledby="live-heading" {
            h2 id="live-heading" { "Progress" }
            progress id="job-progress" aria-labelledby="live-heading" {}
            ol id="live-events" aria-live="polite" {
                @for e in events { (event_item(e)) }
            }
            p id="live-status" class="help" {}
        }
    }
}

fn event_item(e: &Event) -> Markup {
    let detail = e.hint().or(e.error()).unwrap_or("");
    html! {
        li { strong { (e.kind.as_str()) } " " (detail) }
    }
}

/// A finding as stored (read leniently: older or model-edited results
/// may lack newer fields).
#[derive(Debug, Deserialize)]
struct FindingView {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    rationale: String,
    #[serde(default)]
    remediation: String,
    #[serde(default)]
    rule_id: String,
    #[serde(default)]
    location: Value,
    #[serde(default)]
    occurrences: Option<u32>,
}

fn report(id: &str, result: &Value, markdown: &str) -> Markup {
    let findings: Vec<FindingView> = result
        .get("findings")
        .and_then(|f| serde_json::from_value(f.clone()).ok())
        .unwrap_or_default();
    let steps: Vec<String> = result
        .get("suggested_next_steps")
        .and_then(|f| serde_json::from_value(f.clone()).ok())
        .unwrap_or_default();
    html! {
        (score(result))
        (charts_section(id, result))
        (findings_section(&findings))
        section class="panel" aria-labelledby="steps-heading" {
            h2 id="steps-heading" { "Suggested next steps" }
            @if steps.is_empty() { p { "None." } }
            ol { @for step in &steps { li { (step) } } }
        }
        section class="panel" aria-labelledby="md-heading" {
            h2 id="md-heading" { "Markdown report" }
            label for="markdown" { "Report text" }
            textarea id="markdown" readonly rows="12" { (markdown) }
            p class="actions" {
                button type="button" id="copy-md" { "Copy" }
                a class="button" href=(format!("/ui/jobs/{id}/report.md")) download=(format!("faultline-{id}.md")) data-keyed { "Download .md" }
                span id="copy-status" role="status" aria-live="polite" {}
            }
        }
    }
}

fn score(result: &Value) -> Markup {
    let score = result
        .get("production_readiness_score")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let b = result.get("score_breakdown").unwrap_or(&Value::Null);
    let band = b
        .get("band")
        .and_then(Value::as_str)
        .map(|b| b.replace('_', " "))
        .unwrap_or_else(|| band_of(score).to_string());
    let summary = result.get("summary").and_then(Value::as_str).unwrap_or("");
    let empty = Vec::new();
    let arr = |k: &str| b.get(k).and_then(Value::as_array).unwrap_or(&empty);
    html! {
        section class="panel" aria-labelledby="score-heading" {
            h2 id="score-heading" { "Production-readiness score" }
            p class="score" {
                span id="score" class=(format!("score-value band-{}", band.replace(' ', "-"))) { (score) }
                span class="out-of" { " / 100 " }
                span class="badge" id="band" { (band) }
            }
            @if !summary.is_empty() { p { (summary) } }
            @if !b.is_null() {
                details id="score-how" {
                    summary { "How the score was computed" }
                    p {
                        "Each category's sub-score is the severity-weighted share of its applicable rules that passed; "
                        "the overall score is their weighted mean: " strong { (b.get("uncapped").and_then(Value::as_u64).unwrap_or(0)) } ". "
                        @if arr("caps").is_empty() { "No gate lowered it." }
                        @else { "Gates then cap it:" }
                    }
                    @if !arr("caps").is_empty() {
                        ul { @for c in arr("caps") {
                            li { "at most " strong { (c.get("limit").and_then(Value::as_u64).unwrap_or(0)) } ": "
                                (c.get("reason").and_then(Value::as_str).unwrap_or("")) " (" (ids(c)) ")" }
                        } }
                    }
                    div class="scroll" {
                        table {
                            caption { "Sub-scores by category" }
                            thead { tr { th scope="col" { "Category" } th scope="col" { "Sub-score" } th scope="col" { "Weight" } th scope="col" { "Rules failing / applicable" } } }
                            tbody { @for c in arr("categories") {
                                tr {
                                    th scope="row" { (c.get("category").and_then(Value::as_str).unwrap_or("")) }
                                    td { (number(c.get("score").and_then(Value::as_f64).unwrap_or(0.0))) }
                                    td { (format!("{:.0}%", c.get("weight").and_then(Value::as_f64).unwrap_or(0.0) * 100.0)) }
                                    td { (c.get("rules_failing").and_then(Value::as_u64).unwrap_or(0)) " / " (c.get("rules_applicable").and_then(Value::as_u64).unwrap_or(0)) }
                                }
                            } }
                        }
                    }
                    @if !arr("hotspots").is_empty() {
                        h3 { "Hotspots" }
                        ul { @for h in arr("hotspots") {
                            li { code { (h.get("subject").and_then(Value::as_str).unwrap_or("")) } " — " (ids(h)) }
                        } }
                    }
                }
            }
        }
    }
}

fn band_of(score: u64) -> &'static str {
    match score {
        85.. => "ready",
        70..=84 => "ready with caveats",
        50..=69 => "needs work",
        _ => "not ready",
    }
}

fn ids(v: &Value) -> String {
    v.get("finding_ids")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

fn charts_section(id: &str, result: &Value) -> Markup {
    let all = charts::of_result(result);
    html! {
        @if !all.is_empty() {
            section class="panel" aria-labelledby="charts-heading" {
                h2 id="charts-heading" { "Charts" }
                div class="charts" {
                    @for (n, c) in all.iter().enumerate() {
                        figure class="chart-figure" {
                            (charts::svg(c, &format!("chart-{n}")))
                            figcaption { (c.description) " " a href=(format!("/ui/jobs/{id}/charts/{n}.svg")) data-keyed { "Open as SVG" } }
                        }
                    }
                }
            }
        }
    }
}

fn findings_section(findings: &[FindingView]) -> Markup {
    let mut categories: Vec<&str> = findings.iter().map(|f| f.category.as_str()).collect();
    categories.sort_unstable();
    categories.dedup();
    let known: Vec<&str> = Severity::ALL.iter().map(|s| s.as_str()).collect();
    let mut groups: Vec<(&str, Vec<&FindingView>)> = known
        .iter()
        .map(|sev| {
            (
                *sev,
                findings.iter().filter(|f| f.severity == *sev).collect(),
            )
        })
        .collect();
    let other: Vec<&FindingView> = findings
        .iter()
        .filter(|f| !known.contains(&f.severity.as_str()))
        .collect();
    groups.push(("Other", other));
    html! {
        section class="panel" aria-labelledby="findings-heading" id="findings" {
            h2 id="findings-heading" { "Findings (" (findings.len()) ")" }
            @if findings.is_empty() { p { "No findings." } }
            @else {
                fieldset class="filters" {
                    legend { "Show categories" }
                    @for c in &categories {
                        label class="check" {
                            input type="checkbox" class="category-filter" value=(c) checked;
                            " " (c)
                        }
                    }
                }
                p id="filter-status" class="help" role="status" aria-live="polite" {}
            }
            @for (sev, list) in groups.iter().filter(|(_, l)| !l.is_empty()) {
                section class="severity-group" data-severity=(sev) aria-labelledby=(format!("sev-{sev}")) {
                    h3 id=(format!("sev-{sev}")) { span class=(format!("badge sev-{}", sev.to_lowercase())) { (sev) } " (" (list.len()) ")" }
                    @for f in list { (finding(f)) }
                }
            }
        }
    }
}

fn finding(f: &FindingView) -> Markup {
    html! {
        article class="finding" data-category=(f.category) {
            h4 { (f.title) }
            p class="meta" {
                @if !f.rule_id.is_empty() { code { (f.rule_id) } " · " }
                (f.category)
                @if let Some(loc) = location(&f.location) { " · " span class="location" { (loc) } }
                @if let Some(n) = f.occurrences.filter(|n| *n > 1) { " · " (n) " occurrences" }
            }
            @if !f.description.is_empty() { p { (f.description) } }
            dl {
                dt { "Rationale" } dd { (f.rationale) }
                dt { "Remediation" } dd { (f.remediation) }
            }
        }
    }
}

/// "line 12, /paths/~1pets/get" from `{line, pointer}`.
fn location(loc: &Value) -> Option<String> {
    let line = loc
        .get("line")
        .and_then(Value::as_u64)
        .map(|l| format!("line {l}"));
    let pointer = loc
        .get("pointer")
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty())
        .map(str::to_string);
    let parts: Vec<String> = [line, pointer].into_iter().flatten().collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The completed job's result, or a 404 naming why there is none.
async fn completed_result(state: &AppState, raw_id: &str) -> Result<Snapshot, UiError> {
    let s = load(state, parse_id(raw_id)?).await?;
    if s.status != JobStatus::Completed {
        return Err(UiError::NotFound(format!(
            "job {} is {}; charts and the report exist once it is completed",
            s.job_id,
            s.status.as_str()
        )));
    }
    Ok(s)
}

/// `/ui/jobs/{id}/charts/{n}.svg`: one chart as a standalone SVG image.
#[handler]
pub async fn chart_svg(
    state: Data<&AppState>,
    Path((job_id, file)): Path<(String, String)>,
) -> Response {
    let found = async {
        let n: usize = file
            .strip_suffix(".svg")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| {
                UiError::NotFound(format!(
                    "no chart named {file:?}; charts are 0.svg, 1.svg, ..."
                ))
            })?;
        let s = completed_result(&state, &job_id).await?;
        let all = charts::of_result(s.result.as_ref().unwrap_or(&Value::Null));
        let chart = all
            .get(n)
            .ok_or_else(|| UiError::NotFound(format!("job {job_id} has {} charts", all.len())))?;
        Ok::<_, UiError>(charts::svg(chart, &format!("chart-{n}")).into_string())
    }
    .await;
    match found {
        Ok(svg) => Response::builder()
            .content_type("image/svg+xml")
            .body(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{svg}")),
        Err(e) => respond(Err(e)),
    }
}

/// `/ui/jobs/{id}/report.md`: the Markdown report, with the charts linked
/// as SVG images from this server.
#[handler]
pub async fn report_markdown(
    req: &Request,
    state: Data<&AppState>,
    Path(job_id): Path<String>,
) -> Response {
    match completed_result(&state, &job_id).await {
        Ok(s) => {
            // Absolute links, so the file works once downloaded; behind a
            // TLS-terminating proxy the scheme is the forwarded one.
            let host = req.header("host").unwrap_or("localhost");
            let scheme = match req.header("x-forwarded-proto") {
                Some(p) if p.eq_ignore_ascii_case("https") => "https",
                _ => "http",
            };
            let mut text = s.markdown.clone().unwrap_or_default();
            let all = charts::of_result(s.result.as_ref().unwrap_or(&Value::Null));
            if !all.is_empty() {
                text.push_str("\n\n## Charts\n\n");
                for (n, c) in all.iter().enumerate() {
                    text.push_str(&format!(
                        "![{}]({scheme}://{host}/ui/jobs/{}/charts/{n}.svg)\n\n",
                        c.title.replace(['[', ']'], ""),
                        s.job_id
                    ));
                }
            }
            Response::builder()
                .content_type("text/markdown; charset=utf-8")
                .header(
                    "content-disposition",
                    format!("attachment; filename=\"faultline-{}.md\"", s.job_id),
                )
                .body(text)
        }
        Err(e) => respond(Err(e)),
    }
}
