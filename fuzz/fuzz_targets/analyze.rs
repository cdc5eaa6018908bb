//! The whole analyser as the workers run it: kind detection (`auto`) or a
//! declared kind (first byte), parse, every rule, score, report. It must
//! answer a report or an invalid-input error, and no secret the scan found
//! may be left in the report's text.
#![no_main]

use faultline::analysis::engine::Engine;
use faultline::analysis::secrets::{mask, scan};
use faultline::analysis::{AnalysisError, AnalysisRequest, Analyzer, ArtifactKind, Metadata};
use std::collections::BTreeSet;

use libfuzzer_sys::fuzz_target;

const KINDS: [ArtifactKind; 5] = [
    ArtifactKind::Auto,
    ArtifactKind::OpenapiJson,
    ArtifactKind::OpenapiYaml,
    ArtifactKind::Architecture,
    ArtifactKind::Markdown,
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(content) = std::str::from_utf8(rest) else {
        return;
    };
    let request = AnalysisRequest {
        content,
        kind: KINDS[usize::from(first) % KINDS.len()],
        metadata: &Metadata::default(),
    };
    match Engine::default().analyze(&request, &mut |_| {}) {
        Ok(report) => {
            let texts: Vec<&str> = report
                .result
                .findings
                .iter()
                .map(|f| f.description.as_str())
                .chain([report.markdown.as_str(), report.result.summary.as_str()])
                .collect();
            let hits = scan(content);
            let values: BTreeSet<&str> = hits.iter().map(|h| h.value(content)).collect();
            for value in values {
                // A value its own mask spells out (`chars)`) is no leak.
                if mask(value).contains(value) {
                    continue;
                }
                assert!(
                    texts.iter().all(|t| !t.contains(value)),
                    "a detected secret is left in the report"
                );
            }
        }
        Err(AnalysisError::InvalidInput(_)) => {}
        Err(e) => panic!("unexpected error kind: {e}"),
    }
});
