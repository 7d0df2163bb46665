//! The `json` location: `{"JWT_JSON_KEY": "<JWT>"}` (or `JWT_REFRESH_JSON_KEY` on refresh
//! routes) in a body whose content type is `application/json` or `application/*+json`.

use std::borrow::Cow;

use actix_web::http::header::HeaderMap;
use serde_json::Value;

use super::{mime, Lookup, RequestParts};
use crate::config::JwtConfig;
use crate::error::JwtError;
use crate::kind::ErrorKind;

/// Flask's `request.is_json`.
pub(super) fn is_json(headers: &HeaderMap) -> bool {
    mime(headers).is_some_and(|m| {
        m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
    })
}

pub(super) fn lookup<'a>(
    parts: RequestParts<'a>,
    config: &'a JwtConfig,
    refresh: bool,
) -> Result<Lookup<'a>, JwtError> {
    if !is_json(parts.req.headers()) {
        return Ok(Lookup::Missing(
            "Invalid content-type. Must be application/json.".into(),
        ));
    }
    let key = if refresh {
        &config.refresh_json_key
    } else {
        &config.json_key
    };
    let missing = || Lookup::Missing(format!("Missing \"{key}\" key in json data.").into());
    // A body that is not a JSON object (flask-jwt-extended answers 500 to an array) has no key.
    let Some(Ok(Value::Object(mut body))) = parts.body.map(serde_json::from_slice::<Value>) else {
        return Ok(missing());
    };
    match body.remove(key.as_str()) {
        Some(Value::String(token)) if !token.is_empty() => Ok(Lookup::Found {
            token: Cow::Owned(token),
            csrf: None,
        }),
        Some(v) if crate::token::truthy(&v) => Err(ErrorKind::BadTokenValue.into()),
        _ => Ok(missing()),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn run(
        content_type: Option<&str>,
        body: &[u8],
        refresh: bool,
    ) -> Result<Result<String, String>, String> {
        let mut req = TestRequest::post();
        if let Some(ct) = content_type {
            req = req.insert_header(("content-type", ct));
        }
        let req = req.to_http_request();
        match lookup(
            RequestParts {
                req: &req,
                body: Some(body),
            },
            &JwtConfig::default(),
            refresh,
        ) {
            Ok(Lookup::Found { token, .. }) => Ok(Ok(token.into_owned())),
            Ok(Lookup::Missing(m)) => Ok(Err(m.into_owned())),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn reference_rows_j1_to_j5() {
        let j1 = Ok(Err(
            "Invalid content-type. Must be application/json.".to_owned()
        ));
        assert_eq!(run(None, b"", false), j1);
        assert_eq!(
            run(
                Some("application/x-www-form-urlencoded"),
                b"access_token=x",
                false
            ),
            j1
        );
        let j2 = Ok(Err("Missing \"access_token\" key in json data.".to_owned()));
        assert_eq!(run(Some("application/json"), b"{}", false), j2);
        assert_eq!(run(Some("application/json"), b"", false), j2);
        assert_eq!(run(Some("application/json"), b"{nope", false), j2);
        assert_eq!(
            run(Some("application/json"), b"[1]", false),
            j2,
            "array bodies are a 4xx here"
        );
        assert_eq!(
            run(Some("application/json"), br#"{"access_token":"t"}"#, true),
            Ok(Err("Missing \"refresh_token\" key in json data.".to_owned()))
        );
        assert_eq!(
            run(
                Some("application/vnd.api+json"),
                br#"{"access_token":"t"}"#,
                false
            ),
            Ok(Ok("t".into()))
        );
        assert_eq!(
            run(
                Some("Application/JSON; charset=UTF-8"),
                br#"{"access_token":"t"}"#,
                false
            ),
            Ok(Ok("t".into()))
        );
        assert!(run(Some("application/json"), br#"{"access_token":5}"#, false).is_err());
    }
}
