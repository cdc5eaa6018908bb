//! Open event streams per client: each holds a Redis connection and a
//! socket, so one client (an API key, else an IP address) may hold at most
//! `MAX_EVENT_STREAMS_PER_CLIENT` of the `MAX_EVENT_STREAMS` in total.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Who the request guard decided the caller is (`key:<hash prefix>` or
/// `ip:<address>`), put in the request's extensions for the handlers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientId(pub String);

pub struct ClientStreams {
    max: usize,
    open: Mutex<HashMap<String, usize>>,
}

/// One client's slot; released when the stream ends (dropped).
pub struct ClientStreamPermit {
    owner: Arc<ClientStreams>,
    client: String,
}

impl ClientStreams {
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(ClientStreams {
            max,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A slot for `client`, or None when it already holds `max`.
    pub fn try_acquire(self: &Arc<Self>, client: &ClientId) -> Option<ClientStreamPermit> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(client.0.clone()).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(ClientStreamPermit {
            owner: self.clone(),
            client: client.0.clone(),
        })
    }
}

impl Drop for ClientStreamPermit {
    fn drop(&mut self) {
        let mut open = self.owner.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                // Forget idle clients: the map holds only open streams.
                open.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_client_has_its_own_allowance_released_on_drop() {
        let streams = ClientStreams::new(2);
        let (a, b) = (ClientId("ip:10.0.0.1".into()), ClientId("key:abc".into()));
        let first = streams.try_acquire(&a).unwrap();
        let _second = streams.try_acquire(&a).unwrap();
        assert!(streams.try_acquire(&a).is_none());
        assert!(streams.try_acquire(&b).is_some());
        drop(first);
        assert!(streams.try_acquire(&a).is_some());
        assert!(streams.open.lock().unwrap().get("key:abc").is_none());
    }
}
