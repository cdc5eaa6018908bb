//! Decoding `POST /artifacts/analyze` bodies: bytes → JSON → the API's
//! `AnalyzeRequest` model (poem-openapi's own parser, as the endpoint uses)
//! → the artifact kind and metadata the service records. Any input gives a
//! value or a clear error, never a panic.
#![no_main]

use faultline::analysis::ArtifactKind;
use faultline::api::models::AnalyzeRequest;
use libfuzzer_sys::fuzz_target;
use poem_openapi::types::ParseFromJSON;

fuzz_target!(|data: &[u8]| {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    match AnalyzeRequest::parse_from_json(Some(json)) {
        Ok(req) => {
            let name = req
                .content_type
                .as_deref()
                .or(req.content_type_camel.as_deref())
                .unwrap_or("auto");
            let _ = ArtifactKind::parse(name);
            let _ = req.metadata.unwrap_or_default().stored_json();
        }
        Err(e) => assert!(!e.message().is_empty(), "an error without a message"),
    }
});
