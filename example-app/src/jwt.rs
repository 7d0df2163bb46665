//! The JWT manager and its loaders (the guide's `src/common/utils.py`: `jwt = JWTManager()`).

use std::sync::Arc;

use actix_jwt_ext::jsonwebtoken::{Algorithm, AlgorithmFamily};
use actix_jwt_ext::{
    ConfigError, DecodedToken, ErrorKind, InMemoryBlocklist, JwtConfig, JwtError, JwtManager,
    KeySet, RedisBlocklist, TokenBlocklist,
};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::{json, Map, Value};

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
/// it changed. A directory that no longer reads as a key set keeps the previous keys, and logs
/// why once (until the directory changes again).
///
/// Every tick looks at the `.pem` entries only (`stat`, which never blocks nor reads a file):
/// the files are read again only when one was added, removed or changed. Both happen on
/// Actix's blocking thread pool, never on the thread that serves requests; the library refuses
/// what is not a regular key file (a FIFO, a device, a file over
/// [`KeySet::MAX_PEM_FILE_SIZE`], a file of two PEM blocks) without blocking on it.
pub(crate) async fn reload_keys(manager: JwtManager, keys: KeysDir, algorithm: Algorithm) {
    if keys.reload.is_zero() {
        return;
    }
    let keys = Arc::new(keys);
    let mut seen = fingerprint(&manager);
    // `None` at first: the first tick reads the files, in case they changed since startup.
    let mut listed: Option<Listing> = None;
    let mut last_error: Option<String> = None;
    loop {
        // A pause after each look, however long it took: no burst of catch-up reads.
        actix_web::rt::time::sleep(keys.reload).await;
        let task_keys = Arc::clone(&keys);
        let previous = listed.clone();
        let read = actix_web::rt::task::spawn_blocking(move || -> Result<Read, String> {
            let now = listing(&task_keys.dir)?;
            if previous.as_ref() == Some(&now) {
                return Ok((now, None));
            }
            let set = key_set(&task_keys, algorithm).map_err(|e| e.to_string());
            Ok((now, Some(set)))
        })
        .await;
        let (now, set) = match read {
            Ok(Ok(read)) => read,
            Ok(Err(e)) => {
                log_once(&mut last_error, format!("keeping the previous keys: {e}"));
                continue;
            }
            Err(e) => {
                log_once(&mut last_error, format!("the reload task failed: {e}"));
                continue;
            }
        };
        listed = Some(now);
        match set {
            // Nothing changed since the last read.
            None => {}
            Some(Ok(set)) => {
                last_error = None;
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
            // Logged once per change of the directory: the files are not read again before.
            Some(Err(e)) => {
                last_error = Some(format!("keeping the previous keys: {e}"));
                log::error!("JWT_KEYS_DIR: keeping the previous keys: {e}");
            }
        }
    }
}

/// What a tick of [`reload_keys`] found: the listing, and the key set when the files were
/// read (they were not, when the listing is the one of the last read).
type Read = (Listing, Option<Result<KeySet, String>>);

/// Logs `error` unless it is the one logged last.
fn log_once(last: &mut Option<String>, error: String) {
    if last.as_deref() != Some(error.as_str()) {
        log::error!("JWT_KEYS_DIR: {error}");
        *last = Some(error);
    }
}

/// What the `.pem` entries of the directory look like, without reading them: name, type,
/// size, modification time and, on Unix, device, inode and status-change time (which a copy
/// keeping the modification time still changes), sorted by name.
type Listing = Vec<(std::ffi::OsString, Stamp)>;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Stamp {
    /// `stat` failed (a dangling symbolic link...): reading the file will say why.
    Unreadable(String),
    File {
        is_file: bool,
        len: u64,
        modified: Option<std::time::SystemTime>,
        #[cfg(unix)]
        node: (u64, u64, i64, i64),
    },
}

/// The [`Listing`] of `dir`.
fn listing(dir: &std::path::Path) -> Result<Listing, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read the directory {}: {e}", dir.display()))?;
    let mut listing = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| format!("cannot read the directory {}: {e}", dir.display()))?;
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("pem") {
            continue;
        }
        // `metadata` follows symbolic links (Kubernetes secrets), and never opens the file.
        let stamp = match std::fs::metadata(&path) {
            Ok(meta) => Stamp::File {
                is_file: meta.is_file(),
                len: meta.len(),
                modified: meta.modified().ok(),
                #[cfg(unix)]
                node: {
                    use std::os::unix::fs::MetadataExt as _;
                    (meta.dev(), meta.ino(), meta.ctime(), meta.ctime_nsec())
                },
            },
            Err(e) => Stamp::Unreadable(e.to_string()),
        };
        listing.push((entry.file_name(), stamp));
    }
    listing.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(listing)
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

