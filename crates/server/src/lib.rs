//! The Shonen Training Tracker service: REST API, storage (SQLite or PostgreSQL),
//! the durable job system and the day-end evaluation. The game's rules live in the
//! pure `shonen-rules` crate; this crate does the I/O around them.

pub mod accounts;
pub mod alloc;
pub mod app;
pub mod battles;
pub mod cache;
pub mod clock;
pub mod config;
pub mod duels;
pub mod error;
pub mod events;
pub mod extract;
pub mod grpc;
pub mod http;
pub mod idempotency;
pub mod images;
pub mod jobs;
pub mod leaderboards;
pub mod ledger;
pub mod links;
pub mod local;
pub mod media;
pub mod model;
pub mod objects;
pub mod player;
pub mod player_rows;
pub mod progress;
pub mod ratelimit;
pub mod readiness;
pub mod request;
pub mod serve;
pub mod services;
pub mod starting;
pub mod state;
pub mod storage;
#[cfg(test)]
mod testing;
pub mod validate;

pub use app::Application;
pub use config::Config;
