//! Hotspots: where problems concentrate (Redocly-style), for the score
//! breakdown and the report.

use std::collections::BTreeMap;

use super::{Hotspot, round1, severity_weight};
use crate::analysis::model::{Finding, Location};

/// The `limit` places with the most weighted failures (Redocly-style
/// hotspots): every location of every finding adds `severity weight ×
/// confidence` to its subject (the operation for OpenAPI pointers, else the
/// pointer itself). Only subjects where two or more rules fired count: a
/// hotspot is where problems concentrate, not a restatement of one finding.
pub(super) fn hotspots(findings: &[Finding], limit: usize) -> Vec<Hotspot> {
    let mut acc: BTreeMap<String, (f64, Vec<String>)> = BTreeMap::new();
    for finding in findings {
        let weight = severity_weight(finding.severity) * finding.confidence;
        if weight <= 0.0 {
            continue;
        }
        let locations = std::iter::once(&finding.location).chain(&finding.more_locations);
        for subject in locations.filter_map(subject_of) {
            let entry = acc.entry(subject).or_default();
            entry.0 += weight;
            if !entry.1.contains(&finding.rule_id) {
                entry.1.push(finding.rule_id.clone());
            }
        }
    }
    let mut spots: Vec<Hotspot> = acc
        .into_iter()
        .filter(|(_, (_, ids))| ids.len() > 1)
        .map(|(subject, (weight, finding_ids))| Hotspot {
            subject,
            weight: round1(weight),
            finding_ids,
        })
        .collect();
    // Stable: heaviest first, ties by subject (BTreeMap order is kept by the stable sort).
    spots.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    spots.truncate(limit);
    spots
}

/// What a location is about: `GET /pets` for an operation pointer, the
/// pointer for other subjects; `None` for document-level locations.
fn subject_of(location: &Location) -> Option<String> {
    // Whole-document locations say nothing about where problems concentrate.
    let pointer = location
        .pointer
        .as_deref()
        .filter(|p| !matches!(*p, "" | "/" | "document" | "architecture"))?;
    let mut parts = pointer.trim_start_matches('/').split('/');
    if pointer.starts_with("/paths/") {
        let _ = parts.next();
        let path = unescape(parts.next()?);
        return Some(match parts.next() {
            Some(method) if is_method(method) => format!("{} {path}", method.to_uppercase()),
            _ => path,
        });
    }
    Some(pointer.to_string())
}

fn is_method(segment: &str) -> bool {
    matches!(
        segment,
        "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
    )
}

/// RFC 6901 unescaping of one pointer segment.
fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}
