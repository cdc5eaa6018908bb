//! Where sealed values sit in what Faultline stores, and how they are opened.
//!
//! With a key, the Functions boundary seals before anything reaches Redis:
//! the artifact content, the metadata (sent as `{"enc":"<envelope>"}` so the
//! Lua still sees a JSON object), the result (a JSON string holding the
//! envelope, so the Lua splice stays valid JSON), the Markdown report,
//! failure errors and feedback comments. The Lua copies them as they are into
//! events, snapshots, cache entries and dead letters. Status, hints, ids,
//! times and the content hash stay in clear: the fold works on them.
//! Opening accepts clear values too (written before encryption was on).
//!
//! Without a key values are written in clear, except one that would read as
//! sealed (text beginning with `flenc1:`, metadata that is `{"enc":
//! "flenc1:…"}`, a result that is such a JSON string): it is stored in the
//! sealed form around a plaintext envelope (`flenc1::…`, see `crypto`), so
//! user text can never be taken for ciphertext.

use serde_json::Value;

use super::crypto::{CryptoError, Keyring};
use super::events::Event;
use super::snapshot::{Snapshot, SnapshotHead};

/// The key the metadata envelope sits under.
const ENC: &str = "enc";

impl Keyring {
    /// Metadata (JSON object text) as stored: `{"enc":"<envelope>"}`.
    pub fn seal_metadata(&self, json: &str) -> String {
        if !self.is_enabled()
            && !serde_json::from_str::<Value>(json).is_ok_and(|v| sealed_metadata(&v).is_some())
        {
            return json.to_string();
        }
        serde_json::json!({ ENC: self.envelope(json) }).to_string()
    }

    /// Stored metadata back to the object that was submitted.
    pub fn open_metadata(&self, stored: &Value) -> Result<Value, CryptoError> {
        match sealed_metadata(stored) {
            Some(envelope) => parse(&self.open(envelope)?),
            None => Ok(stored.clone()),
        }
    }

    /// `open_metadata` on JSON text (what `start`/`take` hand the worker).
    pub fn open_metadata_text(&self, stored: &str) -> Result<String, CryptoError> {
        match serde_json::from_str::<Value>(stored) {
            Ok(v) => match sealed_metadata(&v) {
                Some(envelope) => self.open(envelope),
                None => Ok(stored.to_string()),
            },
            Err(_) => Ok(stored.to_string()),
        }
    }

    /// Result JSON text as stored: a JSON string holding the envelope.
    pub fn seal_result(&self, json: &str) -> String {
        if !self.is_enabled() && !looks_sealed_result(json) {
            return json.to_string();
        }
        Value::String(self.envelope(json)).to_string()
    }

    /// A stored result (a parsed snapshot or cache field) back to the result.
    pub fn open_result(&self, stored: &Value) -> Result<Value, CryptoError> {
        match stored {
            Value::String(s) if Keyring::is_sealed(s) => parse(&self.open(s)?),
            other => Ok(other.clone()),
        }
    }

    /// `open_result` on the raw JSON text of an event's `result` field.
    pub fn open_result_text(&self, stored: &str) -> Result<String, CryptoError> {
        if !stored.starts_with("\"flenc1:") {
            return Ok(stored.to_string());
        }
        match serde_json::from_str::<String>(stored) {
            Ok(envelope) => self.open(&envelope),
            Err(_) => Err(CryptoError::Malformed(
                "result envelope is not a JSON string",
            )),
        }
    }

    /// A snapshot as read from Redis, opened in place.
    pub fn open_snapshot(&self, s: &mut Snapshot) -> Result<(), CryptoError> {
        first_error(self.open_snapshot_leniently(s))
    }

    /// `open_snapshot`, value by value: a value this keyring cannot open
    /// stays as stored. Answers those values' names (`metadata`, `result`,
    /// `markdown`, `error`) and why.
    pub fn open_snapshot_leniently(&self, s: &mut Snapshot) -> Vec<(&'static str, CryptoError)> {
        let mut kept = Vec::new();
        if sealed_metadata(&s.metadata).is_some() {
            match self.open_metadata(&s.metadata) {
                Ok(m) => s.metadata = m,
                Err(e) => kept.push(("metadata", e)),
            }
        }
        if let Some(result) = &s.result {
            match self.open_result(result) {
                Ok(r) => s.result = Some(r),
                Err(e) => kept.push(("result", e)),
            }
        }
        open_text(self, &mut s.markdown, "markdown", &mut kept);
        open_text(self, &mut s.error, "error", &mut kept);
        kept
    }

