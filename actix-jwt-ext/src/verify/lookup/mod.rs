//! Where tokens are found: headers, cookies, query string and JSON body, searched in the
//! configured order.
//!
//! The search follows flask-jwt-extended exactly: a location that holds no token ("missing")
//! passes on to the next one; any other failure (a malformed header, a wrong query prefix, a
//! CSRF failure, and every decode error of the token found) answers at once, even if a later
//! location holds a valid token. When no location holds a token, the error names them all:
//! `Missing JWT in headers, cookies or query_string (<why>; <why>; <why>)`.

mod cookies;
mod headers;
mod json;
mod multipart;
mod query;

use std::borrow::Cow;

use actix_web::http::header::HeaderMap;
use actix_web::HttpRequest;

use crate::config::{JwtConfig, TokenLocation};
use crate::error::JwtError;

/// What one location gave.
#[derive(Debug)]
pub(crate) enum Lookup<'a> {
    /// A token, and the CSRF value that came with it (cookies on CSRF-checked methods).
    Found {
        token: Cow<'a, str>,
        csrf: Option<Cow<'a, str>>,
    },
    /// No token here; the text says why, for the combined message.
    Missing(Cow<'static, str>),
}

/// The request parts a lookup reads. `body` is the buffered request body, when one was read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RequestParts<'a> {
    pub(crate) req: &'a HttpRequest,
    pub(crate) body: Option<&'a [u8]>,
}

/// Looks in one location. `Err` ends the search.
pub(crate) fn lookup<'a>(
    location: TokenLocation,
    parts: RequestParts<'a>,
    config: &'a JwtConfig,
    refresh: bool,
) -> Result<Lookup<'a>, JwtError> {
    match location {
        TokenLocation::Headers => headers::lookup(parts.req.headers(), config),
        TokenLocation::Cookies => cookies::lookup(parts, config, refresh),
        TokenLocation::QueryString => query::lookup(parts.req.query_string(), config),
        TokenLocation::Json => json::lookup(parts, config, refresh),
    }
}

/// `Missing JWT in a, b or c (e1; e2; e3)`, or the single location's own message.
pub(crate) fn missing_message(
    locations: &[TokenLocation],
    reasons: &[Cow<'static, str>],
) -> String {
    match (locations, reasons) {
        ([_], [reason]) => reason.to_string(),
        ([init @ .., last], _) => {
            let names: Vec<&str> = init.iter().map(|l| l.as_str()).collect();
            format!(
                "Missing JWT in {} or {} ({})",
                names.join(", "),
                last.as_str(),
                reasons.join("; ")
            )
        }
        ([], _) => "Missing JWT".to_owned(),
    }
}

/// `true` when the search may need the request body: a JSON body for the `json` location, or
/// a form body for the CSRF form-field fallback.
pub(crate) fn needs_body(
    req: &HttpRequest,
    config: &JwtConfig,
    locations: &[TokenLocation],
) -> bool {
    locations.iter().any(|l| match l {
        TokenLocation::Json => json::is_json(req.headers()),
        TokenLocation::Cookies => {
            config.csrf_check_form
                && config.cookie_csrf_protect
                && config.csrf_methods.contains(req.method())
                && cookies::is_form(req.headers())
        }
        _ => false,
    })
}

/// A header's text. Several lines of the same header are joined with `", "`, the way a WSGI
/// server hands them to Flask; bytes outside ASCII are read as Latin-1, as Werkzeug does.
pub(crate) fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<Cow<'a, str>> {
    let mut values = headers.get_all(name);
    let first = values.next()?;
    let mut text = latin1(first.as_bytes());
    for more in values {
        let t = text.to_mut();
        t.push_str(", ");
        t.push_str(&latin1(more.as_bytes()));
    }
    Some(text)
}

pub(crate) fn latin1(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) if s.is_ascii() => Cow::Borrowed(s),
        _ => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// The media type of the request, lower-cased, without parameters.
pub(crate) fn mime(headers: &HeaderMap) -> Option<String> {
    let ct = headers
        .get(actix_web::http::header::CONTENT_TYPE)?
        .to_str()
        .ok()?;
    Some(
        ct.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_message_lists_locations_in_order() {
        let locs = [
            TokenLocation::Headers,
            TokenLocation::Cookies,
            TokenLocation::QueryString,
            TokenLocation::Json,
        ];
        let reasons: Vec<Cow<'static, str>> = vec!["a".into(), "b".into(), "c".into(), "d".into()];
        assert_eq!(
            missing_message(&locs, &reasons),
            "Missing JWT in headers, cookies, query_string or json (a; b; c; d)"
        );
        assert_eq!(missing_message(&locs[..1], &reasons[..1]), "a");
        assert_eq!(
            missing_message(
                &[TokenLocation::Json, TokenLocation::QueryString],
                &reasons[..2]
            ),
            "Missing JWT in json or query_string (a; b)"
        );
    }

    #[test]
    fn header_lines_are_joined_and_latin1_decoded() {
        let req = actix_web::test::TestRequest::default()
            .append_header(("Authorization", "Basic x"))
            .append_header((
                "Authorization",
                actix_web::http::header::HeaderValue::from_bytes(b"Bearer \xe9").unwrap(),
            ))
            .to_http_request();
        assert_eq!(
            header_text(req.headers(), "authorization").unwrap(),
            "Basic x, Bearer \u{e9}"
        );
        assert!(header_text(req.headers(), "X-Missing").is_none());
    }
}
