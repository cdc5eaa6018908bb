//! The engine's integration suite: the real app against a private
//! `redis-server` per test (no mocks). One binary, one module per concern.

mod helpers;

mod api_errors;
mod api_event_stream;
mod api_jobs;
mod api_security;
mod audit;
mod cache_hits;
mod cluster;
mod contract;
mod debug_cli;
mod embedded;
mod encryption;
mod failures;
mod fairness;
mod flow;
mod fold_equivalence;
mod http_limits;
mod lifetimes;
mod metrics;
mod migrations;
mod recovery;
mod redis_acl;
mod redis_tls;
mod replay;
mod retention;
mod secrets;
mod ui_pages;