    pub fn open_head(&self, h: &mut SnapshotHead) -> Result<(), CryptoError> {
        let mut kept = Vec::new();
        open_text(self, &mut h.error, "error", &mut kept);
        first_error(kept)
    }

    /// An event as read from its stream, opened in place.
    pub fn open_event(&self, e: &mut Event) -> Result<(), CryptoError> {
        first_error(self.open_event_leniently(e))
    }

    /// `open_event`, value by value: a value this keyring cannot open stays
    /// as stored. Answers those values' names (`data.metadata`,
    /// `data.error`, `data.comment`, `result`, `markdown`) and why.
    pub fn open_event_leniently(&self, e: &mut Event) -> Vec<(&'static str, CryptoError)> {
        let mut kept = Vec::new();
        if let Some(data) = e.data.as_object_mut() {
            if let Some(m) = data.get_mut("metadata")
                && sealed_metadata(m).is_some()
            {
                match self.open_metadata(m) {
                    Ok(opened) => *m = opened,
                    Err(err) => kept.push(("data.metadata", err)),
                }
            }
            for (field, name) in [("error", "data.error"), ("comment", "data.comment")] {
                if let Some(Value::String(s)) = data.get_mut(field)
                    && Keyring::is_sealed(s)
                {
                    match self.open(s) {
                        Ok(opened) => *s = opened,
                        Err(err) => kept.push((name, err)),
                    }
                }
            }
        }
        if let Some(r) = &e.result {
            match self.open_result_text(r) {
                Ok(opened) => e.result = Some(opened),
                Err(err) => kept.push(("result", err)),
            }
        }
        open_text(self, &mut e.markdown, "markdown", &mut kept);
        kept
    }

    /// A cache entry's text back to `{result, markdown}`.
    pub fn open_cache_entry(&self, stored: &str) -> Result<Value, CryptoError> {
        let mut entry: Value =
            serde_json::from_str(stored).map_err(|_| CryptoError::Malformed("cache entry"))?;
        if let Some(map) = entry.as_object_mut() {
            if let Some(r) = map.get_mut("result") {
                *r = self.open_result(r)?;
            }
            if let Some(Value::String(md)) = map.get_mut("markdown")
                && Keyring::is_sealed(md)
            {
                *md = self.open(md)?;
            }
        }
        Ok(entry)
    }
}

/// The envelope of `{"enc":"flenc1:…"}` metadata, if that is what it is.
fn sealed_metadata(v: &Value) -> Option<&str> {
    let map = v.as_object().filter(|m| m.len() == 1)?;
    map.get(ENC)?.as_str().filter(|s| Keyring::is_sealed(s))
}

/// A result whose clear JSON `open_result`/`open_result_text` would take for
/// an envelope: a JSON string beginning with `flenc1:`. (Results are objects
/// in practice, so this parses nothing.)
fn looks_sealed_result(json: &str) -> bool {
    json.starts_with("\"flenc1:")
        || json.trim_start().starts_with('"')
            && serde_json::from_str::<String>(json).is_ok_and(|s| Keyring::is_sealed(&s))
}

