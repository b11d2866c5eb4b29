//! Cache writes that failed while the cache was unreachable, kept to be replayed
//! (`services::hot::PlayerCaches::repair`) once it answers again.

use std::collections::HashSet;
use std::sync::Mutex;

/// Work left undone while the cache was unreachable.
#[derive(Default)]
pub struct Repairs {
    inner: Mutex<(HashSet<i64>, Vec<String>)>,
}

impl Repairs {
    fn lock(&self) -> std::sync::MutexGuard<'_, (HashSet<i64>, Vec<String>)> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn player(&self, id: i64) {
        self.lock().0.insert(id);
    }

    pub fn key(&self, key: String) {
        self.lock().1.push(key);
    }

    pub fn take(&self) -> (HashSet<i64>, Vec<String>) {
        std::mem::take(&mut *self.lock())
    }

    pub fn is_empty(&self) -> bool {
        let g = self.lock();
        g.0.is_empty() && g.1.is_empty()
    }
}
