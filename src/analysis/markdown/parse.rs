//! Builds an [`MdDoc`] from pulldown-cmark's offset iterator: one linear pass
//! over the events, then a stack pass that closes sections.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use super::model::{CheckItem, CodeBlock, Marker, MarkerKind, MdDoc, Section, Table};
use super::text::{find_word, markers_in};
use crate::analysis::request::{AnalysisError, Limits};

/// Rejects input no Markdown parser should see: too large, or binary.
pub fn check_input(content: &str, limits: &Limits) -> Result<(), AnalysisError> {
    if content.len() > limits.max_bytes {
        return Err(AnalysisError::InvalidInput(format!(
            "document is {} bytes, over the {}-byte limit",
            content.len(),
            limits.max_bytes
        )));
    }
    if content.contains('\0') {
        return Err(AnalysisError::InvalidInput(
            "document contains NUL bytes: binary data, not text".into(),
        ));
    }
    let control = content
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
        .count();
    // Text has almost no control characters; binary has many.
    if control > 16 && control * 20 > content.chars().count() {
        return Err(AnalysisError::InvalidInput(
            "document is mostly control characters: binary data, not text".into(),
        ));
    }
    Ok(())
}

/// Parses Markdown into an [`MdDoc`].
pub fn parse(content: &str, limits: &Limits) -> Result<MdDoc, AnalysisError> {
    check_input(content, limits)?;
    let mut doc = MdDoc::new(content);
    let mut w = Walker::default();
    let opts = Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH;
    for (event, range) in Parser::new_ext(content, opts).into_offset_iter() {
        w.event(&mut doc, event, range);
    }
    close_sections(&mut doc, &w.headings);
    open_question_sections(&mut doc);
    doc.markers.sort_by_key(|m| m.line);
    Ok(doc)
}

/// Parser state between events.
#[derive(Default)]
struct Walker {
    /// (level, title, start offset, end offset of heading).
    headings: Vec<(u8, String, usize, usize)>,
    heading: Option<(u8, String, usize)>,
    code: Option<CodeBlock>,
    table: Option<Table>,
    row: Vec<String>,
    cell: Option<String>,
    task: Option<CheckItem>,
    /// Depth inside strikethrough: struck-out TODOs are resolved.
    struck: u32,
}

impl Walker {
    fn event(&mut self, doc: &mut MdDoc, event: Event<'_>, range: std::ops::Range<usize>) {
        match event {
            Event::Start(tag) => self.start(doc, tag, range),
            Event::End(tag) => self.end(doc, tag, range),
            Event::Text(t) => self.text(doc, &t, range.start, true),
            Event::Code(t) => self.text(doc, &t, range.start, false),
            // HTML comments carry markers ("<!-- TODO -->") but are not heading or cell text.
            Event::Html(t) | Event::InlineHtml(t) => self.html(doc, &t, range.start),
            Event::TaskListMarker(checked) => {
                let line = doc.line_of(range.start);
                self.task = Some(CheckItem {
                    checked,
                    line,
                    text: String::new(),
                });
            }
            _ => {}
        }
    }

    fn start(&mut self, doc: &mut MdDoc, tag: Tag<'_>, range: std::ops::Range<usize>) {
        match tag {
            Tag::Heading { level, .. } => {
                self.heading = Some((level as u8, String::new(), range.start));
            }
            Tag::CodeBlock(kind) => {
                let line = doc.line_of(range.start);
                let (lang, content_line) = match kind {
                    CodeBlockKind::Fenced(info) => (first_word(&info), line + 1),
                    CodeBlockKind::Indented => (String::new(), line),
                };
                self.code = Some(CodeBlock {
                    lang,
                    line,
                    content_line,
                    end_line: line,
                    content: String::new(),
                });
            }
            Tag::Table(_) => {
                let line = doc.line_of(range.start);
                self.table = Some(Table {
                    line,
                    header: Vec::new(),
                    rows: Vec::new(),
                });
            }
            Tag::TableCell => self.cell = Some(String::new()),
            Tag::Item => doc.item_lines.push(doc.line_of(range.start)),
            Tag::Strikethrough => self.struck += 1,
            _ => {}
        }
    }

