//! Revocation: the [`TokenBlocklist`] trait and a bounded in-memory store.
//!
//! A store answers one question per request, "is this `jti` revoked?", and remembers revoked
//! `jti`s until the token would have expired anyway (its `exp` plus `JWT_DECODE_LEEWAY`).
//! Register a store with [`JwtManagerBuilder::blocklist`](crate::JwtManagerBuilder::blocklist);
//! it then serves as flask-jwt-extended's `token_in_blocklist_loader`, for access and refresh
//! tokens alike, and [`JwtManager::revoke`](crate::JwtManager::revoke) writes to it.
//!
//! ```
//! # actix_web::rt::System::new().block_on(async {
//! use actix_jwt_ext::{InMemoryBlocklist, JwtConfig, JwtManager, TokenBlocklist};
//!
//! let store = InMemoryBlocklist::new();
//! let jwt = JwtManager::builder(JwtConfig::builder().secret_key("s3cr3t").build()?)
//!     .blocklist(store.clone())
//!     .build()?;
//! let token = jwt.access_token("alice").encode().await?;
//! let decoded = jwt.decode_token(&token).await?;
//! jwt.revoke(&decoded).await?;
//! assert!(store.is_revoked(decoded.jti().unwrap()).await?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

mod memory;
#[cfg(feature = "redis")]
mod redis;

use std::time::SystemTime;

use futures_util::future::LocalBoxFuture;

pub use self::memory::InMemoryBlocklist;
#[cfg(feature = "redis")]
pub use self::redis::{RedisBlocklist, RedisBlocklistBuilder};

/// A store of revoked token ids (`jti`). Implement it for your database or cache; async, and
/// the futures need not be `Send` (Actix runs each worker on one thread).
///
/// Ids are `jti`s, plus two kinds of markers used by refresh-token rotation:
/// `family:<id>` (a revoked token family) and `retired:<jti>` (a refresh token already used).
pub trait TokenBlocklist: Send + Sync + 'static {
    /// `true` when `id` has been revoked.
    fn is_revoked<'a>(&'a self, id: &'a str) -> LocalBoxFuture<'a, Result<bool, BlocklistError>>;

    /// Revokes `id`. `keep_until` is when the token would be refused anyway (`exp` plus the
    /// leeway); `None` for tokens that never expire. The store may forget the entry after it.
    fn revoke<'a>(
        &'a self,
        id: &'a str,
        keep_until: Option<SystemTime>,
    ) -> LocalBoxFuture<'a, Result<(), BlocklistError>>;

    /// Revokes `id` unless it already is, atomically: `Ok(true)` when this call revoked it,
    /// `Ok(false)` when it was revoked before (refresh-token reuse detection relies on
    /// exactly one of two racing calls getting `true`).
    fn revoke_once<'a>(
        &'a self,
        id: &'a str,
        keep_until: Option<SystemTime>,
    ) -> LocalBoxFuture<'a, Result<bool, BlocklistError>>;

    /// The answer of [`any_revoked`](Self::any_revoked) when the store can give it at once,
    /// without I/O (an in-memory store); `None` (the default) means "ask `any_revoked`".
    fn any_revoked_now(&self, ids: &[&str]) -> Option<Result<bool, BlocklistError>> {
        let _ = ids;
        None
    }

    /// `true` when any of `ids` is revoked. Stores behind a network override this to answer in
    /// one round trip; the default asks [`is_revoked`](Self::is_revoked) for each.
    fn any_revoked<'a>(
        &'a self,
        ids: &'a [&'a str],
    ) -> LocalBoxFuture<'a, Result<bool, BlocklistError>> {
        Box::pin(async move {
            for id in ids {
                if self.is_revoked(id).await? {
                    return Ok(true);
                }
            }
            Ok(false)
        })
    }
}

/// The claim that names a token's family (see [`JwtManager::rotate_refresh_token`](crate::JwtManager::rotate_refresh_token)).
pub const FAMILY_CLAIM: &str = "fam";

/// The blocklist id that marks a whole token family revoked.
pub(crate) fn family_id(family: &str) -> String {
    format!("family:{family}")
}

/// The blocklist id that marks a refresh token as used (rotated).
pub(crate) fn retired_id(jti: &str) -> String {
    format!("retired:{jti}")
}

/// Why a blocklist could not answer. The crate turns it into a [`JwtError`](crate::JwtError) of
/// kind [`StoreUnavailable`](crate::ErrorKind::StoreUnavailable) (503), with this error as its
/// `source()`, rendered like every other error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BlocklistError {
    /// The store is full of entries that have not yet expired; nothing was dropped.
    #[error("the revocation store is full ({capacity} entries)")]
    Full {
        /// The configured capacity.
        capacity: usize,
    },
    /// The backend cannot be reached or failed.
    #[error("the revocation store is unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}
