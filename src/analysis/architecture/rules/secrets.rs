//! Finds literal secrets in a document's text: `password: value`,
//! `API_KEY=value`, private keys, AWS access key ids and URLs with an
//! embedded password. Placeholders and references are not secrets.

use crate::analysis::markdown::MdDoc;

const KEY_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "api_key",
    "apikey",
    "api-key",
    "access_key",
    "accesskey",
    "private_key",
    "client_secret",
    "auth_token",
    "access_token",
    "token",
];

/// (line, what) for every line that holds a literal secret.
pub fn secret_lines(doc: &MdDoc) -> Vec<(u32, &'static str)> {
    let mut out = Vec::new();
    for line in 1..=doc.line_count() {
        let text = doc.line_text(line);
        if let Some(what) = secret_in(text) {
            out.push((line, what));
        }
    }
    out
}

fn secret_in(text: &str) -> Option<&'static str> {
    if text.contains("-----BEGIN") && text.contains("PRIVATE KEY") {
        return Some("Private key");
    }
    if has_aws_key(text) {
        return Some("AWS access key id");
    }
    if url_password(text) {
        return Some("Connection string with an embedded password");
    }
    assignment(text).then_some("Literal secret assigned in configuration")
}

fn has_aws_key(text: &str) -> bool {
    text.match_indices("AKIA").any(|(i, _)| {
        let tail = &text.as_bytes()[i + 4..];
        tail.len() >= 16
            && tail[..16]
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    })
}

/// `scheme://user:password@host` with a literal password.
fn url_password(text: &str) -> bool {
    text.match_indices("://").any(|(i, _)| {
        let rest = &text[i + 3..];
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '/' || c == '"' || c == '\'')
            .unwrap_or(rest.len());
        let authority = &rest[..end];
        let Some((userinfo, _)) = authority.rsplit_once('@') else {
            return false;
        };
        userinfo
            .split_once(':')
            .is_some_and(|(_, pw)| !is_placeholder(pw))
    })
}

/// `key: value` / `key=value` / `"key": "value"` where key names a secret.
fn assignment(text: &str) -> bool {
    let Some(sep) = text.find([':', '=']) else {
        return false;
    };
    let key = text[..sep]
        .trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == '-' || c == '|' || c == '`')
        .trim();
    let lower = key.to_ascii_lowercase();
    let keyish = !key.is_empty() && key.len() <= 48 && !key.contains(' ');
    if !keyish
        || !KEY_WORDS
            .iter()
            .any(|w| lower.ends_with(w) || lower.starts_with(w))
    {
        return false;
    }
    // `token_url`, `password_policy`: the word names something else.
    if [
        "url", "uri", "endpoint", "policy", "length", "file", "path", "ref", "name", "type",
        "expiry", "ttl", "header",
    ]
    .iter()
    .any(|w| lower.ends_with(w))
    {
        return false;
    }
    // A trailing YAML/shell comment is not part of the value.
    let raw = text[sep + 1..].split(" #").next().unwrap_or("");
    let value = raw
        .trim()
        .trim_end_matches([',', ';'])
        .trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == '`');
    !is_placeholder(value)
}

fn is_placeholder(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    // Secrets are single tokens; prose ("must be 12 characters") is not one.
    v.len() < 4
        || v.split_whitespace().count() > 1
        || v.starts_with("${")
        || v.starts_with("{{")
        || v.starts_with('$')
        || v.starts_with('<')
        || v.starts_with('%')
        || v.starts_with('*')
        || v.starts_with("env")
        || v.starts_with("secret")
        || v.starts_with("vault")
        || v.starts_with("xxx")
        || v.starts_with("your")
        || v.starts_with("!")
        || v.starts_with("process.env")
        || v.starts_with("os.getenv")
        || v.starts_with("valuefrom")
        || v.contains("example")
        || v.contains("placeholder")
        || v.contains("redacted")
        || v.contains("...")
        || matches!(
            v.as_str(),
            "null" | "none" | "true" | "false" | "required" | "string" | "optional"
        )
        || v.ends_with(':')
}

#[cfg(test)]
mod tests {
    use super::secret_in;

    #[test]
    fn literal_secrets_are_found() {
        assert!(secret_in("  password: s3cr3t-Pa55").is_some());
        assert!(secret_in("DB_PASSWORD=hunter2hunter2").is_some());
        assert!(secret_in(r#""client_secret": "abcd1234efgh""#).is_some());
        assert!(secret_in("url: postgres://app:hunter22@db/app").is_some());
        assert!(secret_in("key = AKIAIOSFODNN7EXAMPLE").is_some());
        assert!(secret_in("-----BEGIN RSA PRIVATE KEY-----").is_some());
    }

    #[test]
    fn placeholders_and_prose_are_not_secrets() {
        for line in [
            "password: ${DB_PASSWORD}",
            "password: <your password>",
            "token: {{ .Values.token }}",
            "api_key: ***",
            "Password: must be at least 12 characters",
            "password_policy: strict-default",
            "token_url: https://auth.example.com/token",
            "secretKeyRef: db-secret",
            "password: # set via env",
            "url: postgres://app@db/app",
            "url: postgres://app:${PW}@db/app",
        ] {
            assert!(secret_in(line).is_none(), "{line}");
        }
    }
}
