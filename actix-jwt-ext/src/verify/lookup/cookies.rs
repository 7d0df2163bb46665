//! The `cookies` location: the access (or refresh) cookie, with the CSRF double-submit value
//! read here, before decoding, as flask-jwt-extended does.
//!
//! On a method in `JWT_CSRF_METHODS` (with `JWT_COOKIE_CSRF_PROTECT`), the CSRF value comes
//! from the CSRF header, or, with `JWT_CSRF_CHECK_FORM`, from the form field when the header is
//! absent or empty; none gives 401 `Missing CSRF token` without decoding the token. The value is
//! compared with the token's `csrf` claim in constant time after the signature and claims
//! verify (see [`crate::csrf`]).

use std::borrow::Cow;

use actix_web::http::header::{HeaderMap, COOKIE};

use super::{header_text, latin1, mime, Lookup, RequestParts};
use crate::config::JwtConfig;
use crate::error::JwtError;
use crate::kind::ErrorKind;

/// `true` for the bodies Flask's `request.form` reads: URL-encoded and multipart forms.
pub(super) fn is_form(headers: &HeaderMap) -> bool {
    matches!(
        mime(headers).as_deref(),
        Some("application/x-www-form-urlencoded" | "multipart/form-data")
    )
}

/// The first cookie called `name`, parsed leniently: a malformed neighbour does not hide it,
/// and bytes outside ASCII are read as Latin-1, as Werkzeug does.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<Cow<'a, str>> {
    headers.get_all(COOKIE).find_map(|line| {
        let text = latin1(line.as_bytes());
        let range = find_cookie(&text, name)?;
        Some(match text {
            Cow::Borrowed(s) => Cow::Borrowed(&s[range]),
            Cow::Owned(s) => Cow::Owned(s[range].to_owned()),
        })
    })
}

/// The byte range of the value of cookie `name` in a `Cookie` header line.
fn find_cookie(line: &str, name: &str) -> Option<std::ops::Range<usize>> {
    let base = line.as_ptr() as usize;
    line.split(';').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        if k.trim() != name {
            return None;
        }
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v);
        let start = v.as_ptr() as usize - base;
        Some(start..start + v.len())
    })
}

/// The form field `field` of a URL-encoded or multipart body (Flask's `request.form`).
fn form_field(headers: &HeaderMap, body: &[u8], field: &str) -> Option<String> {
    let content_type = headers
        .get(actix_web::http::header::CONTENT_TYPE)?
        .to_str()
        .ok()?;
    match mime(headers).as_deref()? {
        "application/x-www-form-urlencoded" => form_urlencoded::parse(body)
            .find(|(k, _)| k == field)
            .map(|(_, v)| v.into_owned()),
        "multipart/form-data" => super::multipart::field(content_type, body, field),
        _ => None,
    }
}

pub(super) fn lookup<'a>(
    parts: RequestParts<'a>,
    config: &'a JwtConfig,
    refresh: bool,
) -> Result<Lookup<'a>, JwtError> {
    let req = parts.req;
    let (cookie_name, header_name, field_name) = if refresh {
        (
            &config.refresh_cookie_name,
            &config.refresh_csrf_header_name,
            &config.refresh_csrf_field_name,
        )
    } else {
        (
            &config.access_cookie_name,
            &config.access_csrf_header_name,
            &config.access_csrf_field_name,
        )
    };
    let token = match cookie(req.headers(), cookie_name) {
        Some(t) if !t.is_empty() => t,
        _ => {
            return Ok(Lookup::Missing(
                format!("Missing cookie \"{cookie_name}\"").into(),
            ))
        }
    };
    if !(config.cookie_csrf_protect && config.csrf_methods.contains(req.method())) {
        return Ok(Lookup::Found { token, csrf: None });
    }
    let mut csrf = header_text(req.headers(), header_name).filter(|v| !v.is_empty());
    if csrf.is_none() && config.csrf_check_form && is_form(req.headers()) {
        csrf = parts
            .body
            .and_then(|body| form_field(req.headers(), body, field_name))
            .filter(|v| !v.is_empty())
            .map(Cow::Owned);
    }
    match csrf {
        Some(csrf) => Ok(Lookup::Found {
            token,
            csrf: Some(csrf),
        }),
        None => Err(ErrorKind::CsrfMissing.into()),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn cookies_are_found_leniently() {
        let req = TestRequest::default()
            .insert_header((COOKIE, "bad cookie; access_token_cookie=tok; other=1"))
            .to_http_request();
        assert_eq!(cookie(req.headers(), "access_token_cookie").unwrap(), "tok");
        assert!(cookie(req.headers(), "refresh_token_cookie").is_none());
    }

    fn run(
        req: TestRequest,
        body: Option<&[u8]>,
        config: &JwtConfig,
    ) -> Result<Option<String>, String> {
        let req = req.to_http_request();
        match lookup(RequestParts { req: &req, body }, config, false) {
            Ok(Lookup::Found { csrf, .. }) => Ok(csrf.map(Cow::into_owned)),
            Ok(Lookup::Missing(m)) => Err(m.into_owned()),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn reference_rows_k1_k2_k8() {
        let config = JwtConfig::default();
        assert_eq!(
            run(TestRequest::post(), None, &config),
            Err("Missing cookie \"access_token_cookie\"".into())
        );
        let with_cookie =
            || TestRequest::default().insert_header((COOKIE, "access_token_cookie=t"));
        assert_eq!(
            run(with_cookie(), None, &config),
            Ok(None),
            "GET needs no CSRF value"
        );
        assert_eq!(
            run(
                with_cookie().method(actix_web::http::Method::POST),
                None,
                &config
            ),
            Err("Missing CSRF token".into())
        );
        let sent = with_cookie()
            .method(actix_web::http::Method::POST)
            .insert_header(("x-csrf-token", "v"));
        assert_eq!(run(sent, None, &config), Ok(Some("v".into())));
    }

    #[test]
    fn non_utf8_neighbours_do_not_hide_cookies() {
        let line = actix_web::http::header::HeaderValue::from_bytes(
            b"other=\xe9; access_token_cookie=tok",
        )
        .unwrap();
        let req = TestRequest::default()
            .insert_header((COOKIE, line))
            .to_http_request();
        assert_eq!(cookie(req.headers(), "access_token_cookie").unwrap(), "tok");
        assert_eq!(cookie(req.headers(), "other").unwrap(), "\u{e9}");
    }

    #[test]
    fn multipart_form_field_is_read() {
        let config = JwtConfig {
            csrf_check_form: true,
            ..JwtConfig::default()
        };
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc\r\n--XyZ--\r\n";
        let req = TestRequest::post()
            .insert_header((COOKIE, "access_token_cookie=t"))
            .insert_header(("content-type", "multipart/form-data; boundary=XyZ"));
        assert_eq!(run(req, Some(body), &config), Ok(Some("abc".into())));
    }

    #[test]
    fn form_field_is_a_fallback_when_enabled() {
        let config = JwtConfig {
            csrf_check_form: true,
            ..JwtConfig::default()
        };
        let req = TestRequest::post()
            .insert_header((COOKIE, "access_token_cookie=t"))
            .insert_header(("content-type", "application/x-www-form-urlencoded"));
        assert_eq!(
            run(req, Some(b"a=1&csrf_token=abc"), &config),
            Ok(Some("abc".into()))
        );
    }
}
