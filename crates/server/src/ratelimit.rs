//! Fixed-window request budgets per key (an IP, a player, a login name). Over budget
//! the caller gets 429 with `Retry-After` set to the seconds left in the window.
//! Per-address budgets key on `request::ClientIp` (trusted proxies aware: see
//! `http::client`).

use crate::clock::Clock;
use crate::error::ApiError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const WINDOW_SECS: i64 = 60;

pub struct RateLimiter {
    clock: Arc<Clock>,
    windows: Mutex<HashMap<String, (i64, u32)>>,
}

impl RateLimiter {
    pub fn new(clock: Arc<Clock>) -> RateLimiter {
        RateLimiter {
            clock,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Gives back one request counted for `key` in the current window (a login that
    /// turned out right: only failed ones use the address's budget).
    pub fn refund(&self, key: &str) {
        let now = self.clock.now().timestamp();
        let window = now - now.rem_euclid(WINDOW_SECS);
        let mut map = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = map.get_mut(key)
            && entry.0 == window
        {
            entry.1 = entry.1.saturating_sub(1);
        }
    }

    /// Counts one request for `key`; errs with 429 past `per_minute`.
    pub fn check(&self, key: &str, per_minute: u32) -> Result<(), ApiError> {
        let now = self.clock.now().timestamp();
        let window = now - now.rem_euclid(WINDOW_SECS);
        // A poisoned lock only means another request panicked mid-update; the counts
        // are still usable.
        let mut map = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (w, _)| *w == window);
        }
        let entry = map.entry(key.to_string()).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        if entry.1 >= per_minute {
            let retry = (window + WINDOW_SECS - now).max(1) as u64;
            metrics::counter!("shonen_rate_limited_total").increment(1);
            return Err(ApiError::too_many(retry));
        }
        entry.1 += 1;
        Ok(())
    }
}
