//! Faultline: production-readiness analysis of engineering artifacts on an
//! event-sourced job engine built on Redis Streams and Redis Functions.
//!
//! # Layout
//!
//! - [`config`] — settings from the environment, validated at start.
//! - [`telemetry`] — logging.
//! - [`metrics`] — Prometheus metrics: the catalogue, the queue sampler, the worker's `/metrics`.
//! - [`store`] — Redis connections, the key layout (`keys`), the embedded Redis.
//! - [`engine`] — events, the fold, snapshots, job ids, the Lua library from
//!   `migrations-lua/`, its typed callers and migrations.
//! - [`worker`] — consumer-group readers, attempts, retries, reclaim.
//! - [`analysis`] — the analyser (pure Rust, no Redis) behind the `Analyzer` trait.
//! - [`api`] — the HTTP API (poem-openapi).
//! - [`ui`] — the web UI (server-rendered pages, SVG charts) beside the API.
//! - [`replay`] — fold a job's log and check it against the snapshot.
//! - [`audit`] — operator tools over the log: rebuild, tail, inspect, reanalyze.
//! - [`startup`] — one build path for `main` and the tests.
//! - [`cli`] — the `faultline` subcommands.

pub mod analysis;
pub mod api;
pub mod audit;
pub mod cli;
pub mod clock;
pub mod config;
pub mod engine;
pub mod metrics;
pub mod replay;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod ui;
pub mod worker;
