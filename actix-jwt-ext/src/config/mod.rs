//! [`JwtConfig`]: every `JWT_*` option of flask-jwt-extended, with the same names and defaults.
//!
//! Build it in code with [`JwtConfig::builder`] (typed values: [`Duration`], enums, `Vec`), or
//! read it from the environment and a `.env` file with [`JwtConfig::from_env`]. Either way,
//! [`JwtConfig::validate`] (also run by [`JwtManager::new`](crate::JwtManager::new)) checks it
//! once at startup and names the offending setting in a [`ConfigError`].
//!
//! ```
//! use std::time::Duration;
//! use actix_jwt_ext::{JwtConfig, TokenLocation};
//!
//! let config = JwtConfig::builder()
//!     .secret_key("a-long-random-secret-made-with-token_hex-32")
//!     .access_token_expires(Duration::from_secs(24 * 3600))
//!     .error_message_key("message")
//!     .token_location([TokenLocation::Headers, TokenLocation::QueryString])
//!     .build()
//!     .unwrap();
//! assert_eq!(config.header_name, "Authorization");
//! assert_eq!(config.decode_algorithms(), vec![jsonwebtoken::Algorithm::HS256]);
//! ```
//!
//! The same from settings (the names flask-jwt-extended reads from `app.config`):
//!
//! ```
//! use actix_jwt_ext::JwtConfig;
//!
//! let config = JwtConfig::from_vars([
//!     ("SECRET_KEY", "s3cr3t-from-the-environment"),
//!     ("JWT_ACCESS_TOKEN_EXPIRES", "86400"),
//!     ("JWT_TOKEN_LOCATION", "headers,json"),
//! ])
//! .unwrap();
//! assert_eq!(config.token_location.len(), 2);
//!
//! let err = JwtConfig::from_vars([("JWT_ALGORITHM", "HS256")]).unwrap_err();
//! assert!(err.to_string().contains("JWT_SECRET_KEY"));
//! ```

mod builder;
mod env;
mod error;
mod secret;
mod types;

use std::time::Duration;

use actix_web::cookie::SameSite;
use actix_web::http::Method;
use jsonwebtoken::{Algorithm, AlgorithmFamily};

pub use self::builder::JwtConfigBuilder;
pub use self::error::ConfigError;
pub(crate) use self::secret::without_userinfo;
pub use self::secret::Secret;
pub use self::types::{Audience, Expires, TokenLocation};

