//! The `faultline` Redis Functions library, assembled from `migrations-lua/`:
//! the shared helpers in `lib/` first, then the numbered files in order, then
//! a generated `fl_version` that reports the library's version and checksum.

use sha2::{Digest, Sha256};

/// One numbered file of `migrations-lua/`.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub source: &'static str,
}

macro_rules! lua {
    ($path:literal) => {
        ($path, include_str!(concat!("../../migrations-lua/", $path)))
    };
}

/// Shared helpers, included ahead of every function.
pub const INCLUDES: &[(&str, &str)] = &[lua!("lib/util.lua"), lua!("lib/fold.lua")];

const FILES: &[(&str, &str)] = &[
    lua!("001_submit.lua"),
    lua!("002_start.lua"),
    lua!("003_progress.lua"),
    lua!("004_complete.lua"),
    lua!("005_fail.lua"),
    lua!("006_cancel.lua"),
    lua!("007_feedback.lua"),
    lua!("008_maintain.lua"),
    lua!("009_fold.lua"),
    lua!("010_rebuild.lua"),
    lua!("011_take.lua"),
    lua!("012_complete_many.lua"),
    lua!("013_submit_many.lua"),
    lua!("014_large_payloads.lua"),
    lua!("015_artifacts_by_caller.lua"),
    lua!("016_artifacts_on_demand.lua"),
    lua!("017_job_lifetimes.lua"),
    lua!("018_fenced_heartbeat.lua"),
    lua!("019_rebuild_malformed_events.lua"),
    lua!("020_progress_once_artifact_kept.lua"),
    lua!("021_log_outlives_snapshot.lua"),
    lua!("022_waiting_jobs_outlive_job_expiration.lua"),
    lua!("023_no_job_without_its_artifact.lua"),
];

/// The numbered migrations this binary knows, in order.
pub fn migrations() -> Vec<Migration> {
    FILES
        .iter()
        .map(|(name, source)| Migration {
            version: name[..3]
                .parse()
                .expect("migration files start with a 3-digit number"),
            name,
            source,
        })
        .collect()
}

/// The newest migration this binary knows.
pub fn version() -> u32 {
    migrations().last().map_or(0, |m| m.version)
}

fn body() -> String {
    let mut text = String::from("#!lua name=faultline\n");
    for (name, source) in INCLUDES.iter().chain(FILES) {
        text.push_str(&format!("\n-- ===== {name} =====\n{source}\n"));
    }
    text
}

/// First 16 hex digits of the SHA-256 of the library body.
pub fn checksum() -> String {
    hex::encode(&Sha256::digest(body().as_bytes())[..8])
}

/// The full library text for `FUNCTION LOAD`.
pub fn source() -> String {
    format!(
        "{}\nredis.register_function{{function_name='fl_version', callback=function() return '{}:{}' end, flags={{'no-writes'}}}}\n",
        body(),
        version(),
        checksum()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lua_file_in_the_folder_is_part_of_the_library() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations-lua");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .chain(std::fs::read_dir(format!("{dir}/lib")).unwrap())
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "lua"))
            .map(|p| {
                p.strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .trim_start_matches('/')
                    .to_string()
            })
            .collect();
        on_disk.sort();
        let mut known: Vec<String> = INCLUDES
            .iter()
            .chain(FILES)
            .map(|(n, _)| n.to_string())
            .collect();
        known.sort();
        assert_eq!(on_disk, known);
    }

    #[test]
    fn migrations_are_numbered_without_gaps() {
        let versions: Vec<u32> = migrations().iter().map(|m| m.version).collect();
        assert_eq!(versions, (1..=versions.len() as u32).collect::<Vec<_>>());
    }
}
