//! [`Secret`]: a secret setting (an HMAC secret, a private key PEM) that never prints.
//!
//! A small newtype rather than a dependency: the configuration is `Clone` and compared in
//! tests, and all that is needed is that `Debug` and `Display` write a placeholder and that
//! reading the value is explicit ([`Secret::expose`]).

/// A secret value: `Debug` and `Display` print `[redacted]`; [`expose`](Self::expose) reads it.
///
/// ```
/// use actix_jwt_ext::Secret;
///
/// let secret = Secret::from("hunter2");
/// assert_eq!(format!("{secret:?} {secret}"), "[redacted] [redacted]");
/// assert_eq!(secret.expose(), "hunter2");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Box<str>);

impl Secret {
    /// The secret itself. Keep it out of logs and error messages.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `true` for an empty secret.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value.into_boxed_str())
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.into())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// `url` with its user information (`user:password@`) replaced by `[redacted]@`, for `Debug`
/// output (a string that is not a URL with user information is returned as it is).
pub(crate) fn without_userinfo(url: &str) -> std::borrow::Cow<'_, str> {
    let start = url.find("://").map_or(0, |at| at + 3);
    let authority_len = url[start..]
        .find(['/', '?', '#'])
        .unwrap_or(url.len() - start);
    match url[start..start + authority_len].rfind('@') {
        Some(at) => format!("{}[redacted]{}", &url[..start], &url[start + at..]).into(),
        None => url.into(),
    }
}
