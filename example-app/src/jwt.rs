//! The JWT manager and its loaders (the guide's `src/common/utils.py`: `jwt = JWTManager()`).

use std::sync::Arc;

use actix_jwt_ext::{
    ConfigError, DecodedToken, InMemoryBlocklist, JwtConfig, JwtManager, RedisBlocklist,
    TokenBlocklist,
};
use serde_json::{Map, Value};

use crate::users::{self, User};

/// The revocation store: Redis when `REDIS_URL` is set (keys prefixed with `REDIS_PREFIX`),
/// in memory otherwise.
///
/// With `REDIS_URL`, the app waits (at most two seconds) for Redis to answer. When it does not,
/// the app starts all the same, with a warning naming `REDIS_URL`: requests that need a
/// revocation check answer 503 `Service unavailable` until Redis is up, then everything works
/// without a restart. A `REDIS_URL` that is not a Redis URL stops the app (`Err`, naming it).
pub(crate) async fn blocklist(
    redis_url: Option<&str>,
    redis_prefix: Option<&str>,
) -> Result<Store, String> {
    let Some(url) = redis_url else {
        log::info!("revocation store: in memory (set REDIS_URL to share it between instances)");
        return Ok(Store::Memory(InMemoryBlocklist::new()));
    };
    let mut builder = RedisBlocklist::builder(url);
    if let Some(prefix) = redis_prefix {
        builder = builder.prefix(prefix);
    }
    match builder.clone().connect().await {
        Ok(store) => {
            log::info!("revocation store: Redis (REDIS_URL)");
            Ok(Store::Redis(store))
        }
        Err(e) => {
            let store = builder
                .connect_lazy()
                .map_err(|e| format!("REDIS_URL: {e}"))?;
            log::warn!(
                "REDIS_URL: Redis does not answer ({e}); starting anyway: requests that need a \
                 revocation check answer 503 until it does"
            );
            Ok(Store::Redis(store))
        }
    }
}

/// The revocation store chosen at startup.
#[derive(Debug)]
pub(crate) enum Store {
    /// This process only.
    Memory(InMemoryBlocklist),
    /// Shared by every instance using the same Redis.
    Redis(RedisBlocklist),
}

/// Builds the manager: `roles` in every token, the user lookup for `/me`, the revocation
/// `store` for `DELETE /logout`, and refresh-token rotation when `refresh_rotation` is on.
pub(crate) fn manager(
    config: JwtConfig,
    store: Store,
    refresh_rotation: bool,
) -> Result<JwtManager, ConfigError> {
    match store {
        Store::Memory(s) => build(config, s, refresh_rotation),
        Store::Redis(s) => build(config, s, refresh_rotation),
    }
}

fn build(
    config: JwtConfig,
    store: impl TokenBlocklist,
    refresh_rotation: bool,
) -> Result<JwtManager, ConfigError> {
    JwtManager::builder(config)
        .additional_claims_loader(|identity: &Value| {
            let roles = identity
                .as_str()
                .and_then(users::find)
                .map(|u| u.roles)
                .unwrap_or_default();
            let mut claims = Map::new();
            claims.insert("roles".into(), roles.into());
            claims
        })
        .user_lookup_loader(|token: Arc<DecodedToken>| async move {
            Ok::<Option<User>, _>(token.identity_str().and_then(users::find))
        })
        .blocklist(store)
        .refresh_rotation(refresh_rotation)
        .build()
}
