//! The JWT manager and its loaders (the guide's `src/common/utils.py`: `jwt = JWTManager()`).

use std::sync::Arc;

use actix_jwt_ext::jsonwebtoken::{Algorithm, AlgorithmFamily};
use actix_jwt_ext::{
    ConfigError, DecodedToken, InMemoryBlocklist, JwtConfig, JwtManager, KeySet, RedisBlocklist,
    TokenBlocklist,
};
use serde_json::{Map, Value};

use crate::settings::KeysDir;
use crate::users::{self, User};

/// Reads the key set of `JWT_KEYS_DIR`; RSA keys use `JWT_ALGORITHM` when it is an RSA
/// algorithm, RS256 otherwise.
pub(crate) fn key_set(keys: &KeysDir, algorithm: Algorithm) -> Result<KeySet, ConfigError> {
    let rsa = if algorithm.family() == AlgorithmFamily::Rsa {
        algorithm
    } else {
        Algorithm::RS256
    };
    KeySet::from_pem_dir(&keys.dir, rsa, keys.current.as_deref())
}

/// Reads `JWT_KEYS_DIR` again every `JWT_KEYS_RELOAD` seconds and swaps the key set in when
/// it changed. A directory that no longer reads as a key set keeps the previous keys (and
/// logs why).
pub(crate) async fn reload_keys(manager: JwtManager, keys: KeysDir, algorithm: Algorithm) {
    if keys.reload.is_zero() {
        return;
    }
    let mut seen = fingerprint(&manager);
    let mut tick = actix_web::rt::time::interval(keys.reload);
    tick.tick().await;
    loop {
        tick.tick().await;
        match key_set(&keys, algorithm) {
            Ok(set) => {
                let current = set.current_kid().map(str::to_owned);
                if let Err(e) = manager.replace_key_set(set) {
                    log::error!("JWT_KEYS_DIR: {e}");
                    return;
                }
                let now = fingerprint(&manager);
                if now != seen {
                    log::info!(
                        "JWT_KEYS_DIR: keys reloaded; current kid {}",
                        current.as_deref().unwrap_or("(none: verify only)")
                    );
                    seen = now;
                }
            }
            Err(e) => log::error!("JWT_KEYS_DIR: keeping the previous keys: {e}"),
        }
    }
}

/// What a key set publishes: its kids and public keys.
fn fingerprint(manager: &JwtManager) -> String {
    serde_json::to_string(&manager.jwks()).unwrap_or_default()
}

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
/// `key_set` replaces the configured key when `JWT_KEYS_DIR` is set.
pub(crate) fn manager(
    config: JwtConfig,
    store: Store,
    refresh_rotation: bool,
    key_set: Option<KeySet>,
) -> Result<JwtManager, ConfigError> {
    match store {
        Store::Memory(s) => build(config, s, refresh_rotation, key_set),
        Store::Redis(s) => build(config, s, refresh_rotation, key_set),
    }
}

fn build(
    config: JwtConfig,
    store: impl TokenBlocklist,
    refresh_rotation: bool,
    key_set: Option<KeySet>,
) -> Result<JwtManager, ConfigError> {
    let mut builder = JwtManager::builder(config);
    if let Some(set) = key_set {
        builder = builder.key_set(set);
    }
    builder
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
