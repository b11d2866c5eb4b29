//! The in-process cache: strings with expiry, sorted sets, capped lists and
//! counters behind one mutex (never held across an await). Sorted sets are a score
//! map plus a sorted vector: rank and top are O(log n) / O(limit) reads, a score
//! change is a binary search plus a memmove — reads (every leaderboard request)
//! vastly outnumber writes.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Default)]
struct ZSet {
    scores: HashMap<String, i64>,
    /// Ascending by (score, member); the highest is last.
    order: Vec<(i64, String)>,
}

#[derive(Default)]
struct Inner {
    strings: HashMap<String, (String, Option<Instant>)>,
    zsets: HashMap<String, ZSet>,
    lists: HashMap<String, VecDeque<String>>,
}

#[derive(Default)]
pub struct Memory {
    inner: Mutex<Inner>,
}

impl Memory {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps half-updated in a
        // way that matters for a cache; keep serving.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, key: &str) -> Option<String> {
        let mut inner = self.lock();
        match inner.strings.get(key) {
            Some((_, Some(exp))) if *exp <= Instant::now() => {
                inner.strings.remove(key);
                None
            }
            Some((v, _)) => Some(v.clone()),
            None => None,
        }
    }

    pub fn set(&self, key: &str, value: &str, ttl: Option<Duration>, nx: bool) -> bool {
        if nx && self.get(key).is_some() {
            return false;
        }
        let exp = ttl.map(|t| Instant::now() + t);
        self.lock()
            .strings
            .insert(key.to_string(), (value.to_string(), exp));
        true
    }

    pub fn del(&self, key: &str) {
        let mut inner = self.lock();
        inner.strings.remove(key);
        inner.zsets.remove(key);
        inner.lists.remove(key);
    }

    pub fn zadd(&self, key: &str, member: &str, score: i64, nx: bool) {
        let mut inner = self.lock();
        let z = inner.zsets.entry(key.to_string()).or_default();
        if let Some(old) = z.scores.get(member).copied() {
            if nx {
                return;
            }
            if let Ok(i) = z.order.binary_search(&(old, member.to_string())) {
                z.order.remove(i);
            }
        }
        z.scores.insert(member.to_string(), score);
        let entry = (score, member.to_string());
        let at = z.order.binary_search(&entry).unwrap_or_else(|i| i);
        z.order.insert(at, entry);
    }

    /// Adds the members not present yet, sorting once (a rebuild of 100k members
    /// must not do 100k vector inserts).
    pub fn zadd_many_nx(&self, key: &str, members: &[(String, i64)]) {
        let mut inner = self.lock();
        let z = inner.zsets.entry(key.to_string()).or_default();
        for (member, score) in members {
            if !z.scores.contains_key(member) {
                z.scores.insert(member.clone(), *score);
                z.order.push((*score, member.clone()));
            }
        }
        z.order.sort_unstable();
    }

    pub fn zrem(&self, key: &str, member: &str) {
        let mut inner = self.lock();
        if let Some(z) = inner.zsets.get_mut(key)
            && let Some(old) = z.scores.remove(member)
            && let Ok(i) = z.order.binary_search(&(old, member.to_string()))
        {
            z.order.remove(i);
        }
    }

    pub fn ztop(&self, key: &str, limit: usize) -> Vec<(String, i64)> {
        let inner = self.lock();
        inner
            .zsets
            .get(key)
            .map(|z| {
                z.order
                    .iter()
                    .rev()
                    .take(limit)
                    .map(|(s, m)| (m.clone(), *s))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn zrank(&self, key: &str, member: &str) -> Option<(u64, i64)> {
        let inner = self.lock();
        let z = inner.zsets.get(key)?;
        let score = *z.scores.get(member)?;
        let at = z.order.binary_search(&(score, member.to_string())).ok()?;
        // Members ranked above: everything after it.
        Some(((z.order.len() - at - 1) as u64, score))
    }

    /// `incr` of a counter that starts from `floor` when it does not exist.
    pub fn incr_from(&self, key: &str, floor: i64) -> i64 {
        let mut inner = self.lock();
        let entry = inner
            .strings
            .entry(key.to_string())
            .or_insert_with(|| (floor.to_string(), None));
        let n = entry.0.parse::<i64>().unwrap_or(floor) + 1;
        entry.0 = n.to_string();
        n
    }

    pub fn incr(&self, key: &str) -> i64 {
        let mut inner = self.lock();
        let entry = inner
            .strings
            .entry(key.to_string())
            .or_insert_with(|| ("0".to_string(), None));
        let n = entry.0.parse::<i64>().unwrap_or(0) + 1;
        entry.0 = n.to_string();
        n
    }

    pub fn push_capped(&self, key: &str, item: &str, max: usize) {
        let mut inner = self.lock();
        let list = inner.lists.entry(key.to_string()).or_default();
        list.push_front(item.to_string());
        list.truncate(max);
    }

    pub fn list(&self, key: &str) -> Vec<String> {
        let inner = self.lock();
        inner
            .lists
            .get(key)
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default()
    }
}
