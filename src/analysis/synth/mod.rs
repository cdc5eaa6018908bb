//! Synthesis: the summary and the final next steps.
//!
//! The default synthesiser is deterministic and offline
//! ([`deterministic`]). With an [`AiConfig`] naming a provider, an
//! OpenAI-compatible chat-completions model may rephrase the summary and the
//! next steps and reorder them ([`llm`]); its answer must pass [`guard`]
//! (schema, no invented finding ids, every High/Critical finding kept), or
//! the deterministic result is used with a note saying why. The findings and
//! the score never come from the model.

pub mod config;
pub mod deterministic;
pub mod guard;
pub mod llm;

#[cfg(test)]
pub(crate) mod tests;

use serde::Serialize;

pub use config::{AiConfig, AiProvider};

use super::model::{ArtifactKind, Finding};
use super::next_steps::NextStep;
use super::score::ScoreBreakdown;

/// What synthesis reads: the deterministic evidence.
#[derive(Debug, Clone, Copy)]
pub struct SynthInput<'a> {
    pub kind: ArtifactKind,
    /// Sorted by severity then rule id.
    pub findings: &'a [Finding],
    pub breakdown: &'a ScoreBreakdown,
    /// Most severe first, then by risk reduction.
    pub steps: &'a [NextStep],
}

/// How the summary was produced; stored in `extra["synthesis"]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SynthesisInfo {
    /// `deterministic` or `llm`.
    pub engine: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Why the model's answer was not used, when it was asked and failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Requests made to the model (0 when none was asked).
    pub attempts: u32,
}

/// The summary and next steps to publish.
#[derive(Debug, Clone, PartialEq)]
pub struct Synthesis {
    pub summary: String,
    pub steps: Vec<NextStep>,
    pub info: SynthesisInfo,
}

/// Synthesises with the model when configured, else (or when it fails)
/// deterministically. Never fails.
pub fn synthesize(cfg: &AiConfig, input: &SynthInput<'_>) -> Synthesis {
    let fallback = || deterministic::synthesize(input);
    // With nothing found there is nothing for a model to prioritise, and
    // nothing it could add without inventing it.
    if !cfg.uses_llm() || input.findings.is_empty() {
        return fallback();
    }
    let provider = cfg.provider.map(AiProvider::as_str);
    match llm::synthesize(cfg, input) {
        Ok((summary, steps, attempts)) => Synthesis {
            summary,
            steps,
            info: SynthesisInfo {
                engine: "llm",
                provider,
                model: Some(cfg.model_name()),
                note: None,
                attempts,
            },
        },
        Err(failure) => {
            let mut synthesis = fallback();
            synthesis.info.provider = provider;
            synthesis.info.model = Some(cfg.model_name());
            synthesis.info.attempts = failure.attempts;
            synthesis.info.note = Some(format!(
                "AI synthesis not used ({}); the deterministic summary is shown.",
                failure.reason
            ));
            synthesis
        }
    }
}
