//! Small pieces of English shared by the rules, next steps and reports, so
//! every text counts and names places the same way.

/// "1 operation", "3 operations", "0 properties": `n` with the noun in the
/// number it needs.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// HTTP methods an OpenAPI path item holds operations under.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A JSON pointer into an OpenAPI document as a reader names the place:
/// `/paths/~1users~1{id}/delete/responses/200` reads `DELETE /users/{id},
/// responses/200`. Any other pointer is returned as it is.
pub fn readable_pointer(pointer: &str) -> String {
    let mut parts = pointer.split('/').skip(1);
    let (Some("paths"), Some(path)) = (parts.next(), parts.next()) else {
        return pointer.to_string();
    };
    // RFC 6901: `~1` is `/`, `~0` is `~`, in that order.
    let path = path.replace("~1", "/").replace("~0", "~");
    let rest: Vec<&str> = parts.collect();
    let (head, tail) = match rest.split_first() {
        Some((m, tail)) if METHODS.contains(m) => (format!("{} {path}", m.to_uppercase()), tail),
        _ => (path, rest.as_slice()),
    };
    if tail.is_empty() {
        head
    } else {
        format!("{head}, {}", tail.join("/"))
    }
}

#[cfg(test)]
mod tests {
    use super::{count, readable_pointer};

    #[test]
    fn counts_agree_with_their_nouns() {
        assert_eq!(count(1, "property", "properties"), "1 property");
        assert_eq!(count(0, "property", "properties"), "0 properties");
        assert_eq!(count(12, "operation", "operations"), "12 operations");
    }

    #[test]
    fn operation_pointers_read_as_method_and_path() {
        assert_eq!(
            readable_pointer("/paths/~1users~1{id}/delete"),
            "DELETE /users/{id}"
        );
        assert_eq!(
            readable_pointer("/paths/~1a~0b/get/responses/200"),
            "GET /a~b, responses/200"
        );
        assert_eq!(readable_pointer("/paths/~1pets"), "/pets");
        assert_eq!(
            readable_pointer("/paths/~1pets/parameters/0"),
            "/pets, parameters/0"
        );
        assert_eq!(
            readable_pointer("/components/schemas/Pet"),
            "/components/schemas/Pet"
        );
        assert_eq!(readable_pointer("/paths"), "/paths");
        assert_eq!(readable_pointer(""), "");
        assert_eq!(readable_pointer("Design > Security"), "Design > Security");
    }
}
