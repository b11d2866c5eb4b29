//! The service's only source of time. Production reads the system clock; with
//! `SHONEN_DEV_CLOCK=1` an offset can be added so scheduled work runs as if time passed.
//! Sign-in tokens age on their own time ([`Clock::session_micros`]): the system clock,
//! which the dev clock does not move, so a month of game time in a test leaves its
//! tokens valid.

use chrono::{DateTime, Duration, Utc};
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Debug, Default)]
pub struct Clock {
    offset_micros: AtomicI64,
    /// Added to the system clock for token lifetimes only (`age_sessions`, tests).
    session_offset_micros: AtomicI64,
    /// Held while a new offset is saved and applied, so two moves never interleave.
    pub moving: tokio::sync::Mutex<()>,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::microseconds(self.offset_micros.load(Ordering::SeqCst))
    }

    /// Moves the clock forward; only reachable through the dev-clock route.
    pub fn advance(&self, seconds: i64) -> DateTime<Utc> {
        self.offset_micros
            .fetch_add(seconds.saturating_mul(1_000_000), Ordering::SeqCst);
        self.now()
    }

    pub fn now_micros(&self) -> i64 {
        self.now().timestamp_micros()
    }

    /// The time sign-in tokens are issued and expire on: the system clock, not moved
    /// by the dev clock.
    pub fn session_micros(&self) -> i64 {
        Utc::now().timestamp_micros() + self.session_offset_micros.load(Ordering::SeqCst)
    }

    /// Ages sign-in tokens by `seconds` (tests of token expiry; no route reaches it).
    pub fn age_sessions(&self, seconds: i64) {
        self.session_offset_micros
            .fetch_add(seconds.saturating_mul(1_000_000), Ordering::SeqCst);
    }
}

pub fn from_micros(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

impl Clock {
    pub fn set_offset_micros(&self, micros: i64) {
        self.offset_micros.store(micros, Ordering::SeqCst);
    }

    pub fn offset_micros(&self) -> i64 {
        self.offset_micros.load(Ordering::SeqCst)
    }
}
