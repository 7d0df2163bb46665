//! Tokens: the one parse of their JSON ([`parse`]), their structure ([`raw`]), the decoded
//! form ([`DecodedToken`]) and creation ([`TokenBuilder`]).
//!
//! The claim layout is flask-jwt-extended's, in its order: `fresh, iat, jti, type,
//! <JWT_IDENTITY_CLAIM>, nbf, csrf, aud, iss, exp`, then additional claims, which may override
//! any of them. The JOSE header is `{"alg": .., "typ": "JWT"}` plus additional headers, with
//! sorted keys. Tokens minted here decode in flask-jwt-extended and the other way round.
//!
//! ```
//! # actix_web::rt::System::new().block_on(async {
//! use actix_jwt_ext::{JwtConfig, JwtManager};
//!
//! let jwt = JwtManager::new(JwtConfig::builder().secret_key("s3cr3t").build()?)?;
//! let token = jwt.access_token("alice").fresh(true).claim("roles", ["admin"]).encode().await?;
//! let decoded = jwt.decode_token(&token).await?;
//! assert_eq!(decoded.identity_str(), Some("alice"));
//! assert_eq!(decoded.token_type(), "access");
//! assert_eq!(decoded.claims()["roles"][0], "admin");
//! assert_eq!(decoded.header()["typ"], "JWT");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

mod b64;
mod decoded;
mod parse;
mod raw;

pub use self::decoded::DecodedToken;

pub(crate) use self::parse::{Member, Object};
pub(crate) use self::raw::{check_header_params, RawToken};

use serde_json::Value;

pub(crate) use self::b64::{decode as b64_decode, encode_into as b64_encode_into};

/// Seconds since the Unix epoch, as a float (Python's `time.time()`).
pub(crate) fn now_f64() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Python truthiness of a JSON value (`bool(value)` after `json.loads`).
pub(crate) fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Python's `str(value)` for a decoded JSON value, as flask-jwt-extended formats an identity
/// in `Error loading the user <identity>`.
pub(crate) fn python_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => python_repr(other),
    }
}

fn python_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            let quote = if s.contains('\'') && !s.contains('"') {
                '"'
            } else {
                '\''
            };
            let mut out = String::with_capacity(s.len() + 2);
            out.push(quote);
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if c == quote => {
                        out.push('\\');
                        out.push(c);
                    }
                    c => out.push(c),
                }
            }
            out.push(quote);
            out
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(python_repr).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!(
                    "{}: {}",
                    python_repr(&Value::String(k.clone())),
                    python_repr(v)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn python_formatting_of_identities() {
        assert_eq!(python_str(&json!("ghost")), "ghost");
        assert_eq!(python_str(&json!(true)), "True");
        assert_eq!(python_str(&Value::Null), "None");
        assert_eq!(python_str(&json!(12)), "12");
        assert_eq!(python_str(&json!(["a", 1, false])), "['a', 1, False]");
        assert_eq!(python_str(&json!({"id": "x"})), "{'id': 'x'}");
        assert_eq!(python_str(&json!(["it's"])), "[\"it's\"]");
    }
}
