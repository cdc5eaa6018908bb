//! Field-by-field comparison of a stored snapshot with the fold of its log.

use serde::Serialize;
use serde_json::Value;

/// One field where the stored snapshot and the fold disagree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// JSON pointer of the field ("" for the whole document).
    pub path: String,
    pub stored: Value,
    pub folded: Value,
}

/// The JSON pointers where `stored` and `folded` differ (objects compared
/// key by key, recursively; a missing key counts as `null`).
pub fn diff(stored: &Value, folded: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    walk("", stored, folded, &mut out);
    out
}

fn walk(at: &str, a: &Value, b: &Value, out: &mut Vec<Difference>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let (va, vb) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                walk(&format!("{at}/{}", escape(k)), va, vb, out);
            }
        }
        _ if a != b => out.push(Difference {
            path: at.to_string(),
            stored: a.clone(),
            folded: b.clone(),
        }),
        _ => {}
    }
}

/// RFC 6901 escaping of one pointer segment.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_fields_are_reported_by_pointer_and_missing_keys_as_null() {
        let stored = json!({"status": "failed", "metadata": {"a/b": 1}, "extra": true});
        let folded = json!({"status": "completed", "metadata": {"a/b": 2}});
        let paths: Vec<String> = diff(&stored, &folded).into_iter().map(|d| d.path).collect();
        assert_eq!(paths, ["/extra", "/metadata/a~1b", "/status"]);
        assert!(diff(&folded, &folded).is_empty());
    }
}