/// Every flask-jwt-extended option, typed. Field docs give the `JWT_*` name and the default.
///
/// Construct it with [`JwtConfig::default`], [`JwtConfig::builder`], [`JwtConfig::from_env`] or
/// [`JwtConfig::from_vars`]. Unlike Flask's live `app.config`, the configuration is fixed once a
/// [`JwtManager`](crate::JwtManager) is built from it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct JwtConfig {
    /// `JWT_ACCESS_TOKEN_EXPIRES`: access-token lifetime. Default 15 minutes.
    /// [`Expires::Never`] (or a zero duration) creates tokens without `exp`.
    pub access_token_expires: Expires,
    /// `JWT_REFRESH_TOKEN_EXPIRES`: refresh-token lifetime. Default 30 days.
    pub refresh_token_expires: Expires,
    /// `JWT_ALGORITHM`: signing algorithm for new tokens, always accepted on decode. Default HS256.
    pub algorithm: Algorithm,
    /// `JWT_DECODE_ALGORITHMS`: algorithms accepted on decode. Default empty, meaning
    /// `[JWT_ALGORITHM]`; `JWT_ALGORITHM` is always added (see [`JwtConfig::decode_algorithms`]).
    pub decode_algorithms: Vec<Algorithm>,
    /// `JWT_DECODE_AUDIENCE`: accepted audiences. Default `None`: `aud` is not checked at all.
    pub decode_audience: Option<Vec<String>>,
    /// `JWT_DECODE_ISSUER`: accepted issuers. Default `None`: `iss` is not checked.
    pub decode_issuer: Option<Vec<String>>,
    /// `JWT_DECODE_LEEWAY`: clock skew allowed for `exp`, `nbf` and `iat`. Default 0.
    pub decode_leeway: Duration,
    /// `JWT_ENCODE_AUDIENCE`: `aud` claim of new tokens. Default `None` (no claim).
    pub encode_audience: Option<Audience>,
    /// `JWT_ENCODE_ISSUER`: `iss` claim of new tokens. Default `None` (no claim).
    pub encode_issuer: Option<String>,
    /// `JWT_ENCODE_NBF`: put `nbf` (equal to `iat`) in new tokens. Default `true`.
    pub encode_nbf: bool,
    /// `JWT_ERROR_MESSAGE_KEY`: key of the default error bodies `{"<key>": "<message>"}`.
    /// Default `"msg"`.
    pub error_message_key: String,
    /// `JWT_IDENTITY_CLAIM`: claim holding the identity. Default `"sub"`.
    pub identity_claim: String,
    /// `JWT_PRIVATE_KEY`: PEM signing key for RS*/PS*/ES*/EdDSA. Default `None`.
    pub private_key: Option<Secret>,
    /// `JWT_PUBLIC_KEY`: PEM verification key for RS*/PS*/ES*/EdDSA. Default `None`.
    pub public_key: Option<String>,
    /// `JWT_SECRET_KEY`: HMAC secret for HS*. Default `None`, falling back to `SECRET_KEY`.
    pub secret_key: Option<Secret>,
    /// `SECRET_KEY`: the application secret, used when `JWT_SECRET_KEY` is unset or empty.
    pub app_secret_key: Option<Secret>,
    /// `JWT_TOKEN_LOCATION`: where to look for tokens, in this order. Default `[Headers]`.
    pub token_location: Vec<TokenLocation>,
    /// `JWT_VERIFY_SUB`: require `sub` to be a string when decoding. Default `true`.
    pub verify_sub: bool,
    /// `JWT_HEADER_NAME`: request header holding the token. Default `"Authorization"`.
    pub header_name: String,
    /// `JWT_HEADER_TYPE`: scheme before the token, matched case-sensitively. Default
    /// `"Bearer"`; `""` means the header holds the bare token.
    pub header_type: String,
    /// `JWT_ACCESS_COOKIE_NAME`. Default `"access_token_cookie"`.
    pub access_cookie_name: String,
    /// `JWT_ACCESS_COOKIE_PATH`. Default `"/"`.
    pub access_cookie_path: String,
    /// `JWT_REFRESH_COOKIE_NAME`. Default `"refresh_token_cookie"`.
    pub refresh_cookie_name: String,
    /// `JWT_REFRESH_COOKIE_PATH`. Default `"/"`.
    pub refresh_cookie_path: String,
    /// `JWT_COOKIE_CSRF_PROTECT`: put a `csrf` claim in new tokens and check the double-submit
    /// value for cookie tokens. Default `true`.
    pub cookie_csrf_protect: bool,
    /// `JWT_COOKIE_DOMAIN`: `Domain` of the JWT and CSRF cookies. Default `None`.
    pub cookie_domain: Option<String>,
    /// `JWT_COOKIE_SAMESITE`: `SameSite` of the cookies. Default `None` (attribute omitted).
    pub cookie_samesite: Option<SameSite>,
    /// `JWT_COOKIE_SECURE`: `Secure` attribute. Default `false`.
    pub cookie_secure: bool,
    /// `JWT_SESSION_COOKIE`: session cookies (no `Max-Age`). Default `true`.
    pub session_cookie: bool,
    /// `JWT_CSRF_METHODS`: methods whose cookie tokens need the CSRF value. Default
    /// `POST, PUT, PATCH, DELETE`.
    pub csrf_methods: Vec<Method>,
    /// `JWT_CSRF_IN_COOKIES`: also set the JavaScript-readable CSRF cookies. Default `true`.
    pub csrf_in_cookies: bool,
    /// `JWT_CSRF_CHECK_FORM`: fall back to a form field when the CSRF header is absent.
    /// Default `false`.
    pub csrf_check_form: bool,
    /// `JWT_ACCESS_CSRF_HEADER_NAME`. Default `"X-CSRF-TOKEN"`.
    pub access_csrf_header_name: String,
    /// `JWT_REFRESH_CSRF_HEADER_NAME`. Default `"X-CSRF-TOKEN"`.
    pub refresh_csrf_header_name: String,
    /// `JWT_ACCESS_CSRF_FIELD_NAME`. Default `"csrf_token"`.
    pub access_csrf_field_name: String,
    /// `JWT_REFRESH_CSRF_FIELD_NAME`. Default `"csrf_token"`.
    pub refresh_csrf_field_name: String,
    /// `JWT_ACCESS_CSRF_COOKIE_NAME`. Default `"csrf_access_token"`.
    pub access_csrf_cookie_name: String,
    /// `JWT_REFRESH_CSRF_COOKIE_NAME`. Default `"csrf_refresh_token"`.
    pub refresh_csrf_cookie_name: String,
    /// `JWT_ACCESS_CSRF_COOKIE_PATH`. Default `"/"`.
    pub access_csrf_cookie_path: String,
    /// `JWT_REFRESH_CSRF_COOKIE_PATH`. Default `"/"`.
    pub refresh_csrf_cookie_path: String,
    /// `JWT_QUERY_STRING_NAME`. Default `"jwt"`.
    pub query_string_name: String,
    /// `JWT_QUERY_STRING_VALUE_PREFIX`: required prefix of the query value. Default `""`.
    pub query_string_value_prefix: String,
    /// `JWT_JSON_KEY`: body key of access tokens. Default `"access_token"`.
    pub json_key: String,
    /// `JWT_REFRESH_JSON_KEY`: body key of refresh tokens. Default `"refresh_token"`.
    pub refresh_json_key: String,

    // ----- this crate's own settings (flask-jwt-extended has no counterpart) -----
    /// `JWT_WWW_AUTHENTICATE`: add RFC 6750 `WWW-Authenticate: Bearer ...` challenges to
    /// refusals (see [`crate::authorize`]). Default `false`: flask-jwt-extended sends none.
    pub www_authenticate: bool,
    /// `JWT_WWW_AUTHENTICATE_REALM`: the `realm` of those challenges. Default `None` (no
    /// `realm` attribute). Printable ASCII only.
    pub www_authenticate_realm: Option<String>,
}

