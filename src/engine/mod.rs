//! The event-sourced job engine: events and their fold, the snapshot, job
//! ids, the Redis Functions library and its typed callers, and migrations.

pub mod crypto;
pub mod error;
pub mod events;
pub mod fold;
pub mod functions;
pub mod group_commit;
pub mod ids;
pub mod library;
pub mod migrate;
mod sealing;
pub mod snapshot;

pub use crypto::Keyring;
pub use error::EngineError;
pub use events::{Event, EventType};
pub use functions::{
    Completion, Functions, Hint, INLINE_ARTIFACT, Lease, Started, Submission, SubmitWait,
    Submitted, Taken, Ttls, WorkEntry, content_hash,
};
pub use ids::JobId;
pub use snapshot::{JobStatus, ResultSource, Snapshot, SnapshotHead};
