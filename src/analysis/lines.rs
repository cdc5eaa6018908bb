//! Line breaks as every reader here counts them: `\n`, `\r\n` (one break)
//! and a lone `\r`, the line end of classic Mac files, which YAML, JSON
//! (whitespace) and CommonMark all read as a line break too.

use std::borrow::Cow;

/// Byte offset where each line after the first starts, in order.
pub fn line_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    memchr::memchr2_iter(b'\n', b'\r', bytes)
        .filter(move |&i| bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n'))
        .map(|i| i + 1)
}

/// Number of lines: `text.lines().count()`, a lone `\r` ending a line too.
pub fn line_count(text: &str) -> usize {
    let ends_with_break = text.ends_with(['\n', '\r']);
    line_starts(text).count() + usize::from(!text.is_empty() && !ends_with_break)
}

/// `text` with every lone `\r` made a `\n` (a `\r\n` stays as it is). The
/// length and every byte offset are unchanged, so positions found in the
/// result hold in `text`; readers that split lines on `\n` alone (`str::lines`,
/// the diagram parsers) then count them right. Borrowed when there is none.
pub fn unify_breaks(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let lone = |i: usize| bytes.get(i + 1) != Some(&b'\n');
    if !memchr::memchr_iter(b'\r', bytes).any(lone) {
        return Cow::Borrowed(text);
    }
    let mut out = bytes.to_vec();
    for i in memchr::memchr_iter(b'\r', bytes).filter(|&i| lone(i)) {
        out[i] = b'\n';
    }
    // An ASCII byte replaced by another: still UTF-8.
    Cow::Owned(String::from_utf8(out).unwrap_or_else(|_| text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_cr_breaks_a_line_and_crlf_is_one_break() {
        for (text, starts, count) in [
            ("a\nb\nc", vec![2, 4], 3),
            ("a\r\nb\r\nc\r\n", vec![3, 6, 9], 3),
            ("a\rb\rc\r", vec![2, 4, 6], 3),
            ("a\r\rb", vec![2, 3], 3),
            ("a\r\n\rb\n", vec![3, 4, 6], 3),
            ("", vec![], 0),
            ("one line", vec![], 1),
        ] {
            assert_eq!(line_starts(text).collect::<Vec<_>>(), starts, "{text:?}");
            assert_eq!(line_count(text), count, "{text:?}");
            let unified = unify_breaks(text);
            assert_eq!(unified.len(), text.len(), "{text:?}");
            assert!(!unified.replace("\r\n", "").contains('\r'), "{text:?}");
            assert_eq!(unified.lines().count(), count, "{text:?}");
        }
        assert!(matches!(unify_breaks("a\r\nb\n"), Cow::Borrowed(_)));
    }
}