impl Default for JwtConfig {
    fn default() -> Self {
        let s = |v: &str| v.to_owned();
        Self {
            access_token_expires: Expires::After(Duration::from_secs(15 * 60)),
            refresh_token_expires: Expires::After(Duration::from_secs(30 * 24 * 3600)),
            algorithm: Algorithm::HS256,
            decode_algorithms: Vec::new(),
            decode_audience: None,
            decode_issuer: None,
            decode_leeway: Duration::ZERO,
            encode_audience: None,
            encode_issuer: None,
            encode_nbf: true,
            error_message_key: s("msg"),
            identity_claim: s("sub"),
            private_key: None,
            public_key: None,
            secret_key: None,
            app_secret_key: None,
            token_location: vec![TokenLocation::Headers],
            verify_sub: true,
            header_name: s("Authorization"),
            header_type: s("Bearer"),
            access_cookie_name: s("access_token_cookie"),
            access_cookie_path: s("/"),
            refresh_cookie_name: s("refresh_token_cookie"),
            refresh_cookie_path: s("/"),
            cookie_csrf_protect: true,
            cookie_domain: None,
            cookie_samesite: None,
            cookie_secure: false,
            session_cookie: true,
            csrf_methods: vec![Method::POST, Method::PUT, Method::PATCH, Method::DELETE],
            csrf_in_cookies: true,
            csrf_check_form: false,
            access_csrf_header_name: s("X-CSRF-TOKEN"),
            refresh_csrf_header_name: s("X-CSRF-TOKEN"),
            access_csrf_field_name: s("csrf_token"),
            refresh_csrf_field_name: s("csrf_token"),
            access_csrf_cookie_name: s("csrf_access_token"),
            refresh_csrf_cookie_name: s("csrf_refresh_token"),
            access_csrf_cookie_path: s("/"),
            refresh_csrf_cookie_path: s("/"),
            query_string_name: s("jwt"),
            query_string_value_prefix: String::new(),
            json_key: s("access_token"),
            refresh_json_key: s("refresh_token"),
            www_authenticate: false,
            www_authenticate_realm: None,
        }
    }
}

