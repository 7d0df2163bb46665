//! The `headers` location: `JWT_HEADER_NAME: JWT_HEADER_TYPE <JWT>`.
//!
//! flask-jwt-extended's parse, step by step: strip spaces and commas around the value; empty
//! means missing. With a header type, split on commas and keep the entries whose first word is
//! exactly the type (case-sensitive); exactly one must remain, holding exactly two words,
//! else "missing" (none or several) or "bad header" (one, malformed). Without a type, the value
//! must be a single word.

use std::borrow::Cow;

use actix_web::http::header::HeaderMap;

use super::{header_text, Lookup};
use crate::config::JwtConfig;
use crate::error::JwtError;
use crate::kind::Failure;

fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Python's `str.strip().strip(",")`.
fn trim(value: &str) -> &str {
    value.trim_matches(is_space).trim_matches(',')
}

pub(super) fn lookup<'a>(
    headers: &'a HeaderMap,
    config: &'a JwtConfig,
) -> Result<Lookup<'a>, JwtError> {
    let name = config.header_name.as_str();
    if let Some(token) = fast_path(headers, name, &config.header_type) {
        return Ok(Lookup::Found {
            token: Cow::Borrowed(token),
            csrf: None,
        });
    }
    let Some(raw) = header_text(headers, name) else {
        return Ok(Lookup::Missing(format!("Missing {name} Header").into()));
    };
    let token = parse(&raw, name, &config.header_type)?;
    Ok(match token {
        Some(range) => Lookup::Found {
            token: match raw {
                Cow::Borrowed(s) => Cow::Borrowed(&s[range]),
                Cow::Owned(s) => Cow::Owned(s[range].to_owned()),
            },
            csrf: None,
        },
        None if trim(&raw).is_empty() => Lookup::Missing(format!("Missing {name} Header").into()),
        None => Lookup::Missing(
            format!(
                "Missing '{ty}' type in '{name}' header. Expected '{name}: {ty} <JWT>'",
                ty = config.header_type
            )
            .into(),
        ),
    })
}

/// The common case without the general parse: one header line of visible ASCII, no comma,
/// no tab, `<type> <token>` (or the bare token). Anything else returns `None` and takes the
/// general path, which gives the same answer for these inputs. (`HeaderValue::to_str` lets
/// tabs through: they are whitespace to Python's `str.split()`, so `Bearer \t<token>` holds
/// the token, as flask-jwt-extended reads it.)
///
/// One scan of the token finds a comma, a tab or a space (`memchr3`, SIMD); the part before
/// it is the header type and single spaces, checked as it is stripped.
fn fast_path<'a>(headers: &'a HeaderMap, name: &str, header_type: &str) -> Option<&'a str> {
    let mut values = headers.get_all(name);
    let value = values.next()?.to_str().ok()?;
    if values.next().is_some() || header_type.contains([',', '\t']) {
        return None;
    }
    let value = value.trim_matches(' ');
    let token = if header_type.is_empty() {
        value
    } else {
        value
            .strip_prefix(header_type)?
            .strip_prefix(' ')?
            .trim_start_matches(' ')
    };
    let clean = memchr::memchr3(b',', b'\t', b' ', token.as_bytes()).is_none();
    (!token.is_empty() && clean).then_some(token)
}

/// The byte range of the token inside `raw`; `Ok(None)` when the header holds no token of
/// this type.
fn parse(
    raw: &str,
    name: &str,
    header_type: &str,
) -> Result<Option<std::ops::Range<usize>>, JwtError> {
    let value = trim(raw);
    if value.is_empty() {
        return Ok(None);
    }
    let offset = |part: &str| part.as_ptr() as usize - raw.as_ptr() as usize;
    if header_type.is_empty() {
        let mut words = value.split(is_space).filter(|w| !w.is_empty());
        return match (words.next(), words.next()) {
            (Some(token), None) => Ok(Some(offset(token)..offset(token) + token.len())),
            _ => Err(Failure::bad_authorization_header(name, "").into()),
        };
    }
    let mut matching = split_entries(value)
        .filter(|entry| entry.split(is_space).find(|w| !w.is_empty()) == Some(header_type));
    let (Some(entry), None) = (matching.next(), matching.next()) else {
        return Ok(None);
    };
    let mut words = entry.split(is_space).filter(|w| !w.is_empty());
    match (words.next(), words.next(), words.next()) {
        (Some(_), Some(token), None) => Ok(Some(offset(token)..offset(token) + token.len())),
        _ => Err(Failure::bad_authorization_header(name, header_type).into()),
    }
}

