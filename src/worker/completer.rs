//! Completions go through a per-shard group commit: every completion that
//! finished while the shard's previous `fl_complete_many` call was in
//! flight is recorded by the next one.

use std::future::Future;

use super::{PATIENCE, with_retry};
use crate::engine::group_commit::{BatchCall, GroupCommit};
use crate::engine::{Completion, EngineError, Functions};

struct CompleteMany(Functions);

impl BatchCall for CompleteMany {
    type Item = Completion;
    type Answer = Result<(), EngineError>;

    fn call(
        &self,
        shard: u16,
        items: &[Completion],
    ) -> impl Future<Output = Result<Vec<Self::Answer>, EngineError>> + Send {
        with_retry("complete", PATIENCE, move || {
            self.0.complete_many(shard, items)
        })
    }
}

/// Hands completions to their shard's group commit.
pub(super) struct Completer(GroupCommit<CompleteMany>);

impl Completer {
    pub(super) fn start(fns: &Functions) -> Self {
        Completer(GroupCommit::start(
            CompleteMany(fns.clone()),
            fns.store.keys.shards(),
        ))
    }

    /// Records one completion; answers once its batch call answered.
    pub(super) async fn complete(&self, completion: Completion) -> Result<(), EngineError> {
        let shard = completion.lease.job.shard();
        match self.0.send(shard, completion).await {
            Some(answer) => answer?,
            None => Err(EngineError::Unavailable("the completer stopped".into())),
        }
    }
}
