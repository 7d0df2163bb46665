//! Settings, the way the setup guide's `BaseConfig` reads them: from the environment and a
//! `.env` file in the working directory (the environment wins).
//!
//! ```python
//! class BaseConfig:
//!     SECRET_KEY = os.environ.get("SECRET_KEY")
//!     JWT_SECRET_KEY = SECRET_KEY
//!     JWT_ACCESS_TOKEN_EXPIRES = timedelta(days=1)
//!     JWT_ERROR_MESSAGE_KEY = "message"
//! ```
//!
//! Every other `JWT_*` option of flask-jwt-extended is read too, with the library's defaults,
//! and the library's own: `JWT_WWW_AUTHENTICATE=true` adds RFC 6750 `WWW-Authenticate`
//! challenges to refusals (realm `JWT_WWW_AUTHENTICATE_REALM` when set; off by default, as
//! flask-jwt-extended sends none).
//!
//! Key rotation: `JWT_KEYS_DIR` names a directory of `<kid>.pem` files (private keys sign
//! and verify, public keys verify only); the current key is `JWT_CURRENT_KID`, or the private
//! key whose name sorts last. The directory is read again every `JWT_KEYS_RELOAD` seconds
//! (default 60, 0 = never), so adding a key file rotates without a restart. With it,
//! `SECRET_KEY` and the `JWT_*_KEY` settings are not needed.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use actix_jwt_ext::{ConfigError, JwtConfig};

/// The guide's one-day access tokens.
const ACCESS_TOKEN_EXPIRES: Duration = Duration::from_secs(24 * 3600);

/// Everything the app reads at startup.
#[derive(Debug)]
pub(crate) struct Settings {
    /// The JWT configuration (`SECRET_KEY` and every `JWT_*` option).
    pub(crate) jwt: JwtConfig,
    /// `HOST` (default 127.0.0.1).
    pub(crate) host: String,
    /// `PORT` (default 8080; 0 picks a free port).
    pub(crate) port: u16,
    /// `REDIS_URL`: the revocation store is Redis when set (and not empty), in memory otherwise.
    pub(crate) redis_url: Option<String>,
    /// `REDIS_PREFIX`: the prefix of the Redis keys (default `actix-jwt-ext:`).
    pub(crate) redis_prefix: Option<String>,
    /// `JWT_REFRESH_ROTATION` (default false): refresh-token rotation with reuse detection.
    pub(crate) refresh_rotation: bool,
    /// `JWT_KEYS_DIR`, `JWT_CURRENT_KID`, `JWT_KEYS_RELOAD`: a key set instead of one key.
    pub(crate) keys: Option<KeysDir>,
}

/// A directory of `<kid>.pem` keys.
#[derive(Debug, Clone)]
pub(crate) struct KeysDir {
    /// `JWT_KEYS_DIR`.
    pub(crate) dir: PathBuf,
    /// `JWT_CURRENT_KID` (default: the private key whose kid sorts last).
    pub(crate) current: Option<String>,
    /// `JWT_KEYS_RELOAD` in seconds (default 60; zero: never).
    pub(crate) reload: Duration,
}

/// A setting that stops the app before it binds.
#[derive(Debug)]
pub(crate) enum SettingsError {
    /// A JWT setting (names the setting).
    Jwt(ConfigError),
    /// `PORT` is not a port number.
    Port(String),
    /// `JWT_REFRESH_ROTATION` is not a boolean.
    RefreshRotation(String),
    /// `JWT_KEYS_RELOAD` is not a number of seconds.
    KeysReload(String),
    /// The `.env` file cannot be read.
    DotEnv(String),
}

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SettingsError::Jwt(e) => write!(f, "{e}"),
            SettingsError::Port(v) => write!(f, "PORT: expected a port number, got {v:?}"),
            SettingsError::RefreshRotation(v) => write!(
                f,
                "JWT_REFRESH_ROTATION: expected true/false (or 1/0, yes/no, on/off), got {v:?}"
            ),
            SettingsError::KeysReload(v) => write!(
                f,
                "JWT_KEYS_RELOAD: expected a number of seconds (0 = never), got {v:?}"
            ),
            SettingsError::DotEnv(e) => write!(f, "cannot read .env: {e}"),
        }
    }
}

