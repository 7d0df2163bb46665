//! [`JwtConfigBuilder`]: typed setters over [`JwtConfig`], one per option.

use std::time::Duration;

use actix_web::cookie::SameSite;
use actix_web::http::Method;
use jsonwebtoken::Algorithm;

use super::{Audience, ConfigError, Expires, JwtConfig, Secret, TokenLocation};

/// Builds a [`JwtConfig`] from flask-jwt-extended's defaults. Each setter names its option;
/// the field docs of [`JwtConfig`] give the defaults. [`build`](Self::build) validates.
#[derive(Clone, Debug, Default)]
#[must_use = "a builder does nothing until `build()` is called"]
pub struct JwtConfigBuilder {
    config: JwtConfig,
}

macro_rules! setters {
    ($( $(#[$doc:meta])* $name:ident($ty:ty) => |$v:ident| $field:ident = $value:expr; )*) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, $v: $ty) -> Self {
                self.config.$field = $value;
                self
            }
        )*
    };
}

impl JwtConfigBuilder {
    setters! {
        /// `JWT_ACCESS_TOKEN_EXPIRES` (a [`Duration`], or [`Expires::Never`]).
        access_token_expires(impl Into<Expires>) => |v| access_token_expires = v.into();
        /// `JWT_REFRESH_TOKEN_EXPIRES` (a [`Duration`], or [`Expires::Never`]).
        refresh_token_expires(impl Into<Expires>) => |v| refresh_token_expires = v.into();
        /// `JWT_ALGORITHM`.
        algorithm(Algorithm) => |v| algorithm = v;
        /// `JWT_DECODE_ALGORITHMS` (`JWT_ALGORITHM` is always accepted too).
        decode_algorithms(impl IntoIterator<Item = Algorithm>) => |v| decode_algorithms = v.into_iter().collect();
        /// `JWT_DECODE_AUDIENCE`: the token's `aud` must share one value with these.
        decode_audience(impl IntoIterator<Item = impl Into<String>>) => |v| decode_audience = Some(v.into_iter().map(Into::into).collect());
        /// `JWT_DECODE_ISSUER`: the token's `iss` must be one of these.
        decode_issuer(impl IntoIterator<Item = impl Into<String>>) => |v| decode_issuer = Some(v.into_iter().map(Into::into).collect());
        /// `JWT_DECODE_LEEWAY`.
        decode_leeway(Duration) => |v| decode_leeway = v;
        /// `JWT_ENCODE_AUDIENCE` (a string or a list).
        encode_audience(impl Into<Audience>) => |v| encode_audience = Some(v.into());
        /// `JWT_ENCODE_ISSUER`.
        encode_issuer(impl Into<String>) => |v| encode_issuer = Some(v.into());
        /// `JWT_ENCODE_NBF`.
        encode_nbf(bool) => |v| encode_nbf = v;
        /// `JWT_ERROR_MESSAGE_KEY`.
        error_message_key(impl Into<String>) => |v| error_message_key = v.into();
        /// `JWT_IDENTITY_CLAIM`.
        identity_claim(impl Into<String>) => |v| identity_claim = v.into();
        /// `JWT_PRIVATE_KEY` (PEM).
        private_key(impl Into<String>) => |v| private_key = Some(Secret::from(v.into()));
        /// `JWT_PUBLIC_KEY` (PEM).
        public_key(impl Into<String>) => |v| public_key = Some(v.into());
        /// `JWT_SECRET_KEY`.
        secret_key(impl Into<String>) => |v| secret_key = Some(Secret::from(v.into()));
        /// `SECRET_KEY`, the fallback for `JWT_SECRET_KEY`.
        app_secret_key(impl Into<String>) => |v| app_secret_key = Some(Secret::from(v.into()));
        /// `JWT_TOKEN_LOCATION`, searched in this order.
        token_location(impl IntoIterator<Item = TokenLocation>) => |v| token_location = v.into_iter().collect();
        /// `JWT_VERIFY_SUB`.
        verify_sub(bool) => |v| verify_sub = v;
        /// `JWT_HEADER_NAME`.
        header_name(impl Into<String>) => |v| header_name = v.into();
        /// `JWT_HEADER_TYPE` (`""` for a bare token).
        header_type(impl Into<String>) => |v| header_type = v.into();
        /// `JWT_ACCESS_COOKIE_NAME`.
        access_cookie_name(impl Into<String>) => |v| access_cookie_name = v.into();
        /// `JWT_ACCESS_COOKIE_PATH`.
        access_cookie_path(impl Into<String>) => |v| access_cookie_path = v.into();
        /// `JWT_REFRESH_COOKIE_NAME`.
        refresh_cookie_name(impl Into<String>) => |v| refresh_cookie_name = v.into();
        /// `JWT_REFRESH_COOKIE_PATH`.
        refresh_cookie_path(impl Into<String>) => |v| refresh_cookie_path = v.into();
        /// `JWT_COOKIE_CSRF_PROTECT`.
        cookie_csrf_protect(bool) => |v| cookie_csrf_protect = v;
        /// `JWT_COOKIE_DOMAIN`.
        cookie_domain(impl Into<String>) => |v| cookie_domain = Some(v.into());
        /// `JWT_COOKIE_SAMESITE` (`None` omits the attribute).
        cookie_samesite(Option<SameSite>) => |v| cookie_samesite = v;
        /// `JWT_COOKIE_SECURE`.
        cookie_secure(bool) => |v| cookie_secure = v;
        /// `JWT_SESSION_COOKIE`.
        session_cookie(bool) => |v| session_cookie = v;
        /// `JWT_CSRF_METHODS`.
        csrf_methods(impl IntoIterator<Item = Method>) => |v| csrf_methods = v.into_iter().collect();
        /// `JWT_CSRF_IN_COOKIES`.
        csrf_in_cookies(bool) => |v| csrf_in_cookies = v;
        /// `JWT_CSRF_CHECK_FORM`.
        csrf_check_form(bool) => |v| csrf_check_form = v;
        /// `JWT_ACCESS_CSRF_HEADER_NAME`.
        access_csrf_header_name(impl Into<String>) => |v| access_csrf_header_name = v.into();
        /// `JWT_REFRESH_CSRF_HEADER_NAME`.
        refresh_csrf_header_name(impl Into<String>) => |v| refresh_csrf_header_name = v.into();
        /// `JWT_ACCESS_CSRF_FIELD_NAME`.
        access_csrf_field_name(impl Into<String>) => |v| access_csrf_field_name = v.into();
        /// `JWT_REFRESH_CSRF_FIELD_NAME`.
        refresh_csrf_field_name(impl Into<String>) => |v| refresh_csrf_field_name = v.into();
        /// `JWT_ACCESS_CSRF_COOKIE_NAME`.
        access_csrf_cookie_name(impl Into<String>) => |v| access_csrf_cookie_name = v.into();
        /// `JWT_REFRESH_CSRF_COOKIE_NAME`.
        refresh_csrf_cookie_name(impl Into<String>) => |v| refresh_csrf_cookie_name = v.into();
        /// `JWT_ACCESS_CSRF_COOKIE_PATH`.
        access_csrf_cookie_path(impl Into<String>) => |v| access_csrf_cookie_path = v.into();
        /// `JWT_REFRESH_CSRF_COOKIE_PATH`.
        refresh_csrf_cookie_path(impl Into<String>) => |v| refresh_csrf_cookie_path = v.into();
        /// `JWT_QUERY_STRING_NAME`.
        query_string_name(impl Into<String>) => |v| query_string_name = v.into();
        /// `JWT_QUERY_STRING_VALUE_PREFIX`.
        query_string_value_prefix(impl Into<String>) => |v| query_string_value_prefix = v.into();
        /// `JWT_JSON_KEY`.
        json_key(impl Into<String>) => |v| json_key = v.into();
        /// `JWT_REFRESH_JSON_KEY`.
        refresh_json_key(impl Into<String>) => |v| refresh_json_key = v.into();
        /// `JWT_WWW_AUTHENTICATE`: RFC 6750 challenges on refusals.
        www_authenticate(bool) => |v| www_authenticate = v;
        /// `JWT_WWW_AUTHENTICATE_REALM`: the challenges' `realm`.
        www_authenticate_realm(impl Into<String>) => |v| www_authenticate_realm = Some(v.into());
    }

    /// Applies settings given as `(name, value)` pairs, with the names and value syntax of
    /// [`JwtConfig::from_vars`]. Later pairs win.
    pub fn with_vars<I, K, V>(mut self, vars: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        for (name, value) in vars {
            super::env::apply(&mut self.config, name.as_ref(), value.as_ref())?;
        }
        Ok(self)
    }

    /// Applies the settings found in a `.env` file of the working directory, then those of
    /// the process environment (the environment wins).
    pub fn with_env(self) -> Result<Self, ConfigError> {
        let vars = super::env::collect(std::path::Path::new(".env"))?;
        self.with_vars(vars)
    }

    /// Like [`with_env`](Self::with_env) with another `.env` file.
    pub fn with_env_file(self, path: impl AsRef<std::path::Path>) -> Result<Self, ConfigError> {
        let vars = super::env::collect(path.as_ref())?;
        self.with_vars(vars)
    }

    /// Validates and returns the configuration.
    pub fn build(self) -> Result<JwtConfig, ConfigError> {
        self.config.validate()?;
        Ok(self.config)
    }

    /// Returns the configuration without validating it (the manager validates it again).
    pub fn build_unchecked(self) -> JwtConfig {
        self.config
    }
}
