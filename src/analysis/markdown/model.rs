//! The normalised Markdown document ([`MdDoc`]): heading tree, tables,
//! checklists, code blocks and open-work markers, each with 1-based lines.
//!
//! The source text is kept (with an ASCII-lowercased twin of identical byte
//! offsets) so rules can search it without re-parsing.

use super::shape::Shape;
use super::text::{find_affirmed_from, find_word};

/// One heading and the text it governs (up to the next heading of the same
/// or a higher level). Index 0 of [`MdDoc::sections`] is never a preamble:
/// text before the first heading belongs to no section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// 1–6.
    pub level: u8,
    pub title: String,
    /// Line of the heading.
    pub line: u32,
    /// Last line governed by the heading (inclusive).
    pub end_line: u32,
    /// Index of the enclosing section in [`MdDoc::sections`].
    pub parent: Option<usize>,
    /// Byte range of the body: after the heading line, to the end of the section.
    pub body: std::ops::Range<usize>,
    /// Byte range of the body up to the first subsection (the section's own text).
    pub own_body: std::ops::Range<usize>,
}

/// A GitHub-flavoured table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub line: u32,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A task-list item (`- [ ] ...` / `- [x] ...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckItem {
    pub checked: bool,
    pub line: u32,
    pub text: String,
}

/// A fenced or indented code block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeBlock {
    /// First word of the info string, lowercased; empty when none.
    pub lang: String,
    /// Line of the opening fence (or first line of an indented block).
    pub line: u32,
    /// Line of the first content line.
    pub content_line: u32,
    pub end_line: u32,
    pub content: String,
}

/// What kind of unresolved work a marker signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerKind {
    Todo,
    Tbd,
    Fixme,
    OpenQuestion,
}

/// An unresolved-work marker outside code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub kind: MarkerKind,
    pub line: u32,
    /// The text around the marker (its paragraph/line, trimmed).
    pub text: String,
}

/// A parsed Markdown document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MdDoc {
    /// The source text.
    pub text: String,
    /// `text` with ASCII letters lowercased; byte offsets match `text`.
    pub lower: String,
    pub sections: Vec<Section>,
    pub tables: Vec<Table>,
    pub checklist: Vec<CheckItem>,
    pub code_blocks: Vec<CodeBlock>,
    pub markers: Vec<Marker>,
    /// 1-based lines where list items start (for open-question sections).
    pub item_lines: Vec<u32>,
    line_starts: Vec<usize>,
    /// What kind of document it is, worked out once (every design-doc
    /// rule asks).
    shape: std::sync::OnceLock<Shape>,
}

impl MdDoc {
    pub(super) fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(crate::analysis::lines::line_starts(text));
        Self {
            text: text.to_string(),
            lower: text.to_ascii_lowercase(),
            line_starts,
            ..Self::default()
        }
    }

    /// What kind of document this is: a design, an ADR, or something the
    /// design-doc rules cannot judge.
    pub fn shape(&self) -> &Shape {
        self.shape.get_or_init(|| super::shape::shape(self))
    }

    /// 1-based line of a byte offset (clamped to the document).
    pub fn line_of(&self, offset: usize) -> u32 {
        let idx = self.line_starts.partition_point(|&s| s <= offset);
        u32::try_from(idx.max(1)).unwrap_or(u32::MAX)
    }

    /// Number of lines in the document.
    pub fn line_count(&self) -> u32 {
        u32::try_from(self.line_starts.len()).unwrap_or(u32::MAX)
    }

    /// Byte offset where 1-based `line` starts (end of text past the last line).
    pub fn line_start(&self, line: u32) -> usize {
        let i = (line.max(1) - 1) as usize;
        self.line_starts.get(i).copied().unwrap_or(self.text.len())
    }

    /// The text of 1-based `line`, without its newline.
    pub fn line_text(&self, line: u32) -> &str {
        let start = self.line_start(line);
        let end = self.line_start(line + 1).min(self.text.len());
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }

    /// The body text of a section (including its subsections).
    pub fn section_body(&self, idx: usize) -> &str {
        self.sections
            .get(idx)
            .and_then(|s| self.text.get(s.body.clone()))
            .unwrap_or("")
    }

    /// "Parent > Child" path of a section, for locations.
    pub fn section_path(&self, idx: usize) -> String {
        let mut parts = Vec::new();
        let mut cur = Some(idx);
        // Parents always precede children, so this walk terminates.
        while let Some(i) = cur {
            let Some(s) = self.sections.get(i) else { break };
            parts.push(s.title.as_str());
            cur = s.parent.filter(|&p| p < i);
        }
        parts.reverse();
        parts.join(" > ")
    }

    /// First line on which any of `words` occurs as a whole word and says the
    /// thing is there: "no TLS" and `https://` links do not count
    /// (case-insensitive; `words` must be lowercase).
    pub fn mentions(&self, words: &[&str]) -> Option<u32> {
        words
            .iter()
            .filter_map(|w| find_affirmed_from(&self.lower, w, 0))
            .min()
            .map(|off| self.line_of(off))
    }

    /// Index of the first section whose title contains any of `words` as a whole word.
    pub fn section_titled(&self, words: &[&str]) -> Option<usize> {
        self.sections.iter().position(|s| {
            let t = s.title.to_ascii_lowercase();
            words.iter().any(|w| find_word(&t, w).is_some())
        })
    }

    /// Whether byte `offset` lies inside a fenced or indented code block.
    pub fn in_code(&self, offset: usize) -> bool {
        let line = self.line_of(offset);
        self.code_blocks
            .iter()
            .any(|c| c.line <= line && line <= c.end_line)
    }
}
