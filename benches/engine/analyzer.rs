//! The bench analyser: the BullMQ processor's work, as a Faultline `Analyzer`.

use faultline::analysis::model::{AnalysisResult, ArtifactKind, Report};
use faultline::analysis::{AnalysisError, AnalysisRequest, Analyzer, Stage};

/// Same work as the BullMQ processor: three progress reports, then a
/// ~200-byte result (plus a one-line Markdown report, which every Faultline
/// result carries). `--result-bytes` makes the result that long and adds a
/// Markdown report of half that, as the real analyser's reports run
/// (tens of KB of JSON, Markdown about half of it).
pub struct BenchAnalyzer {
    report: Report,
}

impl BenchAnalyzer {
    pub fn new(result_bytes: usize) -> Self {
        let mut result = AnalysisResult {
            production_readiness_score: 72,
            summary: String::new(),
            findings: Vec::new(),
            charts: Vec::new(),
            suggested_next_steps: vec!["Add a rollback plan".to_string()],
            artifact_type: ArtifactKind::Markdown,
            extra: serde_json::Map::new(),
        };
        let base = serde_json::to_string(&result).expect("serialises").len();
        result.summary = "s".repeat(result_bytes.saturating_sub(base));
        let mut markdown = "# Report\n\nScore 72/100.\n".to_string();
        let mut i = 0;
        while result_bytes > 200 && markdown.len() < result_bytes / 2 {
            markdown.push_str(&format!(
                "- Finding {i}: \"/orders\" has no pagination; see docs/paging.md\n"
            ));
            i += 1;
        }
        BenchAnalyzer {
            report: Report { result, markdown },
        }
    }

    pub fn result_bytes(&self) -> usize {
        serde_json::to_string(&self.report.result)
            .expect("serialises")
            .len()
    }
}

impl Analyzer for BenchAnalyzer {
    fn analyze(
        &self,
        _request: &AnalysisRequest<'_>,
        progress: &mut dyn FnMut(Stage),
    ) -> Result<Report, AnalysisError> {
        progress(Stage::Normalizing);
        progress(Stage::RunningHeuristics);
        progress(Stage::Synthesizing);
        Ok(self.report.clone())
    }
}
