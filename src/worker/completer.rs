//! Group commit of completions: one task per shard records, in one
//! `fl_complete_many` call, every completion that arrived while the
//! previous call was in flight. Under light load a batch is one job and
//! nothing waits; under heavy load the per-call cost in Redis is shared.

use tokio::sync::{mpsc, oneshot};

use super::{PATIENCE, with_retry};
use crate::engine::{Completion, EngineError, Functions};

/// The most completions one call carries (bounded so one call stays short).
const MAX_BATCH: usize = 64;

struct Pending {
    completion: Completion,
    reply: oneshot::Sender<Result<(), EngineError>>,
}

/// Hands completions to their shard's task.
pub(super) struct Completer {
    shards: Vec<mpsc::UnboundedSender<Pending>>,
}

impl Completer {
    pub(super) fn start(fns: &Functions) -> Self {
        let shards = (0..fns.store.keys.shards())
            .map(|shard| {
                let (tx, rx) = mpsc::unbounded_channel();
                tokio::spawn(run(fns.clone(), shard, rx));
                tx
            })
            .collect();
        Completer { shards }
    }

    /// Records one completion; answers once its batch call answered.
    pub(super) async fn complete(&self, completion: Completion) -> Result<(), EngineError> {
        let shard = completion.lease.job.shard() as usize;
        let (reply, answer) = oneshot::channel();
        let sender = self
            .shards
            .get(shard)
            .ok_or_else(|| EngineError::Protocol(format!("no completer for shard {shard}")))?;
        sender
            .send(Pending { completion, reply })
            .map_err(|_| EngineError::Unavailable("the completer stopped".into()))?;
        answer
            .await
            .map_err(|_| EngineError::Unavailable("the completer stopped".into()))?
    }
}

async fn run(fns: Functions, shard: u16, mut rx: mpsc::UnboundedReceiver<Pending>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let completions: Vec<Completion> = batch.iter().map(|p| p.completion.clone()).collect();
        let answers = with_retry("complete", PATIENCE, || {
            fns.complete_many(shard, &completions)
        })
        .await;
        match answers {
            Ok(answers) => {
                for (pending, answer) in batch.drain(..).zip(answers) {
                    let _ = pending.reply.send(answer);
                }
            }
            Err(e) => {
                for pending in batch.drain(..) {
                    let _ = pending.reply.send(Err(e.clone()));
                }
            }
        }
    }
}
