//! The secret scanner, masks and redactor: hits lie on char boundaries,
//! masks show at most 4 characters, and a scrubbed text holds no hit.
#![no_main]

use faultline::analysis::secrets::{MAX_SHOWN, SecretScan, mask, scan};
use std::collections::BTreeSet;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let hits = scan(text);
    for hit in &hits {
        assert!(
            text.get(hit.range.clone()).is_some(),
            "hit off a char boundary"
        );
        let value = hit.value(text);
        let masked = mask(value);
        let (head, _) = masked.split_once('…').expect("a mask has an ellipsis");
        assert!(head.chars().count() <= MAX_SHOWN && value.starts_with(head));
    }
    let scrubbed = SecretScan::of([(None, text)]).redactor().scrub(text);
    let values: BTreeSet<&str> = hits.iter().map(|h| h.value(text)).collect();
    for value in values {
        if !mask(value).contains(value) {
            assert!(
                !scrubbed.contains(value),
                "scrubbed text still holds a secret"
            );
        }
    }
});
