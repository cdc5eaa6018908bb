//! How a secret is shown: never more than [`MAX_SHOWN`] of its characters.

/// Most characters of a secret any output may carry.
pub const MAX_SHOWN: usize = 4;

/// `ghp_…(40 chars)`: at most a quarter of the secret and never more than
/// [`MAX_SHOWN`] characters, then its length. A short secret shows less (a
/// 6-character password shows one character), so the mask never gives away
/// enough to guess it.
pub fn mask(secret: &str) -> String {
    let len = secret.chars().count();
    let shown = (len / 4).min(MAX_SHOWN);
    let head: String = secret.chars().take(shown).collect();
    format!("{head}…({len} chars)")
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn shows_at_most_four_characters_and_the_length() {
        assert_eq!(
            mask("ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
            "ghp_…(40 chars)"
        );
        assert_eq!(mask("hunter22"), "hu…(8 chars)");
        assert_eq!(mask("abc"), "…(3 chars)");
        assert_eq!(mask(""), "…(0 chars)");
        assert_eq!(mask("ééééééééééééééééé"), "éééé…(17 chars)");
    }
}
