//! The architecture parser (Mermaid, C4, PlantUML, prose) and every FL-ARC rule.
#![no_main]

use faultline::analysis::Limits;
use faultline::analysis::architecture;
use faultline::analysis::rule::Sink;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(model) = architecture::parse(text, &Limits::default()) {
        let mut sink = Sink::new();
        for rule in architecture::rules() {
            rule.check(&model, &mut sink);
        }
        let _ = architecture::component_summary(&model);
    }
});
