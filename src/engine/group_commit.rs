//! Group commit: one task per shard sends, in one batch call, every request
//! that arrived while its previous call was in flight. Under light load a
//! batch is one request and nothing waits; under heavy load the per-call
//! cost in Redis (the call, one TIME, one feed entry) is shared. Submissions
//! and completions both go through it.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::EngineError;

/// The most requests one call carries (bounded so one call stays short).
pub const MAX_BATCH: usize = 64;

/// A batch call over one shard: one answer per item, in order.
pub trait BatchCall: Send + Sync + 'static {
    type Item: Send + 'static;
    type Answer: Send + 'static;
    fn call(
        &self,
        shard: u16,
        items: &[Self::Item],
    ) -> impl Future<Output = Result<Vec<Self::Answer>, EngineError>> + Send;
}

struct Pending<C: BatchCall> {
    item: C::Item,
    reply: oneshot::Sender<Result<C::Answer, EngineError>>,
}

/// Hands requests to their shard's task.
pub struct GroupCommit<C: BatchCall> {
    shards: Vec<mpsc::UnboundedSender<Pending<C>>>,
}

impl<C: BatchCall> GroupCommit<C> {
    /// Starts one task per shard on the current runtime.
    pub fn start(call: C, shards: u16) -> Self {
        let call = Arc::new(call);
        let shards = (0..shards)
            .map(|shard| {
                let (tx, rx) = mpsc::unbounded_channel();
                tokio::spawn(run(call.clone(), shard, rx));
                tx
            })
            .collect();
        GroupCommit { shards }
    }

    /// Sends one request; answers once its batch call answered. `None` when
    /// the shard's task is gone (its runtime shut down): call directly then.
    pub async fn send(&self, shard: u16, item: C::Item) -> Option<Result<C::Answer, EngineError>> {
        let (reply, answer) = oneshot::channel();
        self.shards
            .get(shard as usize)?
            .send(Pending { item, reply })
            .ok()?;
        answer.await.ok()
    }
}

async fn run<C: BatchCall>(call: Arc<C>, shard: u16, mut rx: mpsc::UnboundedReceiver<Pending<C>>) {
    let mut batch: Vec<Pending<C>> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let (items, replies): (Vec<_>, Vec<_>) = batch.drain(..).map(|p| (p.item, p.reply)).unzip();
        match call.call(shard, &items).await {
            Ok(answers) if answers.len() == replies.len() => {
                for (reply, answer) in replies.into_iter().zip(answers) {
                    let _ = reply.send(Ok(answer));
                }
            }
            Ok(answers) => {
                let e = EngineError::Protocol(format!(
                    "a batch of {} answered {}",
                    replies.len(),
                    answers.len()
                ));
                for reply in replies {
                    let _ = reply.send(Err(e.clone()));
                }
            }
            Err(e) => {
                for reply in replies {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }
}
