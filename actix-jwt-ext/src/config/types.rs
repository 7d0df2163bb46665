//! Small typed values of the configuration.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A token lifetime: `JWT_ACCESS_TOKEN_EXPIRES`, `JWT_REFRESH_TOKEN_EXPIRES` and the per-token
/// override.
///
/// flask-jwt-extended treats every falsy lifetime (`False`, `0`, `timedelta(0)`) as "no `exp`
/// claim"; so does [`Expires::from`] with a zero [`Duration`].
///
/// ```
/// use std::time::Duration;
/// use actix_jwt_ext::Expires;
///
/// assert_eq!(Expires::from(Duration::ZERO), Expires::Never);
/// assert_eq!(Expires::from(Duration::from_secs(60)).duration(), Some(Duration::from_secs(60)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expires {
    /// The token carries no `exp` claim and never expires.
    Never,
    /// The token expires this long after it is issued.
    After(Duration),
}

impl Expires {
    /// The lifetime, or `None` for tokens without `exp`.
    pub fn duration(self) -> Option<Duration> {
        match self {
            Expires::After(d) if !d.is_zero() => Some(d),
            _ => None,
        }
    }
}

impl From<Duration> for Expires {
    fn from(d: Duration) -> Self {
        if d.is_zero() {
            Expires::Never
        } else {
            Expires::After(d)
        }
    }
}

/// The `aud` claim written into new tokens (`JWT_ENCODE_AUDIENCE`): one string, or a list
/// (a list stays a list, as in flask-jwt-extended).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// `"aud": "value"`
    One(String),
    /// `"aud": ["a", "b"]`
    Many(Vec<String>),
}

impl From<&str> for Audience {
    fn from(s: &str) -> Self {
        Audience::One(s.to_owned())
    }
}

impl From<String> for Audience {
    fn from(s: String) -> Self {
        Audience::One(s)
    }
}

impl From<Vec<String>> for Audience {
    fn from(v: Vec<String>) -> Self {
        Audience::Many(v)
    }
}

/// Where a token can be found (`JWT_TOKEN_LOCATION`), with flask-jwt-extended's names.
///
/// ```
/// use actix_jwt_ext::TokenLocation;
///
/// assert_eq!("query_string".parse::<TokenLocation>(), Ok(TokenLocation::QueryString));
/// assert_eq!(TokenLocation::Json.to_string(), "json");
/// assert!("body".parse::<TokenLocation>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenLocation {
    /// `headers`: `JWT_HEADER_NAME` with `JWT_HEADER_TYPE`.
    Headers,
    /// `cookies`: `JWT_ACCESS_COOKIE_NAME` / `JWT_REFRESH_COOKIE_NAME`, CSRF double submit.
    Cookies,
    /// `query_string`: `JWT_QUERY_STRING_NAME`.
    QueryString,
    /// `json`: `JWT_JSON_KEY` / `JWT_REFRESH_JSON_KEY` of a JSON request body.
    Json,
}

impl TokenLocation {
    /// The name flask-jwt-extended uses (`get_jwt_request_location()`).
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenLocation::Headers => "headers",
            TokenLocation::Cookies => "cookies",
            TokenLocation::QueryString => "query_string",
            TokenLocation::Json => "json",
        }
    }
}

impl fmt::Display for TokenLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name given is not one of `headers`, `cookies`, `query_string`, `json`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a valid location")]
pub struct UnknownLocation(pub String);

impl FromStr for TokenLocation {
    type Err = UnknownLocation;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "headers" => Ok(TokenLocation::Headers),
            "cookies" => Ok(TokenLocation::Cookies),
            "query_string" => Ok(TokenLocation::QueryString),
            "json" => Ok(TokenLocation::Json),
            other => Err(UnknownLocation(other.to_owned())),
        }
    }
}
