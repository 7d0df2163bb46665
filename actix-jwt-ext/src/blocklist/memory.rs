//! [`InMemoryBlocklist`]: revoked `jti`s in a bounded map that forgets expired entries.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use futures_util::future::{ready, LocalBoxFuture};
use futures_util::FutureExt as _;

use super::{BlocklistError, TokenBlocklist};

/// A process-local blocklist, shared by all workers of one server (clone it freely).
///
/// Bounded: at most `capacity` entries (default 1,000,000). Entries whose token has expired are
/// dropped when the map fills up; when it is full of live entries, [`revoke`](TokenBlocklist::revoke)
/// fails with [`BlocklistError::Full`] instead of forgetting a revocation. For several processes,
/// use a shared store (Redis, a database) behind the same trait.
#[derive(Clone, Debug)]
pub struct InMemoryBlocklist {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    capacity: usize,
    entries: RwLock<HashMap<String, Option<SystemTime>>>,
}

impl Default for InMemoryBlocklist {
    fn default() -> Self {
        Self::with_capacity(1_000_000)
    }
}

impl InMemoryBlocklist {
    /// An empty store with the default capacity.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store holding at most `capacity` revoked tokens.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                capacity: capacity.max(1),
                entries: RwLock::default(),
            }),
        }
    }

    /// The number of entries currently held (expired ones included until purged).
    pub fn len(&self) -> usize {
        self.read(|m| m.len())
    }

    /// `true` when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `true` when one of `ids` is held and not yet expired.
    fn any(&self, ids: &[&str]) -> bool {
        self.read(|m| {
            !m.is_empty()
                && ids.iter().any(|id| {
                    m.get(*id)
                        .is_some_and(|until| until.is_none_or(|t| t > SystemTime::now()))
                })
        })
    }

    /// Drops the entries whose token has expired; returns how many were dropped.
    pub fn purge_expired(&self) -> usize {
        let now = SystemTime::now();
        self.write(|m| {
            let before = m.len();
            m.retain(|_, until| until.is_none_or(|t| t > now));
            before - m.len()
        })
    }

    fn read<R>(&self, f: impl FnOnce(&HashMap<String, Option<SystemTime>>) -> R) -> R {
        let guard = self
            .inner
            .entries
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&guard)
    }

    fn write<R>(&self, f: impl FnOnce(&mut HashMap<String, Option<SystemTime>>) -> R) -> R {
        let mut guard = self
            .inner
            .entries
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }

    /// Inserts `jti`; `Ok(false)` when it was already there.
    fn insert(&self, jti: &str, keep_until: Option<SystemTime>) -> Result<bool, BlocklistError> {
        let capacity = self.inner.capacity;
        self.write(|m| {
            if let Some(until) = m.get(jti) {
                if until.is_none_or(|t| t > SystemTime::now()) {
                    return Ok(false);
                }
            }
            if keep_until.is_some_and(|t| t <= SystemTime::now()) {
                return Ok(true); // already refused as expired; nothing to remember
            }
            if m.len() >= capacity && !m.contains_key(jti) {
                let now = SystemTime::now();
                m.retain(|_, until| until.is_none_or(|t| t > now));
                if m.len() >= capacity {
                    return Err(BlocklistError::Full { capacity });
                }
            }
            m.insert(jti.to_owned(), keep_until);
            Ok(true)
        })
    }
}

impl TokenBlocklist for InMemoryBlocklist {
    fn is_revoked<'a>(&'a self, jti: &'a str) -> LocalBoxFuture<'a, Result<bool, BlocklistError>> {
        let now = SystemTime::now();
        ready(Ok(self.read(|m| {
            m.get(jti).is_some_and(|u| u.is_none_or(|t| t > now))
        })))
        .boxed_local()
    }

    fn revoke<'a>(
        &'a self,
        jti: &'a str,
        keep_until: Option<SystemTime>,
    ) -> LocalBoxFuture<'a, Result<(), BlocklistError>> {
        ready(self.insert(jti, keep_until).map(|_| ())).boxed_local()
    }

    fn revoke_once<'a>(
        &'a self,
        id: &'a str,
        keep_until: Option<SystemTime>,
    ) -> LocalBoxFuture<'a, Result<bool, BlocklistError>> {
        ready(self.insert(id, keep_until)).boxed_local()
    }

    fn any_revoked_now(&self, ids: &[&str]) -> Option<Result<bool, BlocklistError>> {
        Some(Ok(self.any(ids)))
    }

    fn any_revoked<'a>(
        &'a self,
        ids: &'a [&'a str],
    ) -> LocalBoxFuture<'a, Result<bool, BlocklistError>> {
        ready(Ok(self.any(ids))).boxed_local()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn block<F: std::future::IntoFuture>(f: F) -> F::Output {
        futures_util::FutureExt::now_or_never(f.into_future()).expect("in-memory futures are ready")
    }

    #[test]
    fn remembers_until_expiry_and_stays_bounded() {
        let store = InMemoryBlocklist::with_capacity(2);
        let later = SystemTime::now() + Duration::from_secs(60);
        block(store.revoke("a", Some(later))).unwrap();
        block(store.revoke("b", None)).unwrap();
        assert!(block(store.is_revoked("a")).unwrap());
        assert!(!block(store.is_revoked("c")).unwrap());
        assert!(matches!(
            block(store.revoke("c", Some(later))),
            Err(BlocklistError::Full { capacity: 2 })
        ));
        assert!(
            block(store.is_revoked("a")).unwrap(),
            "a full store never forgets a live entry"
        );
    }

    #[test]
    fn expired_entries_make_room() {
        let store = InMemoryBlocklist::with_capacity(1);
        let soon = SystemTime::now() + Duration::from_millis(30);
        block(store.revoke("a", Some(soon))).unwrap();
        std::thread::sleep(Duration::from_millis(60));
        block(store.revoke("b", None)).unwrap();
        assert!(!block(store.is_revoked("a")).unwrap());
        assert!(block(store.is_revoked("b")).unwrap());
        assert_eq!(store.len(), 1);
        block(store.revoke("old", Some(SystemTime::UNIX_EPOCH))).unwrap();
        assert_eq!(store.len(), 1, "already expired tokens are not stored");
    }

    #[test]
    fn revoke_once_reports_the_first_call_only() {
        let store = InMemoryBlocklist::new();
        assert!(block(store.revoke_once("r", None)).unwrap());
        assert!(!block(store.revoke_once("r", None)).unwrap());
        assert!(block(store.any_revoked(&["x", "r"])).unwrap());
        assert!(!block(store.any_revoked(&["x", "y"])).unwrap());
    }
}
