//! Which offsets of a raw text sit in a documentation sample: the value of
//! an OpenAPI `example` / `examples` key (or the `x-` vendor forms), at any
//! depth. A credential-looking value there is usually made up for the docs,
//! so it is reported as a sample rather than as a leak.
//!
//! The scan runs on raw text before any parser, so this is a structural
//! approximation in one pass: JSON is followed bracket by bracket (strings
//! skipped); anything else (YAML, Markdown with YAML or JSON blocks) by
//! indentation, with flow collections (`{a: b}`) followed within a line.

/// Keys whose values are samples.
const SAMPLE_KEYS: [&str; 4] = ["example", "examples", "x-example", "x-examples"];

/// For each of `offsets` (ascending), whether it lies inside a sample.
pub fn sample_flags(text: &str, offsets: &[usize]) -> Vec<bool> {
    if text.trim_start().starts_with(['{', '[']) {
        let mut flow = Flow::default();
        flow.flags(text, 0, offsets)
    } else {
        by_indentation(text, offsets)
    }
}

/// YAML-like text: a line is inside a sample when a less-indented key
/// above it is a sample key, or a flow collection on the line opened under
/// one before the offset.
fn by_indentation(text: &str, offsets: &[usize]) -> Vec<bool> {
    let mut out = Vec::with_capacity(offsets.len());
    // (indent of a key, whether its value is a sample)
    let mut keys: Vec<(usize, bool)> = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        if out.len() == offsets.len() {
            break;
        }
        let content = line.trim_start_matches([' ', '\t']);
        let indent = line.len() - content.len();
        let structural = !content.trim().is_empty() && !content.starts_with('#');
        if structural {
            while keys.last().is_some_and(|(i, _)| *i >= indent) {
                keys.pop();
            }
        }
        let parent = keys.last().is_some_and(|(_, sample)| *sample);
        let end = line_start + line.len();
        let here: Vec<usize> = offsets[out.len()..]
            .iter()
            .take_while(|&&o| o < end)
            .map(|&o| o.saturating_sub(line_start))
            .collect();
        let mut flow = Flow::default();
        out.extend(
            flow.flags(line, 0, &here)
                .into_iter()
                .map(|in_flow| parent || in_flow),
        );
        if let Some((key_indent, key)) = structural.then(|| line_key(content, indent)).flatten() {
            keys.push((key_indent, parent || is_sample_key(key)));
        }
        line_start = end;
    }
    out.resize(offsets.len(), false);
    out
}

/// The key a YAML line opens and the column it starts at: `- name: x` →
/// (`indent + 2`, `name`).
fn line_key(content: &str, indent: usize) -> Option<(usize, &str)> {
    let mut rest = content;
    let mut at = indent;
    while let Some(after) = rest.strip_prefix("- ") {
        let trimmed = after.trim_start_matches(' ');
        at += rest.len() - trimmed.len();
        rest = trimmed;
    }
    let rest = rest.trim_end();
    let key = match rest.chars().next() {
        Some(q @ ('"' | '\'')) => {
            let close = rest[1..].find(q)? + 1;
            rest[close + 1..]
                .starts_with(':')
                .then(|| &rest[1..close])?
        }
        _ => {
            let colon = rest
                .find(": ")
                .or_else(|| rest.ends_with(':').then(|| rest.len() - 1))?;
            &rest[..colon]
        }
    };
    Some((at, key))
}

fn is_sample_key(key: &str) -> bool {
    SAMPLE_KEYS.contains(&key)
}

/// Follows flow collections (`{}`/`[]`) and quoted strings, remembering
/// which open collection is the value of a sample key.
#[derive(Default)]
struct Flow {
    /// One entry per open collection: whether it is (inside) a sample.
    open: Vec<bool>,
    /// The last `key:` seen was a sample key and its value has not ended.
    pending: bool,
    /// The quote of the string being read, if any.
    quote: Option<u8>,
    escaped: bool,
}

