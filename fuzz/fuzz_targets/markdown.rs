//! The Markdown parser and every FL-DOC rule.
#![no_main]

use faultline::analysis::Limits;
use faultline::analysis::markdown;
use faultline::analysis::rule::Sink;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(doc) = markdown::parse(text, &Limits::default()) {
        let mut sink = Sink::new();
        for rule in markdown::rules() {
            rule.check(&doc, &mut sink);
        }
    }
});