/// The answer to a request refused by a [requirement](actix_jwt_ext::Requirement) (`/admin`,
/// `/admin/notes`, `/reports`): 403 `{"message": "<the requirement's message>"}`, like the
/// app's other messages always under the literal key `message`, whatever
/// `JWT_ERROR_MESSAGE_KEY` says. Every other error keeps the library's answer (`None`). The
/// library adds the RFC 6750 challenge to this answer when `JWT_WWW_AUTHENTICATE` is on.
fn requirement_refusal(err: &JwtError) -> Option<HttpResponse> {
    match err.kind() {
        ErrorKind::MissingRole
        | ErrorKind::MissingScope
        | ErrorKind::ClaimMismatch
        | ErrorKind::RequirementFailed => Some(
            HttpResponse::build(StatusCode::FORBIDDEN)
                .content_type("application/json")
                .body(actix_jwt_ext::jsonify(
                    &json!({ "message": err.to_string() }),
                )),
        ),
        _ => None,
    }
}

/// Builds the manager: `roles` in every token, the user lookup for `/me`, the revocation
/// `store` for `DELETE /logout`, refresh-token rotation when `refresh_rotation` is on, and
/// requirement refusals under the key `message` ([`requirement_refusal`]).
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
        .error_renderer(requirement_refusal)
        .blocklist(store)
        .refresh_rotation(refresh_rotation)
        .build()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_listing_changes_with_the_pem_files_only() {
        let dir = std::env::temp_dir().join(format!("example-app-listing-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.pem"), "one").unwrap();
        let first = listing(&dir).unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(listing(&dir).unwrap(), first, "nothing changed");
        std::fs::write(dir.join("notes.txt"), "not a key").unwrap();
        assert_eq!(listing(&dir).unwrap(), first, "not a .pem file");
        // Replaced by a file of the same size and modification time (a rename, `cp -p`).
        let tmp = dir.join("a.partial");
        std::fs::write(&tmp, "two").unwrap();
        let modified = std::fs::metadata(dir.join("a.pem"))
            .unwrap()
            .modified()
            .unwrap();
        std::fs::File::options()
            .write(true)
            .open(&tmp)
            .unwrap()
            .set_modified(modified)
            .unwrap();
        std::fs::rename(&tmp, dir.join("a.pem")).unwrap();
        let replaced = listing(&dir).unwrap();
        assert_ne!(replaced, first, "a replaced file");
        std::fs::write(dir.join("b.pem"), "two").unwrap();
        let added = listing(&dir).unwrap();
        assert_eq!(added.len(), 2);
        std::fs::remove_file(dir.join("b.pem")).unwrap();
        assert_eq!(listing(&dir).unwrap(), replaced, "b.pem removed");
        // A directory named like a key file: listed (and refused when read), not entered.
        std::fs::create_dir(dir.join("c.pem")).unwrap();
        let with_dir = listing(&dir).unwrap();
        assert!(
            matches!(&with_dir[1].1, Stamp::File { is_file: false, .. }),
            "{with_dir:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(listing(&dir)
            .unwrap_err()
            .contains("cannot read the directory"));
    }
}