impl JwtConfig {
    /// A typed builder starting from flask-jwt-extended's defaults.
    pub fn builder() -> JwtConfigBuilder {
        JwtConfigBuilder::default()
    }

    /// Reads every `JWT_*` option and `SECRET_KEY` from the process environment and from a
    /// `.env` file in the working directory (the environment wins), then validates.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::builder().with_env()?.build()
    }

    /// Reads the options from `(name, value)` pairs (the names of flask-jwt-extended's
    /// `app.config`), on top of the defaults, then validates. Unknown names are ignored.
    pub fn from_vars<I, K, V>(vars: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        Self::builder().with_vars(vars)?.build()
    }

    /// The algorithms accepted when decoding: `JWT_DECODE_ALGORITHMS` plus `JWT_ALGORITHM`.
    pub fn decode_algorithms(&self) -> Vec<Algorithm> {
        let mut algs = self.decode_algorithms.clone();
        if !algs.contains(&self.algorithm) {
            algs.push(self.algorithm);
        }
        algs
    }

    /// `true` for RS*, PS*, ES* and EdDSA, which use PEM keys instead of the secret.
    pub fn is_asymmetric(&self) -> bool {
        self.algorithm.family() != AlgorithmFamily::Hmac
    }

    /// The HMAC secret in effect: `JWT_SECRET_KEY`, or `SECRET_KEY` when that is unset or empty.
    pub fn effective_secret(&self) -> Option<&str> {
        [&self.secret_key, &self.app_secret_key]
            .into_iter()
            .flatten()
            .map(Secret::expose)
            .find(|s| !s.is_empty())
    }

    /// Checks the configuration the way flask-jwt-extended would at first use, but at startup.
    /// Key material is parsed by [`JwtManager::new`](crate::JwtManager::new).
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.validate_settings()?;
        if self.is_asymmetric() {
            // JWT_PRIVATE_KEY may be absent: a verify-only service (tokens come from elsewhere)
            // fails only when it tries to create a token, as flask-jwt-extended does.
            if self
                .public_key
                .as_deref()
                .is_none_or(|k| k.trim().is_empty())
            {
                return Err(ConfigError::MissingKey {
                    setting: "JWT_PUBLIC_KEY",
                    algorithm: self.algorithm,
                });
            }
        } else if self.effective_secret().is_none() {
            return Err(ConfigError::MissingSecret {
                algorithm: self.algorithm,
            });
        }
        Ok(())
    }

    /// Every check of [`validate`](Self::validate) except the key material, which a
    /// [`KeySet`](crate::keys::KeySet) or a remote issuer replaces.
    pub(crate) fn validate_settings(&self) -> Result<(), ConfigError> {
        if self.token_location.is_empty() {
            return Err(ConfigError::EmptyLocations);
        }
        let non_empty = [
            ("JWT_HEADER_NAME", &self.header_name),
            ("JWT_IDENTITY_CLAIM", &self.identity_claim),
            ("JWT_ERROR_MESSAGE_KEY", &self.error_message_key),
            ("JWT_QUERY_STRING_NAME", &self.query_string_name),
            ("JWT_JSON_KEY", &self.json_key),
            ("JWT_REFRESH_JSON_KEY", &self.refresh_json_key),
            ("JWT_ACCESS_COOKIE_NAME", &self.access_cookie_name),
            ("JWT_REFRESH_COOKIE_NAME", &self.refresh_cookie_name),
            ("JWT_ACCESS_CSRF_HEADER_NAME", &self.access_csrf_header_name),
            (
                "JWT_REFRESH_CSRF_HEADER_NAME",
                &self.refresh_csrf_header_name,
            ),
            ("JWT_ACCESS_CSRF_COOKIE_NAME", &self.access_csrf_cookie_name),
            (
                "JWT_REFRESH_CSRF_COOKIE_NAME",
                &self.refresh_csrf_cookie_name,
            ),
        ];
        for (setting, value) in non_empty {
            if value.trim().is_empty() {
                return Err(ConfigError::Empty { setting });
            }
        }
        for (setting, value) in [
            ("JWT_HEADER_NAME", &self.header_name),
            ("JWT_ACCESS_CSRF_HEADER_NAME", &self.access_csrf_header_name),
            (
                "JWT_REFRESH_CSRF_HEADER_NAME",
                &self.refresh_csrf_header_name,
            ),
        ] {
            if actix_web::http::header::HeaderName::from_bytes(value.as_bytes()).is_err() {
                return Err(ConfigError::Invalid {
                    setting,
                    reason: format!("{value:?} is not a valid HTTP header name"),
                });
            }
        }
        if self.header_type.chars().any(char::is_whitespace) {
            return Err(ConfigError::Invalid {
                setting: "JWT_HEADER_TYPE",
                reason: "must be a single word (or empty)".into(),
            });
        }
        self.validate_cookie_prefixes()?;
        if let Some(realm) = &self.www_authenticate_realm {
            if !realm
                .bytes()
                .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
            {
                return Err(ConfigError::Invalid {
                    setting: "JWT_WWW_AUTHENTICATE_REALM",
                    reason: "must be printable ASCII (a header value)".into(),
                });
            }
        }
        if self.cookie_samesite == Some(SameSite::None) && !self.cookie_secure {
            log::warn!(
                "JWT_COOKIE_SAMESITE=None without JWT_COOKIE_SECURE: browsers reject such cookies"
            );
        }
        Ok(())
    }

    /// Cookie name prefixes (RFC 6265bis): browsers drop a `__Secure-` cookie without
    /// `Secure`, and a `__Host-` cookie without `Secure`, with a `Domain`, or off `Path=/`.
    /// The prefixes match case-insensitively (`__host-at` is a `__Host-` cookie), as
    /// RFC 6265bis has browsers match them.
    fn validate_cookie_prefixes(&self) -> Result<(), ConfigError> {
        let cookies = [
            (
                "JWT_ACCESS_COOKIE_NAME",
                &self.access_cookie_name,
                &self.access_cookie_path,
            ),
            (
                "JWT_REFRESH_COOKIE_NAME",
                &self.refresh_cookie_name,
                &self.refresh_cookie_path,
            ),
            (
                "JWT_ACCESS_CSRF_COOKIE_NAME",
                &self.access_csrf_cookie_name,
                &self.access_csrf_cookie_path,
            ),
            (
                "JWT_REFRESH_CSRF_COOKIE_NAME",
                &self.refresh_csrf_cookie_name,
                &self.refresh_csrf_cookie_path,
            ),
        ];
        for (setting, name, path) in cookies {
            let host = has_cookie_prefix(name, "__Host-");
            if (host || has_cookie_prefix(name, "__Secure-")) && !self.cookie_secure {
                return Err(ConfigError::Invalid {
                    setting,
                    reason: format!("the cookie {name:?} needs JWT_COOKIE_SECURE=true"),
                });
            }
            if host && (path.as_str() != "/" || self.cookie_domain.is_some()) {
                return Err(ConfigError::Invalid {
                    setting,
                    reason: format!("the cookie {name:?} needs Path=/ and no JWT_COOKIE_DOMAIN"),
                });
            }
        }
        Ok(())
    }
}

/// `name` starts with the cookie-name `prefix`, compared ASCII case-insensitively
/// (RFC 6265bis, sections 4.1.3 and 5.7).
fn has_cookie_prefix(name: &str, prefix: &str) -> bool {
    name.as_bytes()
        .get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix.as_bytes()))
}