/// Opens a sealed text in place; one that cannot be opened stays as stored
/// and is noted in `kept` under `name`.
fn open_text(
    keys: &Keyring,
    field: &mut Option<String>,
    name: &'static str,
    kept: &mut Vec<(&'static str, CryptoError)>,
) {
    if let Some(text) = field.as_mut().filter(|t| Keyring::is_sealed(t)) {
        match keys.open(text) {
            Ok(opened) => *text = opened,
            Err(e) => kept.push((name, e)),
        }
    }
}

fn first_error(kept: Vec<(&'static str, CryptoError)>) -> Result<(), CryptoError> {
    match kept.into_iter().next() {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

fn parse(json: &str) -> Result<Value, CryptoError> {
    serde_json::from_str(json).map_err(|_| CryptoError::Malformed("sealed JSON does not parse"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::crypto::Key;

    fn on() -> Keyring {
        let key = Key::parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
        Keyring::new(Some(key), vec![])
    }

    #[test]
    fn metadata_stays_an_object_and_opens_back() {
        let k = on();
        let stored = k.seal_metadata(r#"{"repo":"marker-repo"}"#);
        let v: Value = serde_json::from_str(&stored).unwrap();
        assert!(v.is_object() && !stored.contains("marker"));
        assert_eq!(k.open_metadata(&v).unwrap()["repo"], "marker-repo");
        assert_eq!(
            k.open_metadata_text(&stored).unwrap(),
            r#"{"repo":"marker-repo"}"#
        );
        let clear = serde_json::json!({"enc": "not an envelope"});
        assert_eq!(k.open_metadata(&clear).unwrap(), clear);
    }

    #[test]
    fn the_result_is_a_json_string_and_opens_exactly() {
        let k = on();
        let json = r#"{"score":0.1234567890123456,"findings":[]}"#;
        let stored = k.seal_result(json);
        assert!(stored.starts_with("\"flenc1:") && stored.ends_with('"'));
        assert_eq!(k.open_result_text(&stored).unwrap(), json);
        let parsed: Value = serde_json::from_str(&stored).unwrap();
        assert_eq!(
            k.open_result(&parsed).unwrap(),
            serde_json::from_str::<Value>(json).unwrap()
        );
        assert_eq!(k.open_result_text(json).unwrap(), json);
    }

    #[test]
    fn without_a_key_nothing_is_changed() {
        let off = Keyring::default();
        assert_eq!(off.seal_metadata(r#"{"a":1}"#), r#"{"a":1}"#);
        assert_eq!(off.seal_result(r#"{"a":1}"#), r#"{"a":1}"#);
    }

    #[test]
    fn without_a_key_lookalikes_of_sealed_values_read_back_as_written() {
        let old_only = Keyring::new(
            None,
            vec![Key::parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap()],
        );
        for k in [Keyring::default(), old_only, on()] {
            let meta = r#"{"enc":"flenc1:x:y"}"#;
            let stored = k.seal_metadata(meta);
            assert_eq!(k.open_metadata_text(&stored).unwrap(), meta);
            let v: Value = serde_json::from_str(&stored).unwrap();
            assert_eq!(k.open_metadata(&v).unwrap().to_string(), meta);

            for result in [r#""flenc1:x:y""#, r#" "\u0066lenc1:x""#] {
                let stored = k.seal_result(result);
                assert_eq!(k.open_result_text(&stored).unwrap(), result);
                let v: Value = serde_json::from_str(&stored).unwrap();
                let want: Value = serde_json::from_str(result).unwrap();
                assert_eq!(k.open_result(&v).unwrap(), want);
            }

            let mut e: Event = serde_json::from_value(serde_json::json!({
                "seq": 2, "type": "feedback", "ts": 1, "attempt": 1, "worker": "",
                "data": {"is_useful": true, "comment": k.seal("flenc1:x:y"),
                         "metadata": v_of(&k.seal_metadata(meta))},
            }))
            .unwrap();
            k.open_event(&mut e).unwrap();
            assert_eq!(e.data["comment"], "flenc1:x:y");
            assert_eq!(e.data["metadata"].to_string(), meta);
        }
        // Ordinary values are still written as they are.
        let off = Keyring::default();
        assert_eq!(off.seal_metadata(r#"{"enc":"x"}"#), r#"{"enc":"x"}"#);
        assert_eq!(off.seal_result(r#""x""#), r#""x""#);
    }

    fn v_of(json: &str) -> Value {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_cache_entry_opens_both_fields() {
        let k = on();
        let text = format!(
            r#"{{"result":{},"markdown":{}}}"#,
            k.seal_result(r#"{"n":1}"#),
            Value::String(k.seal("# Report"))
        );
        let entry = k.open_cache_entry(&text).unwrap();
        assert_eq!(
            entry,
            serde_json::json!({"result": {"n": 1}, "markdown": "# Report"})
        );
    }
}
