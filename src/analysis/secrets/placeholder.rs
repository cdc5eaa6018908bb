//! What is *not* a secret: placeholders, references to a secret store,
//! documentation samples, and keys that only mention a secret.
//!
//! Decisions (documented in the README): `changeme`-style defaults and the
//! vendors' published samples (`AKIAIOSFODNN7EXAMPLE`, jwt.io's token) are
//! placeholders; a bare value shorter than 6 characters, a number, or a
//! value with spaces (prose) is not taken for a secret, nor is a bare name
//! (`oauth-secret-id`, `auth_token`: letters and separators only), nor a
//! value with a made-up part (`ek_token_123`, `sk_test_abc`, `fake-key`).

use super::kind::SecretKind;

/// Words a key name must start or end with to name a secret.
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
    "access-key",
    "private_key",
    "privatekey",
    "private-key",
    "client_secret",
    "auth_token",
    "access_token",
    "token",
];

/// Key endings that name something about a secret, not the secret itself.
const NOT_SECRET_SUFFIXES: &[&str] = &[
    "url",
    "uri",
    "endpoint",
    "policy",
    "length",
    "file",
    "path",
    "ref",
    "name",
    "type",
    "expiry",
    "ttl",
    "header",
    "id",
    "format",
    "size",
    "count",
    "limit",
    "timeout",
    "hash_algorithm",
];

/// Whether an assignment's key names a secret (`DB_PASSWORD`, `client_secret`,
/// `x-api-key`) rather than something about one (`token_url`, `password_policy`).
pub fn is_secret_key_name(key: &str) -> bool {
    let lower = key
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_ascii_lowercase();
    if lower.is_empty() || lower.len() > 64 {
        return false;
    }
    KEY_WORDS
        .iter()
        .any(|w| lower.ends_with(w) || lower.starts_with(w))
        && !NOT_SECRET_SUFFIXES.iter().any(|s| lower.ends_with(s))
}

/// Whether an assigned value is a placeholder or a reference rather than a
/// literal secret.
pub fn is_placeholder_value(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    v.chars().count() < 6
        || v.chars().any(char::is_whitespace)
        || v.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        || [
            "${",
            "{{",
            "{",
            "[",
            "$",
            "<",
            "%",
            "*",
            "&",
            "/",
            "!",
            "env",
            "secret",
            "vault",
            "xxx",
            "your",
            "process.env",
            "os.getenv",
            "valuefrom",
            "arn:",
            "ref+",
            "http://",
            "https://",
            "file:",
        ]
        .iter()
        .any(|p| v.starts_with(p))
        || [
            "example",
            "placeholder",
            "redacted",
            "...",
            "…",
            "changeme",
            "change-me",
            "change_me",
            "changeit",
            "dummy",
            "sample",
            "todo",
            "tbd",
        ]
        .iter()
        .any(|p| v.contains(p))
        || matches!(
            v.as_str(),
            "null" | "none" | "true" | "false" | "required" | "string" | "optional" | "password"
        )
        || v.ends_with(':')
        || mostly_mask_chars(&v)
        || has_placeholder_part(&v)
}

/// Parts (between `_`, `-`, `.`, `:`) that mark a value as made up:
/// `ek_token_123`, `sk_test_abc`, `fake-key`. Whole parts only, so a random
/// token that happens to contain `123` or `test` is kept.
const PLACEHOLDER_PARTS: &[&str] = &[
    "test", "testing", "fake", "mock", "demo", "foo", "bar", "baz", "abc", "abcdef", "my",
];

/// Whether a lower-cased value has a placeholder part, or a part that is
/// a counting sequence (`123`, `1234`, …).
fn has_placeholder_part(v: &str) -> bool {
    let mut parts = v.split(['_', '-', '.', ':']).filter(|p| !p.is_empty());
    // A value without separators is one opaque token: judge it whole
    // elsewhere (`1234` alone is already too short to be a secret).
    v.contains(['_', '-', '.', ':'])
        && parts.any(|p| PLACEHOLDER_PARTS.contains(&p) || is_counting(p))
}

/// `123`, `1234`, … `123456789`.
fn is_counting(part: &str) -> bool {
    part.len() >= 3 && "123456789".starts_with(part)
}

/// `oauth-secret-id`, `auth_token`, `CallToken`, `DB_PASSWORD`: letters and
/// separators only, with few case changes, name a thing rather than being a
/// random credential (`kJhGfDsAqWeRtYuIoPlM` has many case changes and is
/// kept).
pub fn looks_like_a_name(value: &str) -> bool {
    if !value
        .chars()
        .all(|c| c.is_ascii_alphabetic() || matches!(c, '_' | '-' | '.'))
    {
        return false;
    }
    let letters: Vec<bool> = value
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.is_ascii_uppercase())
        .collect();
    letters.windows(2).filter(|w| w[0] != w[1]).count() < 4
}

/// Whether a token found by its shape is a documentation sample or a
/// masked-out value (`sk_live_XXXXXXXXXXXXXXXX`).
pub fn is_placeholder_token(kind: SecretKind, token: &str) -> bool {
    match kind {
        SecretKind::PrivateKey => {
            // A real key has a body; `...` or `<your key>` is a template.
            let inner = token.split("-----").nth(2).unwrap_or("");
            let body = inner
                .replace("\\n", "")
                .bytes()
                .filter(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
                .count();
            body < 40 || inner.contains("...") || inner.contains('<')
        }
        SecretKind::Jwt => {
            // jwt.io's sample token, printed in countless docs.
            token.contains("SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
        }
        SecretKind::UrlPassword => is_placeholder_value(token),
        _ => {
            let upper = token.to_ascii_uppercase();
            upper.contains("EXAMPLE") || mostly_mask_chars(without_vendor_prefix(token))
        }
    }
}

/// The random part of a vendor token (`sk_live_XXXX` → `XXXX`).
fn without_vendor_prefix(token: &str) -> &str {
    const PREFIXES: &[&str] = &[
        "sk_live_",
        "rk_live_",
        "github_pat_",
        "ghp_",
        "gho_",
        "ghu_",
        "ghs_",
        "ghr_",
        "xoxa-",
        "xoxb-",
        "xoxp-",
        "xoxo-",
        "xoxs-",
        "xoxr-",
        "AKIA",
        "ASIA",
        "AIza",
    ];
    PREFIXES
        .iter()
        .find_map(|p| token.strip_prefix(p))
        .unwrap_or(token)
}

/// `xxxxxxxx`, `00000000`, `****`: a value written to be replaced.
fn mostly_mask_chars(v: &str) -> bool {
    let body: Vec<char> = v
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '*')
        .collect();
    !body.is_empty()
        && body
            .iter()
            .all(|c| matches!(c, 'x' | 'X' | '0' | '*' | 'y' | 'Y' | 'z' | 'Z'))
}