/// Python's `re.split(r",\s*", value)`, dropping empty entries.
fn split_entries(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(',')
        .map(|e| e.trim_start_matches(is_space))
        .filter(|e| !e.is_empty())
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn run(value: Option<&str>, header_type: &str) -> Result<Result<String, String>, String> {
        let mut req = TestRequest::default();
        if let Some(v) = value {
            req = req.insert_header(("Authorization", v));
        }
        let req = req.to_http_request();
        let config = JwtConfig {
            header_type: header_type.into(),
            ..JwtConfig::default()
        };
        match lookup(req.headers(), &config) {
            Ok(Lookup::Found { token, .. }) => Ok(Ok(token.into_owned())),
            Ok(Lookup::Missing(m)) => Ok(Err(m.into_owned())),
            Err(e) => Err(e.to_string()),
        }
    }

    const MISSING_TYPE: &str =
        "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'";
    const BAD: &str = "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'";

    #[test]
    fn reference_rows_h1_to_h12() {
        assert_eq!(
            run(None, "Bearer"),
            Ok(Err("Missing Authorization Header".into()))
        );
        assert_eq!(
            run(Some(""), "Bearer"),
            Ok(Err("Missing Authorization Header".into()))
        );
        assert_eq!(
            run(Some("Basic abc"), "Bearer"),
            Ok(Err(MISSING_TYPE.into()))
        );
        assert_eq!(
            run(Some("bearer t"), "Bearer"),
            Ok(Err(MISSING_TYPE.into()))
        );
        assert_eq!(
            run(Some("Bearer a, Bearer b"), "Bearer"),
            Ok(Err(MISSING_TYPE.into()))
        );
        assert_eq!(run(Some("Bearer"), "Bearer"), Err(BAD.into()));
        assert_eq!(run(Some("Bearer t extra"), "Bearer"), Err(BAD.into()));
        assert_eq!(run(Some("Bearer ,,0"), "Bearer"), Err(BAD.into()));
        assert_eq!(
            run(Some("Basic x, Bearer tok"), "Bearer"),
            Ok(Ok("tok".into()))
        );
        assert_eq!(run(Some("Bearer tok,  "), "Bearer"), Ok(Ok("tok".into())));
        assert_eq!(
            run(Some("Bearer tok"), ""),
            Err("Bad Authorization header. Expected 'Authorization: <JWT>'".into())
        );
        assert_eq!(
            run(Some("tok, other"), ""),
            Err("Bad Authorization header. Expected 'Authorization: <JWT>'".into())
        );
        assert_eq!(run(Some("  tok "), ""), Ok(Ok("tok".into())));
        assert_eq!(run(Some("Bearer   tok  "), "Bearer"), Ok(Ok("tok".into())));
        assert_eq!(
            run(Some("Bearertok"), "Bearer"),
            Ok(Err(MISSING_TYPE.into()))
        );
        assert_eq!(
            run(Some("Bearer\ttok"), "Bearer"),
            Ok(Ok("tok".into())),
            "tabs take the general path"
        );
    }

    /// Wherever the fast path answers, the general parse gives the same token.
    #[test]
    fn the_fast_path_agrees_with_the_general_parse() {
        let values = [
            "Bearer tok",
            "Bearer  tok",
            " Bearer tok ",
            "Bearer tok,",
            "Bearer ,tok",
            "Bearer\ttok",
            "Bearer \ttok",
            "Bearer tok\t",
            "Bearer t,k",
            "Bearer tok x",
            ",Bearer tok",
            "Bearer, tok",
            "tok",
            " tok ",
            "t k",
            "tok,",
            "",
        ];
        let mut fast = 0;
        for header_type in ["Bearer", "", "JWT,x", "A\tB"] {
            for value in values {
                let req = TestRequest::default()
                    .insert_header(("Authorization", value))
                    .to_http_request();
                let Some(token) = fast_path(req.headers(), "Authorization", header_type) else {
                    continue;
                };
                fast += 1;
                let general = parse(value, "Authorization", header_type)
                    .unwrap_or_else(|e| panic!("{value:?} / {header_type:?}: {e}"))
                    .map(|range| &value[range]);
                assert_eq!(general, Some(token), "{value:?} / {header_type:?}");
            }
        }
        assert!(fast >= 5, "the fast path answered {fast} times");
    }

    #[test]
    fn tabs_are_whitespace_as_in_python_split() {
        // The type, one space, then a tab: `"Bearer \ttok".split()` is `["Bearer", "tok"]`.
        assert_eq!(run(Some("Bearer \ttok"), "Bearer"), Ok(Ok("tok".into())));
        assert_eq!(run(Some("Bearer\t tok"), "Bearer"), Ok(Ok("tok".into())));
        // `str.strip()` takes tabs around the value too.
        assert_eq!(run(Some("Bearer tok\t"), "Bearer"), Ok(Ok("tok".into())));
        assert_eq!(run(Some("\tBearer tok"), "Bearer"), Ok(Ok("tok".into())));
        assert_eq!(run(Some("\ttok\t"), ""), Ok(Ok("tok".into())));
        // A tab between two words still makes three words.
        assert_eq!(run(Some("Bearer tok\textra"), "Bearer"), Err(BAD.into()));
        assert_eq!(
            run(Some("tok\textra"), ""),
            Err("Bad Authorization header. Expected 'Authorization: <JWT>'".into())
        );
        assert_eq!(run(Some("Bearer\t"), "Bearer"), Err(BAD.into()));
    }
}
