//! Content this process submitted lately, remembered by hash in a small
//! fixed table. A large artifact seen before is likely a cache hit or an
//! attach, so its submission goes first without the bytes; one never seen
//! is likely new, so its bytes go with the first call instead of after a
//! `need_artifact` answer. A wrong guess costs a round trip or a redundant
//! write, never correctness, so collisions simply overwrite.

use std::sync::atomic::{AtomicU64, Ordering};

/// Slots in the table (a power of two): 32 KB.
const SLOTS: usize = 4096;

pub(super) struct RecentContent {
    slots: Box<[AtomicU64]>,
}

impl Default for RecentContent {
    fn default() -> Self {
        RecentContent {
            slots: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl RecentContent {
    /// Whether `hash` (hex SHA-256) was recorded and not overwritten since.
    pub(super) fn contains(&self, hash: &str) -> bool {
        let (slot, tag) = place(hash);
        self.slots[slot].load(Ordering::Relaxed) == tag
    }

    pub(super) fn record(&self, hash: &str) {
        let (slot, tag) = place(hash);
        self.slots[slot].store(tag, Ordering::Relaxed);
    }
}

/// The slot and the tag kept in it, from independent bits of the hash.
fn place(hash: &str) -> (usize, u64) {
    let bits = |range: std::ops::Range<usize>| {
        hash.get(range)
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            .unwrap_or(0)
    };
    // A zero tag would read as an empty slot.
    ((bits(0..8) as usize) & (SLOTS - 1), bits(8..24) | 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::content_hash;

    #[test]
    fn remembers_what_it_recorded_and_nothing_else() {
        let recent = RecentContent::default();
        let (a, b) = (content_hash("a"), content_hash("b"));
        assert!(!recent.contains(&a));
        recent.record(&a);
        assert!(recent.contains(&a));
        assert!(!recent.contains(&b));
    }

    #[test]
    fn a_malformed_hash_does_not_panic() {
        let recent = RecentContent::default();
        recent.record("not hex");
        recent.record("");
        let _ = recent.contains("é");
    }
}