    fn end(&mut self, doc: &mut MdDoc, tag: TagEnd, range: std::ops::Range<usize>) {
        match tag {
            TagEnd::Heading(_) => {
                if let Some((level, title, start)) = self.heading.take() {
                    self.headings
                        .push((level, title.trim().to_string(), start, range.end));
                }
            }
            TagEnd::CodeBlock => {
                if let Some(mut c) = self.code.take() {
                    // The range ends after the closing fence's newline.
                    c.end_line = doc.line_of(range.end.saturating_sub(1)).max(c.line);
                    doc.code_blocks.push(c);
                }
            }
            TagEnd::TableCell => {
                let cell = self.cell.take().unwrap_or_default();
                self.row.push(cell.trim().to_string());
            }
            TagEnd::TableHead => {
                if let Some(t) = self.table.as_mut() {
                    t.header = std::mem::take(&mut self.row);
                }
            }
            TagEnd::TableRow => {
                let row = std::mem::take(&mut self.row);
                if let Some(t) = self.table.as_mut() {
                    t.rows.push(row);
                }
            }
            TagEnd::Table => doc.tables.extend(self.table.take()),
            TagEnd::Item => {
                if let Some(mut t) = self.task.take() {
                    t.text = t.text.trim().to_string();
                    doc.checklist.push(t);
                }
            }
            TagEnd::Strikethrough => self.struck = self.struck.saturating_sub(1),
            _ => {}
        }
    }

    fn text(&mut self, doc: &mut MdDoc, t: &str, offset: usize, prose: bool) {
        if let Some(c) = self.code.as_mut() {
            c.content.push_str(t);
            return;
        }
        for sink in [
            self.heading.as_mut().map(|h| &mut h.1),
            self.cell.as_mut(),
            self.task.as_mut().map(|k| &mut k.text),
        ]
        .into_iter()
        .flatten()
        {
            sink.push_str(t);
        }
        if prose && self.struck == 0 {
            for (kind, at) in markers_in(t) {
                let line = doc.line_of(offset + at.min(t.len()));
                let text = doc.line_text(line).trim().chars().take(160).collect();
                doc.markers.push(Marker { kind, line, text });
            }
        }
    }
}

impl Walker {
    fn html(&mut self, doc: &mut MdDoc, t: &str, offset: usize) {
        if self.code.is_none() && self.struck == 0 {
            for (kind, at) in markers_in(t) {
                let line = doc.line_of(offset + at.min(t.len()));
                let text = doc.line_text(line).trim().chars().take(160).collect();
                doc.markers.push(Marker { kind, line, text });
            }
        }
    }
}

fn first_word(info: &str) -> String {
    let w = info
        .split(|c: char| c.is_whitespace() || c == '{' || c == ',')
        .next();
    w.unwrap_or("").to_ascii_lowercase()
}

/// Turns the flat heading list into sections with parents and body ranges.
fn close_sections(doc: &mut MdDoc, headings: &[(u8, String, usize, usize)]) {
    let len = doc.text.len();
    let mut stack: Vec<usize> = Vec::new();
    for (i, (level, title, start, end)) in headings.iter().enumerate() {
        while let Some(&top) = stack.last() {
            if doc.sections[top].level < *level {
                break;
            }
            stack.pop();
            doc.sections[top].body.end = *start;
        }
        let own_end = headings.get(i + 1).map_or(len, |h| h.2);
        doc.sections.push(Section {
            level: *level,
            title: title.clone(),
            line: doc.line_of(*start),
            end_line: 0,
            parent: stack.last().copied(),
            body: *end..len,
            own_body: *end..own_end.max(*end),
        });
        stack.push(doc.sections.len() - 1);
    }
    let lines: Vec<u32> = doc
        .sections
        .iter()
        .map(|s| doc.line_of(s.body.end.saturating_sub(1)))
        .collect();
    for (s, end_line) in doc.sections.iter_mut().zip(lines) {
        s.end_line = end_line.max(s.line);
    }
}

/// Headings that name open questions: every list item under them is an
/// open question unless it says it was resolved.
fn open_question_sections(doc: &mut MdDoc) {
    const TITLES: [&str; 4] = [
        "open question",
        "unresolved question",
        "outstanding question",
        "open issue",
    ];
    let mut found = Vec::new();
    for s in &doc.sections {
        let title = s.title.to_ascii_lowercase();
        if !TITLES.iter().any(|t| find_word(&title, t).is_some()) {
            continue;
        }
        for &line in doc
            .item_lines
            .iter()
            .filter(|&&l| l > s.line && l <= s.end_line)
        {
            let text = doc.line_text(line).trim();
            let lower = text.to_ascii_lowercase();
            let resolved = ["resolved", "answered", "decided", "~~", "[x]"]
                .iter()
                .any(|w| lower.contains(w));
            if !resolved {
                found.push(Marker {
                    kind: MarkerKind::OpenQuestion,
                    line,
                    text: text.chars().take(160).collect(),
                });
            }
        }
    }
    // A heading "Open questions" already yields a marker from its own text;
    // keep only the items, which are the actual questions.
    if !found.is_empty() {
        let heading_lines: Vec<u32> = doc.sections.iter().map(|s| s.line).collect();
        doc.markers
            .retain(|m| m.kind != MarkerKind::OpenQuestion || !heading_lines.contains(&m.line));
    }
    doc.markers.extend(found);
}
