//! The OpenAPI parser (JSON or YAML, detected) and every FL-OAS rule.
#![no_main]

use faultline::analysis::Limits;
use faultline::analysis::openapi::{self, Format};
use faultline::analysis::rule::Sink;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits {
        max_depth: 64,
        max_nodes: 100_000,
        ..Limits::default()
    };
    if let Ok(spec) = openapi::parse(text, Format::Auto, &limits) {
        let mut sink = Sink::new();
        for rule in openapi::rules() {
            rule.check(&spec, &mut sink);
        }
    }
});
