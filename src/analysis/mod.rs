//! Production-readiness analysis of engineering artifacts.
//!
//! Pure Rust with no Redis in it: the workers call it through the [`Analyzer`]
//! trait (on a blocking thread, since it is CPU-bound), and `faultline analyze`
//! calls it offline. The pipeline is normalise → rules → score/charts/next
//! steps → synthesis → Markdown report.

pub mod architecture;
pub mod budget;
pub mod cache_key;
pub mod cap;
pub mod catalogue;
pub mod charts;
pub mod cross;
pub mod detect;
pub mod engine;
pub mod lines;
pub mod markdown;
pub mod model;
pub mod next_steps;
pub mod openapi;
pub mod report;
pub mod request;
pub mod rule;
pub mod score;
pub mod secrets;
pub mod synth;
pub mod wording;

pub use model::{
    AnalysisResult, ArtifactKind, Category, Chart, ChartType, DataPoint, Finding, Location, Report,
    Severity,
};

pub use request::{
    AnalysisError, AnalysisRequest, Analyzer, DEFAULT_MAX_FINDINGS, Limits, Metadata, Stage,
};
