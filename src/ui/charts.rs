//! Charts drawn on the server as SVG from a result's chart data
//! (`{title, type: bar|line|pie, description, data: [{label, value}]}`), so
//! the same picture is inline in the job page, served alone as
//! `/ui/jobs/{id}/charts/{n}.svg` and linked from the Markdown report.
//! Every chart carries `<title>`/`<desc>` and prints its values as text, so
//! nothing is told by colour alone.

use std::f64::consts::PI;

use maud::{Markup, html};
use serde::Deserialize;

const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 280.0;
/// Colours with at least 4.5:1 contrast on white (WCAG AA for text too).
const PALETTE: [&str; 8] = [
    "#1f5f99", "#b3401d", "#2e7031", "#7a3e9d", "#8a5a00", "#00707a", "#a0306a", "#4a4a4a",
];

#[derive(Debug, Clone, Deserialize)]
pub struct ChartData {
    #[serde(default)]
    pub title: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub data: Vec<Point>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Point {
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub value: f64,
}

/// The charts of a result JSON (`result.charts`); malformed entries are skipped.
pub fn of_result(result: &serde_json::Value) -> Vec<ChartData> {
    result
        .get("charts")
        .and_then(|c| c.as_array())
        .map(|charts| {
            charts
                .iter()
                .filter_map(|c| serde_json::from_value(c.clone()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// One chart as a standalone SVG document; `id` keeps ids unique in a page.
pub fn svg(chart: &ChartData, id: &str) -> Markup {
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    let points: Vec<&Point> = chart.data.iter().filter(|p| p.value.is_finite()).collect();
    html! {
        svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"
            viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) width=(WIDTH) height=(HEIGHT)
            aria-labelledby=(format!("{title_id} {desc_id}")) {
            title id=(title_id) { (chart.title) }
            desc id=(desc_id) { (chart.description) " " (values_text(&points)) }
            rect width=(WIDTH) height=(HEIGHT) fill="#ffffff" {}
            text x="12" y="22" font-family="sans-serif" font-size="15" font-weight="bold" fill="#1a1a1a" {
                (chart.title)
            }
            @if points.is_empty() {
                text x=(WIDTH / 2.0) y=(HEIGHT / 2.0) text-anchor="middle" font-family="sans-serif"
                    font-size="13" fill="#1a1a1a" { "No data" }
            } @else {
                @match chart.kind.as_str() {
                    "pie" => (pie(&points)),
                    "line" => (line(&points)),
                    _ => (bars(&points)),
                }
            }
        }
    }
}

/// "label: value" pairs, for the description read by screen readers.
fn values_text(points: &[&Point]) -> String {
    points
        .iter()
        .map(|p| format!("{}: {}", p.label, number(p.value)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value without a useless ".0".
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}")
    }
}

/// Plot area below the title, with room for labels at the bottom.
const LEFT: f64 = 36.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = HEIGHT - 48.0;
const RIGHT: f64 = WIDTH - 12.0;

fn scale_max(points: &[&Point]) -> f64 {
    let max = points.iter().map(|p| p.value).fold(0.0, f64::max);
    if max <= 0.0 { 1.0 } else { max }
}

fn bars(points: &[&Point]) -> Markup {
    let max = scale_max(points);
    let slot = (RIGHT - LEFT) / points.len() as f64;
    let bar = (slot * 0.6).max(2.0);
    let labels = axis_labels(points);
    html! {
        line x1=(LEFT) y1=(BOTTOM) x2=(RIGHT) y2=(BOTTOM) stroke="#4a4a4a" {}
        @for (i, p) in points.iter().enumerate() {
            @let h = (p.value.max(0.0) / max) * (BOTTOM - TOP - 16.0);
            @let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
            @let cx = x + bar / 2.0;
            rect x=(fmt(x)) y=(fmt(BOTTOM - h)) width=(fmt(bar)) height=(fmt(h)) fill=(PALETTE[0]) {}
            text x=(fmt(cx)) y=(fmt(BOTTOM - h - 4.0)) text-anchor="middle" font-family="sans-serif"
                font-size="12" fill="#1a1a1a" { (number(p.value)) }
            (axis_label(cx, i, &p.label, &labels[i], points.len()))
        }
    }
}

fn line(points: &[&Point]) -> Markup {
    let max = scale_max(points);
    let step = if points.len() > 1 {
        (RIGHT - LEFT - 20.0) / (points.len() - 1) as f64
    } else {
        0.0
    };
    let coords: Vec<(f64, f64)> = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x = LEFT + 10.0 + step * i as f64;
            let y = BOTTOM - (p.value.max(0.0) / max) * (BOTTOM - TOP - 16.0);
            (x, y)
        })
        .collect();
    let path = coords
        .iter()
        .map(|(x, y)| format!("{},{}", fmt(*x), fmt(*y)))
        .collect::<Vec<_>>()
        .join(" ");
    let labels = axis_labels(points);
    html! {
        line x1=(LEFT) y1=(BOTTOM) x2=(RIGHT) y2=(BOTTOM) stroke="#4a4a4a" {}
        polyline points=(path) fill="none" stroke=(PALETTE[0]) stroke-width="2" {}
        @for (i, ((x, y), p)) in coords.iter().zip(points).enumerate() {
            circle cx=(fmt(*x)) cy=(fmt(*y)) r="3.5" fill=(PALETTE[0]) {}
            text x=(fmt(*x)) y=(fmt(y - 8.0)) text-anchor="middle" font-family="sans-serif"
                font-size="12" fill="#1a1a1a" { (number(p.value)) }
            (axis_label(*x, i, &p.label, &labels[i], points.len()))
        }
    }
}

/// Labels under the axis (`shown`, from [`axis_labels`]; the whole `label`
/// as its tooltip); with many points every other one is lowered so
/// neighbours do not overlap.
fn axis_label(x: f64, i: usize, label: &str, shown: &str, n: usize) -> Markup {
    let y = BOTTOM + 16.0 + if n > 6 && i % 2 == 1 { 14.0 } else { 0.0 };
    let max_chars = if n > 6 { 10 } else { 16 };
    html! {
        text x=(fmt(x)) y=(fmt(y)) text-anchor="middle" font-family="sans-serif" font-size="11"
            fill="#1a1a1a" { title { (label) } (short(shown, max_chars)) }
    }
}

/// The axis labels without the words they all start with ("Operations
/// with security", "Operations with error responses" → "security", "error
/// responses"): cut short, they would all read the same.
fn axis_labels(points: &[&Point]) -> Vec<String> {
    let words: Vec<Vec<&str>> = points
        .iter()
        .map(|p| p.label.split(' ').collect())
        .collect();
    let shortest = words.iter().map(Vec::len).min().unwrap_or(0);
    let common = (0..shortest.saturating_sub(1))
        .take_while(|&i| words.len() > 1 && words.iter().all(|w| w[i] == words[0][i]))
        .count();
    words.iter().map(|w| w[common..].join(" ")).collect()
}

fn pie(points: &[&Point]) -> Markup {
    let total: f64 = points.iter().map(|p| p.value.max(0.0)).sum();
    let (cx, cy, r) = (130.0, 155.0, 100.0);
    let mut angle = -PI / 2.0;
    html! {
        @if total <= 0.0 {
            circle cx=(cx) cy=(cy) r=(r) fill="none" stroke="#4a4a4a" {}
        }
        @for (i, p) in points.iter().enumerate() {
            @let share = p.value.max(0.0) / total.max(f64::MIN_POSITIVE);
            @let colour = PALETTE[i % PALETTE.len()];
            @if share >= 0.9999 {
                circle cx=(cx) cy=(cy) r=(r) fill=(colour) {}
            } @else if share > 0.0 {
                @let start = angle;
                @let end = { angle += share * 2.0 * PI; angle };
                path d=(arc(cx, cy, r, start, end)) fill=(colour) stroke="#ffffff" stroke-width="1" {}
            }
            @let ly = 50.0 + i as f64 * 22.0;
            rect x="260" y=(fmt(ly - 11.0)) width="14" height="14" fill=(colour) {}
            text x="280" y=(fmt(ly)) font-family="sans-serif" font-size="12" fill="#1a1a1a" {
                (short(&p.label, 22)) ": " (number(p.value))
                @if total > 0.0 { " (" (format!("{:.0}", share * 100.0)) "%)" }
            }
        }
    }
}

fn arc(cx: f64, cy: f64, r: f64, start: f64, end: f64) -> String {
    let (x1, y1) = (cx + r * start.cos(), cy + r * start.sin());
    let (x2, y2) = (cx + r * end.cos(), cy + r * end.sin());
    let large = if end - start > PI { 1 } else { 0 };
    format!(
        "M{},{} L{},{} A{r},{r} 0 {large} 1 {},{} Z",
        fmt(cx),
        fmt(cy),
        fmt(x1),
        fmt(y1),
        fmt(x2),
        fmt(y2)
    )
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_labels_drop_the_words_they_all_start_with() {
        let point = |label: &str| Point {
            label: label.to_string(),
            value: 1.0,
        };
        let coverage = [
            point("Operations with security"),
            point("Operations with error responses"),
            point("Operations with 429"),
        ];
        let refs: Vec<&Point> = coverage.iter().collect();
        assert_eq!(axis_labels(&refs), ["security", "error responses", "429"]);
        let other = [point("Critical"), point("High")];
        let refs: Vec<&Point> = other.iter().collect();
        assert_eq!(axis_labels(&refs), ["Critical", "High"]);
        let one = [point("Operations with security")];
        let refs: Vec<&Point> = one.iter().collect();
        assert_eq!(axis_labels(&refs), ["Operations with security"]);
    }

    fn chart(kind: &str, data: &[(&str, f64)]) -> ChartData {
        ChartData {
            title: "T <x>".into(),
            kind: kind.into(),
            description: "D".into(),
            data: data
                .iter()
                .map(|(l, v)| Point {
                    label: l.to_string(),
                    value: *v,
                })
                .collect(),
        }
    }

    #[test]
    fn each_kind_draws_its_marks_with_escaped_labels_and_values_in_the_description() {
        let data = [("High", 3.0), ("Low", 1.0)];
        let bar = svg(&chart("bar", &data), "c0").into_string();
        assert_eq!(bar.matches("<rect").count(), 3, "background + 2 bars");
        assert!(bar.contains("<title id=\"c0-title\">T &lt;x&gt;</title>"));
        assert!(bar.contains("High: 3, Low: 1"));
        let line = svg(&chart("line", &data), "c1").into_string();
        assert!(line.contains("<polyline"));
        assert_eq!(line.matches("<circle").count(), 2);
        let pie = svg(&chart("pie", &data), "c2").into_string();
        assert_eq!(pie.matches("<path").count(), 2);
        assert!(pie.contains("High: 3 (75%)"));
    }

    #[test]
    fn degenerate_data_draws_without_nan() {
        for kind in ["bar", "line", "pie"] {
            for data in [
                &[][..],
                &[("a", 0.0)][..],
                &[("a", 5.0)][..],
                &[("a", f64::NAN)][..],
            ] {
                let out = svg(&chart(kind, data), "c").into_string();
                assert!(
                    !out.contains("NaN") && !out.contains("inf"),
                    "{kind} {data:?}: {out}"
                );
            }
        }
    }
}