impl Flow {
    /// Flags for `offsets` (relative to `text`, ascending) after reading
    /// `text` from `from`.
    fn flags(&mut self, text: &str, from: usize, offsets: &[usize]) -> Vec<bool> {
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(offsets.len());
        let mut next = offsets.iter().peekable();
        for (i, &b) in bytes.iter().enumerate().skip(from) {
            while next.next_if(|&&o| o <= i).is_some() {
                out.push(self.inside());
            }
            if next.peek().is_none() {
                break;
            }
            self.step(bytes, i, b);
        }
        out.resize(offsets.len(), self.inside());
        out
    }

    fn inside(&self) -> bool {
        self.pending || self.open.last().copied().unwrap_or(false)
    }

    fn step(&mut self, bytes: &[u8], i: usize, b: u8) {
        if let Some(q) = self.quote {
            match b {
                _ if self.escaped => self.escaped = false,
                b'\\' if q == b'"' => self.escaped = true,
                _ if b == q => self.quote = None,
                _ => {}
            }
            return;
        }
        match b {
            // A quote opens a string only where a scalar can start, so the
            // apostrophe in `don't` does not.
            b'"' | b'\'' if i == 0 || b" \t{[,:".contains(&bytes[i - 1]) => self.quote = Some(b),
            b':' => self.pending = key_before(bytes, i),
            b'{' | b'[' => {
                let sample = self.inside();
                self.open.push(sample);
                self.pending = false;
            }
            b'}' | b']' => {
                self.open.pop();
                self.pending = false;
            }
            b',' => self.pending = false,
            _ => {}
        }
    }
}

/// Whether the bytes before the `:` at `colon` are a sample key, quoted
/// (`"example"`) or bare (`example`, preceded by a separator).
fn key_before(bytes: &[u8], colon: usize) -> bool {
    let head = &bytes[..colon];
    SAMPLE_KEYS.iter().any(|k| {
        let k = k.as_bytes();
        for q in [b'"', b'\''] {
            if head.ends_with(&[q]) && head[..head.len() - 1].ends_with(k) {
                let start = head.len() - 1 - k.len();
                return start > 0 && head[start - 1] == q;
            }
        }
        head.ends_with(k) && {
            let start = head.len() - k.len();
            start == 0 || b" \t{[,".contains(&head[start - 1])
        }
    })
}

#[cfg(test)]
mod tests {
    use super::sample_flags;

    /// Flags for every occurrence of `needle` in `text`.
    fn flags(text: &str, needle: &str) -> Vec<bool> {
        let offsets: Vec<usize> = text.match_indices(needle).map(|(i, _)| i).collect();
        sample_flags(text, &offsets)
    }

    #[test]
    fn yaml_block_and_flow_examples_are_samples() {
        let yaml = "components:\n  schemas:\n    S:\n      properties:\n        client_secret: {type: string, default: VAL}\n      example:\n        id: x\n        client_secret: VAL\n    T:\n      examples:\n        - password: VAL\n      x: {example: {password: VAL}, password: VAL}\n  password: VAL\n";
        assert_eq!(flags(yaml, "VAL"), [false, true, true, true, false, false]);
    }

    #[test]
    fn block_scalars_under_examples_are_samples() {
        let yaml = "paths:\n  /a:\n    post:\n      x-oaiMeta:\n        examples:\n          response: |\n            {\n              \"client_secret\": \"VAL\"\n            }\n      description: VAL\n";
        assert_eq!(flags(yaml, "VAL"), [true, false]);
    }

    #[test]
    fn json_examples_are_samples_and_strings_do_not_confuse_brackets() {
        let json = r#"{"a": {"description": "use { and [ freely: \"x\"", "password": "VAL"}, "examples": {"e": {"value": {"password": "VAL"}}}, "b": {"example": "VAL", "secret": "VAL"}}"#;
        assert_eq!(flags(json, "VAL"), [false, true, true, false]);
    }

    #[test]
    fn keys_merely_ending_in_example_are_not_sample_keys() {
        let yaml = "counterexample:\n  password: VAL\n\"my example\": {password: VAL}\n";
        assert_eq!(flags(yaml, "VAL"), [false, false]);
    }
}
