//! Job ids: ULIDs (time-ordered, so the newest sort last) whose low 10
//! random bits are the job's shard, so an id alone locates its keys.

use std::fmt;
use std::str::FromStr;

use ulid::Ulid;

use crate::store::keys::MAX_SHARDS;

/// A job id. Parsing accepts any valid ULID (case-insensitive, at most
/// `7ZZZZZZZZZZZZZZZZZZZZZZZZZ`); the shard is read back from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(Ulid);

const SHARD_MASK: u128 = (MAX_SHARDS as u128) - 1;

impl JobId {
    /// A new id for a job on `shard`.
    pub fn generate(shard: u16) -> Self {
        let raw = Ulid::generate().0;
        JobId(Ulid((raw & !SHARD_MASK) | (shard as u128 & SHARD_MASK)))
    }

    pub fn shard(&self) -> u16 {
        (self.0.0 & SHARD_MASK) as u16
    }

    /// Creation time in milliseconds since the epoch.
    pub fn timestamp_ms(&self) -> u64 {
        self.0.timestamp_ms()
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A string that is not a job id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a job id (expected a 26-character ULID)")]
pub struct InvalidJobId(pub String);

impl FromStr for JobId {
    type Err = InvalidJobId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidJobId(s.chars().take(64).collect());
        // 26 base32 characters are 130 bits: a ULID's first one is at most
        // '7'. `Ulid::from_string` drops the overflow, so "8..." would read
        // as another job's id ("0..."): refuse it instead.
        if !s.starts_with(|c: char| ('0'..='7').contains(&c)) {
            return Err(invalid());
        }
        Ulid::from_string(s).map(JobId).map_err(|_| invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shard_survives_a_round_trip_through_text() {
        for shard in [0, 1, 7, 1023] {
            let id = JobId::generate(shard);
            let back: JobId = id.to_string().parse().unwrap();
            assert_eq!(back.shard(), shard);
            assert_eq!(back, id);
        }
    }

    #[test]
    fn garbage_is_refused() {
        assert!("not-a-job".parse::<JobId>().is_err());
        assert!("../../etc/passwd".parse::<JobId>().is_err());
    }

    #[test]
    fn ids_past_the_128_bit_range_are_refused_not_wrapped() {
        let valid: JobId = "71M8KECKN5MSHEF97FG9AE1B08".parse().unwrap();
        assert_eq!(valid.to_string(), "71M8KECKN5MSHEF97FG9AE1B08");
        for overflowing in [
            "81M8KECKN5MSHEF97FG9AE1B08",
            "Z1M8KECKN5MSHEF97FG9AE1B08",
            "z1m8keckn5mshef97fg9ae1b08",
        ] {
            assert!(overflowing.parse::<JobId>().is_err(), "{overflowing}");
        }
        assert!("".parse::<JobId>().is_err());
    }
}
