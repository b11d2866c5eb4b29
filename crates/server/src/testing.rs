//! What the capabilities' unit tests share: a real SQLite store in a temporary
//! folder and a newly registered player's row.

use crate::storage::{NewPlayer, Store};
use chrono::{DateTime, Utc};

/// A migrated SQLite store in a fresh temporary folder (kept while the folder is).
pub async fn temp_store(name: &str) -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join(format!("{name}.db")).display()
    );
    (Store::open(&url).await.unwrap(), dir)
}

/// A player of `class` registering at `now`, in UTC, with the default settings.
pub fn new_player(username: &str, class: &str, now: DateTime<Utc>) -> NewPlayer {
    NewPlayer {
        username: username.into(),
        email: format!("{username}@dojo.test"),
        password_hash: "not a hash".into(),
        class: class.into(),
        goals: [4, 3, 3],
        timezone: "UTC".into(),
        training_days: "mon,tue,thu,fri".into(),
        weekly_goal: 4,
        wake_target: "06:30".into(),
        now: now.timestamp_micros(),
        registered_on: now.date_naive().to_string(),
        chain_json: "{}".into(),
        idem_key: None,
    }
}
