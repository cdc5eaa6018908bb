//! `/`: paste, upload or drop an artifact, pick its type (detected, with a
//! manual override), add optional metadata, submit through the public API
//! (`POST /artifacts/analyze`) and go to the job page.

use maud::html;
use poem::handler;
use poem::web::Data;

use super::super::layout::{Nav, page as shell};
use crate::api::AppState;

const TYPES: [(&str, &str); 5] = [
    ("auto", "Detect automatically"),
    ("openapi-yaml", "OpenAPI (YAML)"),
    ("openapi-json", "OpenAPI (JSON)"),
    ("architecture", "Architecture description"),
    ("markdown", "Markdown design doc"),
];

#[handler]
pub fn page(state: Data<&AppState>) -> maud::Markup {
    let limit = state.max_content_size;
    page_markup(limit)
}

fn page_markup(limit: usize) -> maud::Markup {
    shell(
        "Analyse",
        Nav::Analyse,
        html! {
            h1 { "Analyse an artifact" }
            p { "An OpenAPI spec, an architecture description or a Markdown design doc: get a production-readiness score, findings and a report." }
            form id="analyse-form" class="panel" data-max-bytes=(limit) {
                div id="drop-zone" class="drop" {
                    label for="content" { "Artifact text" }
                    textarea id="content" name="content" rows="14" spellcheck="false"
                        aria-describedby="content-help" {}
                    p id="content-help" class="help" {
                        "Paste it, or drop a file here, or choose one below (up to " (limit / 1000) " kB)."
                    }
                    label for="file" { "Upload a file" }
                    input id="file" name="file" type="file" accept=".yaml,.yml,.json,.md,.markdown,.txt,.mmd,.puml";
                }
                div class="row" {
                    div {
                        label for="content-type" { "Type" }
                        select id="content-type" name="content_type" aria-describedby="detected" {
                            @for (value, label) in TYPES { option value=(value) { (label) } }
                        }
                        p id="detected" class="help" aria-live="polite" {}
                    }
                }
                fieldset {
                    legend { "Metadata (optional)" }
                    div class="row" {
                        div { label for="repo" { "Repository" } input id="repo" name="repo" type="text" autocomplete="off"; }
                        div { label for="team" { "Team" } input id="team" name="team" type="text" autocomplete="off"; }
                        div {
                            label for="risk" { "Risk tolerance" }
                            select id="risk" name="riskTolerance" {
                                option value="" { "Not set" }
                                option value="low" { "Low" }
                                option value="medium" { "Medium" }
                                option value="high" { "High" }
                            }
                        }
                    }
                }
                button type="submit" id="submit" { "Analyse" }
                p id="form-status" role="status" aria-live="polite" {}
                p id="form-error" class="error" role="alert" hidden {}
            }
            noscript { p class="error" { "Submitting needs JavaScript; the API is at " a href="/docs" { "/docs" } "." } }
        },
    )
}
