//! Use cases: each public function is one thing a player does, in one transaction,
//! calling the pure rules and the storage interface.

pub mod activities;
pub mod dashboard;
pub mod hot;
pub mod progress;
pub mod villains;
