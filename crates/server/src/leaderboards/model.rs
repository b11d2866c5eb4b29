//! Leaderboards' domain types and results. What a client names is parsed once: a
//! `Scope` is one of the three boards (a class board with its class), a `Limit` a
//! page size of 1–100 (50 when not given). Beside them the query as it arrives (its
//! OpenAPI parameters are the contract's), the typed page a read answers, and the
//! data of the `leaderboard` real-time event.

use super::error::LeaderboardsError;
use serde::ser::{Error as _, SerializeStruct};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use shonen_rules::Class;
use std::sync::Arc;

// ---------------------------------------------------------------------------
// The query, as the client sends it (REST query string; gRPC fields read into it).

/// Raw query parameters; validated into a `Scope` and a `Limit` (422 naming the
/// field).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct BoardQuery {
    /// `global` (default), `weekly` or `class`.
    #[param(value_type = Option<crate::model::BoardScope>)]
    pub scope: Option<String>,
    /// Required with `scope=class`, refused without it.
    #[param(value_type = Option<crate::model::ClassName>)]
    pub class: Option<String>,
    /// 1–100, default 50.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

// ---------------------------------------------------------------------------
// Domain types.

/// Which board a reader asks for. The weekly board is the reader's own current
/// local week, so it is resolved per caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Weekly,
    Class(Class),
}

impl Scope {
    /// `scope` (default `global`) and `class`, which is required for, and only
    /// allowed with, `scope=class`.
    pub fn parse(scope: Option<&str>, class: Option<&str>) -> Result<Scope, LeaderboardsError> {
        match scope.unwrap_or("global") {
            "global" | "weekly" if class.is_some() => Err(LeaderboardsError::UnexpectedClass),
            "global" => Ok(Scope::Global),
            "weekly" => Ok(Scope::Weekly),
            "class" => class
                .and_then(Class::parse)
                .map(Scope::Class)
                .ok_or(LeaderboardsError::InvalidClass),
            _ => Err(LeaderboardsError::InvalidScope),
        }
    }
}

/// How many entries a page shows: 1–100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limit(usize);

impl Limit {
    pub const DEFAULT: Limit = Limit(50);
    pub const MAX: usize = 100;

    /// A decimal count of 1–100; absent means `DEFAULT`.
    pub fn parse(limit: Option<&str>) -> Result<Limit, LeaderboardsError> {
        match limit {
            None => Ok(Limit::DEFAULT),
            Some(s) => s
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=Limit::MAX).contains(n))
                .map(Limit)
                .ok_or(LeaderboardsError::InvalidLimit),
        }
    }

    pub fn get(self) -> usize {
        self.0
    }
}

// ---------------------------------------------------------------------------
// Results.

/// One row of a page. Fields in the order the contract's JSON has always had
/// them (alphabetical), so pages stay byte-identical.
#[derive(Debug, Serialize)]
pub(super) struct Entry<'a> {
    pub class: &'a str,
    pub level: u32,
    pub rank: usize,
    pub username: &'a str,
    /// The board's score: all-time XP, or this week's on the weekly board.
    pub xp: i64,
}

/// The caller on the board: `rank` 1-based, `None` (and `xp` 0) when not on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Me {
    pub rank: Option<i64>,
    pub xp: i64,
}

impl Me {
    pub const ABSENT: Me = Me { rank: None, xp: 0 };
}

/// Where a page was read from. A page from the cache means the cache answers
/// again, which is the adapters' cue to replay repairs an outage left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Cache,
    /// The cache failed; the page is the database's truth.
    Database,
}

/// A leaderboard page: `{entries: [{rank, username, class, level, xp}], me}`. The
/// top is kept as rendered JSON text (`[Entry]`): it is shared by every reader of
/// the same board revision and spliced into the answer, never re-rendered.
#[derive(Debug, Clone)]
pub struct Page {
    entries: Arc<str>,
    pub me: Me,
    pub source: Source,
}

impl Page {
    pub(super) fn new(entries: Arc<str>, me: Me, source: Source) -> Page {
        Page {
            entries,
            me,
            source,
        }
    }

    /// The contract's JSON text of the page (what `GET /api/v1/leaderboard` sends).
    pub fn to_json(&self) -> String {
        let rank = match self.me.rank {
            Some(r) => r.to_string(),
            None => "null".into(),
        };
        format!(
            "{{\"entries\":{},\"me\":{{\"rank\":{rank},\"xp\":{}}}}}",
            self.entries, self.me.xp
        )
    }

    /// The top as its JSON text.
    pub fn entries_json(&self) -> &str {
        &self.entries
    }
}

/// The same JSON as `to_json` (the gRPC adapter converts through it).
impl Serialize for Page {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let entries: &RawValue = serde_json::from_str(&self.entries).map_err(S::Error::custom)?;
        let mut page = s.serialize_struct("Page", 2)?;
        page.serialize_field("entries", entries)?;
        page.serialize_field("me", &self.me)?;
        page.end()
    }
}

/// The data of a `leaderboard` event: which board's top changed. Every week's
/// board is `weekly` (it is the current board of the players in that week). Fields
/// alphabetical, as the event has always been sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BoardChanged {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    pub scope: &'static str,
}