impl Settings {
    /// Reads `.env` and the environment.
    pub(crate) fn load() -> Result<Self, SettingsError> {
        let mut vars: HashMap<String, String> = HashMap::new();
        match dotenvy::from_path_iter(".env") {
            Ok(iter) => {
                for item in iter {
                    let (k, v) = item.map_err(|e| SettingsError::DotEnv(dotenv_reason(&e)))?;
                    vars.insert(k, v);
                }
            }
            Err(dotenvy::Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(SettingsError::DotEnv(dotenv_reason(&e))),
        }
        vars.extend(std::env::vars());
        Self::from_vars(&vars)
    }

    /// Builds the settings from `(name, value)` pairs.
    pub(crate) fn from_vars(vars: &HashMap<String, String>) -> Result<Self, SettingsError> {
        let set = |name: &str| vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
        let keys = match set("JWT_KEYS_DIR") {
            None => None,
            Some(dir) => Some(KeysDir {
                dir: PathBuf::from(dir),
                current: set("JWT_CURRENT_KID").map(str::to_owned),
                reload: match set("JWT_KEYS_RELOAD") {
                    None => Duration::from_secs(60),
                    Some(v) => Duration::from_secs(
                        v.parse()
                            .map_err(|_| SettingsError::KeysReload(v.to_owned()))?,
                    ),
                },
            }),
        };
        let builder = JwtConfig::builder()
            .access_token_expires(ACCESS_TOKEN_EXPIRES)
            .error_message_key("message")
            .with_vars(
                vars.iter()
                    .filter(|(k, _)| k.as_str() == "SECRET_KEY" || k.starts_with("JWT_")),
            )
            .map_err(SettingsError::Jwt)?;
        // With a key set, the manager checks the settings but needs no single key.
        let jwt = match keys {
            Some(_) => builder.build_unchecked(),
            None => builder.build().map_err(SettingsError::Jwt)?,
        };
        let host = vars
            .get("HOST")
            .filter(|h| !h.is_empty())
            .cloned()
            .unwrap_or_else(|| "127.0.0.1".into());
        let port = match vars.get("PORT").map(|p| p.trim()).filter(|p| !p.is_empty()) {
            None => 8080,
            Some(p) => p.parse().map_err(|_| SettingsError::Port(p.to_owned()))?,
        };
        let redis_url = vars
            .get("REDIS_URL")
            .map(|u| u.trim())
            .filter(|u| !u.is_empty())
            .map(str::to_owned);
        let redis_prefix = vars.get("REDIS_PREFIX").filter(|p| !p.is_empty()).cloned();
        let refresh_rotation = match vars.get("JWT_REFRESH_ROTATION") {
            None => false,
            Some(v) => parse_bool(v).ok_or_else(|| SettingsError::RefreshRotation(v.clone()))?,
        };
        Ok(Self {
            jwt,
            host,
            port,
            redis_url,
            redis_prefix,
            refresh_rotation,
            keys,
        })
    }
}

/// A boolean spelled the way the library reads `JWT_*` booleans.
fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn dotenv_reason(e: &dotenvy::Error) -> String {
    match e {
        dotenvy::Error::LineParse(_, index) => format!("syntax error at character {index}"),
        dotenvy::Error::Io(io) => io.to_string(),
        _ => "unreadable".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn guide_defaults() {
        let s = Settings::from_vars(&vars(&[("SECRET_KEY", "abc")])).unwrap();
        assert_eq!(s.jwt.effective_secret(), Some("abc"));
        assert_eq!(
            s.jwt.access_token_expires,
            actix_jwt_ext::Expires::After(ACCESS_TOKEN_EXPIRES)
        );
        assert_eq!(s.jwt.error_message_key, "message");
        assert_eq!((s.host.as_str(), s.port), ("127.0.0.1", 8080));
    }

    #[test]
    fn missing_secret_and_bad_values_name_the_setting() {
        let err = Settings::from_vars(&vars(&[])).unwrap_err().to_string();
        assert!(
            err.contains("JWT_SECRET_KEY") && err.contains("SECRET_KEY"),
            "{err}"
        );
        let err = Settings::from_vars(&vars(&[("SECRET_KEY", "a"), ("PORT", "http")]))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("PORT"), "{err}");
        let err = Settings::from_vars(&vars(&[("SECRET_KEY", "a"), ("JWT_COOKIE_SECURE", "sure")]))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("JWT_COOKIE_SECURE"), "{err}");
        let err = Settings::from_vars(&vars(&[
            ("SECRET_KEY", "a"),
            ("JWT_REFRESH_ROTATION", "sure"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("JWT_REFRESH_ROTATION"), "{err}");
    }

    #[test]
    fn keys_dir_replaces_the_secret() {
        let s = Settings::from_vars(&vars(&[("JWT_KEYS_DIR", "/etc/keys")])).unwrap();
        let keys = s.keys.unwrap();
        assert_eq!(keys.dir, PathBuf::from("/etc/keys"));
        assert_eq!(keys.current, None);
        assert_eq!(keys.reload, Duration::from_secs(60));
        let s = Settings::from_vars(&vars(&[
            ("JWT_KEYS_DIR", "k"),
            ("JWT_CURRENT_KID", "2026-11"),
            ("JWT_KEYS_RELOAD", "0"),
        ]))
        .unwrap();
        let keys = s.keys.unwrap();
        assert_eq!(keys.current.as_deref(), Some("2026-11"));
        assert!(keys.reload.is_zero());
        let err = Settings::from_vars(&vars(&[("JWT_KEYS_DIR", "k"), ("JWT_KEYS_RELOAD", "soon")]))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("JWT_KEYS_RELOAD"), "{err}");
    }

    #[test]
    fn challenge_settings_reach_the_jwt_config() {
        let s = Settings::from_vars(&vars(&[("SECRET_KEY", "a")])).unwrap();
        assert!(!s.jwt.www_authenticate, "off by default");
        let s = Settings::from_vars(&vars(&[
            ("SECRET_KEY", "a"),
            ("JWT_WWW_AUTHENTICATE", "true"),
            ("JWT_WWW_AUTHENTICATE_REALM", "example"),
        ]))
        .unwrap();
        assert!(s.jwt.www_authenticate);
        assert_eq!(s.jwt.www_authenticate_realm.as_deref(), Some("example"));
        let err = Settings::from_vars(&vars(&[
            ("SECRET_KEY", "a"),
            ("JWT_WWW_AUTHENTICATE", "sometimes"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("JWT_WWW_AUTHENTICATE"), "{err}");
    }

    #[test]
    fn redis_url_and_rotation() {
        let s = Settings::from_vars(&vars(&[("SECRET_KEY", "a")])).unwrap();
        assert_eq!((s.redis_url, s.refresh_rotation), (None, false));
        let s = Settings::from_vars(&vars(&[
            ("SECRET_KEY", "a"),
            ("REDIS_URL", " redis://127.0.0.1:6379/0 "),
            ("JWT_REFRESH_ROTATION", "On"),
        ]))
        .unwrap();
        assert_eq!(s.redis_url.as_deref(), Some("redis://127.0.0.1:6379/0"));
        assert!(s.refresh_rotation);
        let s = Settings::from_vars(&vars(&[("SECRET_KEY", "a"), ("REDIS_URL", "")])).unwrap();
        assert_eq!(
            s.redis_url, None,
            "an empty REDIS_URL means the in-memory store"
        );
    }
}
