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
                // Redis did not answer: what queued up meanwhile has waited
                // out one timeout already, and would wait out another.
                // Answered at once, and surely not applied (never sent).
                if e.is_unavailable() {
                    while let Ok(waiting) = rx.try_recv() {
                        let _ = waiting.reply.send(Err(e.clone()));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::{BatchCall, EngineError, GroupCommit};

    /// A call that fails after a while, as a call to a stalled Redis does.
    struct Stalled(AtomicUsize);

    impl BatchCall for std::sync::Arc<Stalled> {
        type Item = u32;
        type Answer = u32;
        async fn call(&self, _shard: u16, _items: &[u32]) -> Result<Vec<u32>, EngineError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(200)).await;
            Err(EngineError::Unavailable("timed out".into()))
        }
    }

    #[tokio::test]
    async fn requests_queued_behind_a_call_redis_did_not_answer_fail_with_it() {
        let stalled = std::sync::Arc::new(Stalled(AtomicUsize::new(0)));
        let commit = std::sync::Arc::new(GroupCommit::start(stalled.clone(), 1));
        let first = tokio::spawn({
            let commit = commit.clone();
            async move { commit.send(0, 1).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        // Arrives while the first call is in flight.
        let second = commit.send(0, 2).await.expect("answered");
        assert!(second.is_err_and(|e| e.is_unavailable()));
        assert!(first.await.unwrap().expect("answered").is_err());
        assert_eq!(
            stalled.0.load(Ordering::SeqCst),
            1,
            "the second was never sent"
        );
        // A request after the failure is sent again.
        assert!(commit.send(0, 3).await.expect("answered").is_err());
        assert_eq!(stalled.0.load(Ordering::SeqCst), 2);
    }
}
