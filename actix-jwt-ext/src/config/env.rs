//! Settings as text: the environment, a `.env` file, or `(name, value)` pairs.
//!
//! Value syntax: booleans `true/false`, `1/0`, `yes/no`, `on/off` (any case); lifetimes in whole
//! seconds, where `0` or `false` means "no `exp`"; lists separated by commas; PEM keys as text
//! (a literal `\n` inside a one-line PEM value is turned into a line break).

use std::path::Path;
use std::time::Duration;

use actix_web::cookie::SameSite;
use actix_web::http::Method;
use jsonwebtoken::Algorithm;

use super::{Audience, ConfigError, Expires, JwtConfig, Secret, TokenLocation};

/// The settings a [`JwtConfig`] reads, besides the `JWT_*` options.
const APP_SECRET: &str = "SECRET_KEY";

/// Collects `SECRET_KEY` and `JWT_*` variables: the `.env` file first, then the environment.
pub(super) fn collect(dotenv: &Path) -> Result<Vec<(String, String)>, ConfigError> {
    let relevant = |name: &str| name == APP_SECRET || name.starts_with("JWT_");
    let mut vars = Vec::new();
    match dotenvy::from_path_iter(dotenv) {
        Ok(iter) => {
            for item in iter {
                let (name, value) = item.map_err(|e| ConfigError::DotEnv {
                    path: dotenv.display().to_string(),
                    reason: dotenv_reason(&e),
                })?;
                if relevant(&name) {
                    vars.push((name, value));
                }
            }
        }
        Err(dotenvy::Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(ConfigError::DotEnv {
                path: dotenv.display().to_string(),
                reason: dotenv_reason(&e),
            })
        }
    }
    for (name, value) in std::env::vars_os() {
        let (Some(name), Some(value)) = (name.to_str(), value.to_str()) else {
            continue;
        };
        if relevant(name) {
            vars.push((name.to_owned(), value.to_owned()));
        }
    }
    Ok(vars)
}

/// A parse error of the `.env` file, without echoing its line (it may hold a secret).
fn dotenv_reason(e: &dotenvy::Error) -> String {
    match e {
        dotenvy::Error::LineParse(_, index) => format!("syntax error at character {index}"),
        dotenvy::Error::Io(io) => io.to_string(),
        _ => "unreadable".to_owned(),
    }
}

fn parse_bool(setting: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::Invalid {
            setting,
            reason: format!("expected true/false (or 1/0, yes/no, on/off), got {value:?}"),
        }),
    }
}

fn parse_expires(setting: &'static str, value: &str) -> Result<Expires, ConfigError> {
    let v = value.trim();
    if v.eq_ignore_ascii_case("false") || v.eq_ignore_ascii_case("none") {
        return Ok(Expires::Never);
    }
    v.parse::<u64>()
        .map(|secs| Duration::from_secs(secs).into())
        .map_err(|_| ConfigError::Invalid {
            setting,
            reason: format!(
                "expected a whole number of seconds (0 or false: no exp), got {value:?}"
            ),
        })
}

fn parse_algorithm(setting: &'static str, value: &str) -> Result<Algorithm, ConfigError> {
    value
        .trim()
        .parse::<Algorithm>()
        .map_err(|_| ConfigError::UnknownAlgorithm {
            setting,
            value: value.trim().to_owned(),
        })
}

fn list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn non_empty(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

/// A PEM key given on one line with literal `\n` escapes becomes a real multi-line PEM.
fn pem(value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        None
    } else if v.contains("-----BEGIN") && !v.contains('\n') && v.contains("\\n") {
        Some(v.replace("\\n", "\n"))
    } else {
        Some(v.to_owned())
    }
}

/// Applies one setting. Unknown `JWT_*` names are logged (a likely typo) and ignored.
pub(super) fn apply(c: &mut JwtConfig, name: &str, value: &str) -> Result<(), ConfigError> {
    match name {
        "JWT_ACCESS_TOKEN_EXPIRES" => {
            c.access_token_expires = parse_expires("JWT_ACCESS_TOKEN_EXPIRES", value)?
        }
        "JWT_REFRESH_TOKEN_EXPIRES" => {
            c.refresh_token_expires = parse_expires("JWT_REFRESH_TOKEN_EXPIRES", value)?
        }
        "JWT_ALGORITHM" => c.algorithm = parse_algorithm("JWT_ALGORITHM", value)?,
        "JWT_DECODE_ALGORITHMS" => {
            c.decode_algorithms = list(value)
                .map(|a| parse_algorithm("JWT_DECODE_ALGORITHMS", a))
                .collect::<Result<_, _>>()?;
        }
        "JWT_DECODE_AUDIENCE" => {
            let v: Vec<String> = list(value).map(str::to_owned).collect();
            c.decode_audience = (!v.is_empty()).then_some(v);
        }
        "JWT_DECODE_ISSUER" => {
            let v: Vec<String> = list(value).map(str::to_owned).collect();
            c.decode_issuer = (!v.is_empty()).then_some(v);
        }
        "JWT_DECODE_LEEWAY" => {
            c.decode_leeway = value
                .trim()
                .parse::<u64>()
                .map(Duration::from_secs)
                .map_err(|_| ConfigError::Invalid {
                    setting: "JWT_DECODE_LEEWAY",
                    reason: format!("expected a whole number of seconds, got {value:?}"),
                })?;
        }
        "JWT_ENCODE_AUDIENCE" => {
            let v: Vec<String> = list(value).map(str::to_owned).collect();
            c.encode_audience = match v.len() {
                0 => None,
                1 if !value.contains(',') => v.into_iter().next().map(Audience::One),
                _ => Some(Audience::Many(v)),
            };
        }
        "JWT_ENCODE_ISSUER" => c.encode_issuer = non_empty(value),
        "JWT_ENCODE_NBF" => c.encode_nbf = parse_bool("JWT_ENCODE_NBF", value)?,
        "JWT_ERROR_MESSAGE_KEY" => c.error_message_key = value.to_owned(),
        "JWT_IDENTITY_CLAIM" => c.identity_claim = value.to_owned(),
        "JWT_PRIVATE_KEY" => c.private_key = pem(value).map(Secret::from),
        "JWT_PUBLIC_KEY" => c.public_key = pem(value),
        "JWT_SECRET_KEY" => c.secret_key = non_empty(value).map(Secret::from),
        APP_SECRET => c.app_secret_key = non_empty(value).map(Secret::from),
        "JWT_TOKEN_LOCATION" => {
            c.token_location = list(value)
                .map(|l| {
                    l.parse::<TokenLocation>()
                        .map_err(|_| ConfigError::UnknownLocation {
                            value: l.to_owned(),
                        })
                })
                .collect::<Result<_, _>>()?;
        }
        "JWT_VERIFY_SUB" => c.verify_sub = parse_bool("JWT_VERIFY_SUB", value)?,
        "JWT_HEADER_NAME" => c.header_name = value.trim().to_owned(),
        "JWT_HEADER_TYPE" => c.header_type = value.trim().to_owned(),
        "JWT_ACCESS_COOKIE_NAME" => c.access_cookie_name = value.to_owned(),
        "JWT_ACCESS_COOKIE_PATH" => c.access_cookie_path = value.to_owned(),
        "JWT_REFRESH_COOKIE_NAME" => c.refresh_cookie_name = value.to_owned(),
        "JWT_REFRESH_COOKIE_PATH" => c.refresh_cookie_path = value.to_owned(),
        "JWT_COOKIE_CSRF_PROTECT" => {
            c.cookie_csrf_protect = parse_bool("JWT_COOKIE_CSRF_PROTECT", value)?
        }
        "JWT_COOKIE_DOMAIN" => c.cookie_domain = non_empty(value.trim()),
        "JWT_COOKIE_SAMESITE" => {
            c.cookie_samesite = match value.trim().to_ascii_lowercase().as_str() {
                "" => None,
                "none" => Some(SameSite::None),
                "lax" => Some(SameSite::Lax),
                "strict" => Some(SameSite::Strict),
                _ => {
                    return Err(ConfigError::Invalid {
                        setting: "JWT_COOKIE_SAMESITE",
                        reason: format!("expected None, Lax, Strict or empty, got {value:?}"),
                    })
                }
            };
        }
        "JWT_COOKIE_SECURE" => c.cookie_secure = parse_bool("JWT_COOKIE_SECURE", value)?,
        "JWT_SESSION_COOKIE" => c.session_cookie = parse_bool("JWT_SESSION_COOKIE", value)?,
        "JWT_CSRF_METHODS" => {
            c.csrf_methods = list(value)
                .map(|m| {
                    Method::from_bytes(m.to_ascii_uppercase().as_bytes()).map_err(|_| {
                        ConfigError::Invalid {
                            setting: "JWT_CSRF_METHODS",
                            reason: format!("{m:?} is not an HTTP method"),
                        }
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        "JWT_CSRF_IN_COOKIES" => c.csrf_in_cookies = parse_bool("JWT_CSRF_IN_COOKIES", value)?,
        "JWT_CSRF_CHECK_FORM" => c.csrf_check_form = parse_bool("JWT_CSRF_CHECK_FORM", value)?,
        "JWT_ACCESS_CSRF_HEADER_NAME" => c.access_csrf_header_name = value.trim().to_owned(),
        "JWT_REFRESH_CSRF_HEADER_NAME" => c.refresh_csrf_header_name = value.trim().to_owned(),
        "JWT_ACCESS_CSRF_FIELD_NAME" => c.access_csrf_field_name = value.to_owned(),
        "JWT_REFRESH_CSRF_FIELD_NAME" => c.refresh_csrf_field_name = value.to_owned(),
        "JWT_ACCESS_CSRF_COOKIE_NAME" => c.access_csrf_cookie_name = value.to_owned(),
        "JWT_REFRESH_CSRF_COOKIE_NAME" => c.refresh_csrf_cookie_name = value.to_owned(),
        "JWT_ACCESS_CSRF_COOKIE_PATH" => c.access_csrf_cookie_path = value.to_owned(),
        "JWT_REFRESH_CSRF_COOKIE_PATH" => c.refresh_csrf_cookie_path = value.to_owned(),
        "JWT_QUERY_STRING_NAME" => c.query_string_name = value.to_owned(),
        "JWT_QUERY_STRING_VALUE_PREFIX" => c.query_string_value_prefix = value.to_owned(),
        "JWT_JSON_KEY" => c.json_key = value.to_owned(),
        "JWT_REFRESH_JSON_KEY" => c.refresh_json_key = value.to_owned(),
        "JWT_WWW_AUTHENTICATE" => c.www_authenticate = parse_bool("JWT_WWW_AUTHENTICATE", value)?,
        "JWT_WWW_AUTHENTICATE_REALM" => c.www_authenticate_realm = non_empty(value),
        other if other.starts_with("JWT_") => {
            log::debug!("ignoring unknown setting {other}");
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(vars: &[(&str, &str)]) -> Result<JwtConfig, ConfigError> {
        let mut c = JwtConfig::default();
        for (k, v) in vars {
            apply(&mut c, k, v)?;
        }
        Ok(c)
    }

    #[test]
    fn booleans_accept_the_usual_spellings() {
        for (v, want) in [
            ("true", true),
            ("ON", true),
            ("1", true),
            ("no", false),
            ("Off", false),
        ] {
            assert_eq!(
                cfg(&[("JWT_COOKIE_SECURE", v)]).unwrap().cookie_secure,
                want,
                "{v}"
            );
        }
        let err = cfg(&[("JWT_COOKIE_SECURE", "maybe")]).unwrap_err();
        assert_eq!(err.setting(), Some("JWT_COOKIE_SECURE"));
    }

    #[test]
    fn lifetimes_are_seconds_and_zero_means_no_exp() {
        let c = cfg(&[
            ("JWT_ACCESS_TOKEN_EXPIRES", "3"),
            ("JWT_REFRESH_TOKEN_EXPIRES", "0"),
        ])
        .unwrap();
        assert_eq!(
            c.access_token_expires,
            Expires::After(Duration::from_secs(3))
        );
        assert_eq!(c.refresh_token_expires, Expires::Never);
        assert_eq!(
            cfg(&[("JWT_ACCESS_TOKEN_EXPIRES", "false")])
                .unwrap()
                .access_token_expires,
            Expires::Never
        );
        let err = cfg(&[("JWT_ACCESS_TOKEN_EXPIRES", "1h")]).unwrap_err();
        assert!(
            err.to_string().starts_with("JWT_ACCESS_TOKEN_EXPIRES"),
            "{err}"
        );
    }

    #[test]
    fn lists_and_locations() {
        let c = cfg(&[
            ("JWT_TOKEN_LOCATION", "headers, query_string,json"),
            ("JWT_CSRF_METHODS", "get,post"),
        ])
        .unwrap();
        assert_eq!(
            c.token_location,
            vec![
                TokenLocation::Headers,
                TokenLocation::QueryString,
                TokenLocation::Json
            ]
        );
        assert_eq!(c.csrf_methods, vec![Method::GET, Method::POST]);
        let err = cfg(&[("JWT_TOKEN_LOCATION", "headers,body")]).unwrap_err();
        assert!(matches!(err, ConfigError::UnknownLocation { ref value } if value == "body"));
    }

    #[test]
    fn algorithms_and_audiences() {
        let c = cfg(&[
            ("JWT_ALGORITHM", "RS256"),
            ("JWT_DECODE_ALGORITHMS", "HS512"),
            ("JWT_ENCODE_AUDIENCE", "a,b"),
            ("JWT_DECODE_AUDIENCE", "a"),
        ])
        .unwrap();
        assert_eq!(
            c.decode_algorithms(),
            vec![Algorithm::HS512, Algorithm::RS256]
        );
        assert_eq!(
            c.encode_audience,
            Some(Audience::Many(vec!["a".into(), "b".into()]))
        );
        assert_eq!(c.decode_audience, Some(vec!["a".into()]));
        assert_eq!(
            cfg(&[("JWT_ENCODE_AUDIENCE", "one")])
                .unwrap()
                .encode_audience,
            Some(Audience::One("one".into()))
        );
        let err = cfg(&[("JWT_ALGORITHM", "ES512")]).unwrap_err();
        assert_eq!(err.setting(), Some("JWT_ALGORITHM"));
    }

    #[test]
    fn empty_header_type_is_kept_and_pem_escapes_are_expanded() {
        let c = cfg(&[
            ("JWT_HEADER_TYPE", ""),
            (
                "JWT_PUBLIC_KEY",
                "-----BEGIN PUBLIC KEY-----\\nabc\\n-----END PUBLIC KEY-----",
            ),
        ])
        .unwrap();
        assert_eq!(c.header_type, "");
        assert_eq!(
            c.public_key.as_deref(),
            Some("-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----")
        );
    }

    #[test]
    fn secret_falls_back_to_secret_key_and_errors_name_both() {
        let c = cfg(&[("SECRET_KEY", "app"), ("JWT_SECRET_KEY", "")]).unwrap();
        assert_eq!(c.effective_secret(), Some("app"));
        assert!(c.validate().is_ok());
        let err = JwtConfig::default().validate().unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("JWT_SECRET_KEY") && msg.contains("SECRET_KEY"),
            "{msg}"
        );
    }

    #[test]
    fn empty_header_name_is_refused() {
        let c = cfg(&[("SECRET_KEY", "x"), ("JWT_HEADER_NAME", "")]).unwrap();
        assert_eq!(c.validate().unwrap_err().setting(), Some("JWT_HEADER_NAME"));
    }

    #[test]
    fn asymmetric_algorithms_need_both_keys() {
        let c = cfg(&[("JWT_ALGORITHM", "ES256"), ("JWT_PRIVATE_KEY", "x")]).unwrap();
        let err = c.validate().unwrap_err();
        assert_eq!(err.setting(), Some("JWT_PUBLIC_KEY"));
        assert!(err.to_string().contains("ES256"));
    }

    #[test]
    fn dotenv_file_is_read_and_environment_wins() {
        let dir = std::env::temp_dir().join(format!("ajx-env-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".env");
        std::fs::write(
            &path,
            "JWT_QUERY_STRING_NAME=from_file\nOTHER=1\nJWT_ACCESS_TOKEN_EXPIRES=5\n",
        )
        .unwrap();
        let vars = collect(&path).unwrap();
        assert!(vars
            .iter()
            .any(|(k, v)| k == "JWT_QUERY_STRING_NAME" && v == "from_file"));
        assert!(!vars.iter().any(|(k, _)| k == "OTHER"));
        std::fs::write(&path, "JWT_X='unterminated\n").unwrap();
        assert!(matches!(collect(&path), Err(ConfigError::DotEnv { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn cookie_prefixes_are_checked_at_startup() {
        let base = [("SECRET_KEY", "x"), ("JWT_ACCESS_COOKIE_NAME", "__Host-at")];
        let err = cfg(&base).unwrap().validate().unwrap_err();
        assert_eq!(err.setting(), Some("JWT_ACCESS_COOKIE_NAME"));
        let mut ok = base.to_vec();
        ok.push(("JWT_COOKIE_SECURE", "true"));
        assert!(cfg(&ok).unwrap().validate().is_ok());
        ok.push(("JWT_COOKIE_DOMAIN", "example.com"));
        assert!(cfg(&ok).unwrap().validate().is_err());
        let secure = [
            ("SECRET_KEY", "x"),
            ("JWT_REFRESH_CSRF_COOKIE_NAME", "__Secure-r"),
        ];
        assert_eq!(
            cfg(&secure).unwrap().validate().unwrap_err().setting(),
            Some("JWT_REFRESH_CSRF_COOKIE_NAME")
        );
    }

    #[test]
    fn cookie_prefixes_match_case_insensitively() {
        for (setting, name) in [
            ("JWT_ACCESS_COOKIE_NAME", "__host-at"),
            ("JWT_ACCESS_COOKIE_NAME", "__HOST-at"),
            ("JWT_REFRESH_COOKIE_NAME", "__secure-rt"),
            ("JWT_ACCESS_CSRF_COOKIE_NAME", "__SeCuRe-csrf"),
            ("JWT_REFRESH_CSRF_COOKIE_NAME", "__hOsT-csrf"),
        ] {
            let vars = [("SECRET_KEY", "x"), (setting, name)];
            let err = cfg(&vars).unwrap().validate().unwrap_err();
            assert_eq!(err.setting(), Some(setting), "{name}: {err}");
            assert!(
                err.to_string().contains("JWT_COOKIE_SECURE"),
                "{name}: {err}"
            );
            assert!(err.to_string().contains(name), "{name}: {err}");
            let mut secure = vars.to_vec();
            secure.push(("JWT_COOKIE_SECURE", "true"));
            assert!(
                cfg(&secure).unwrap().validate().is_ok(),
                "{name} with Secure"
            );
        }
        // A lower-case `__host-` cookie has the `__Host-` rules: no Domain, Path=/.
        let host = [
            ("SECRET_KEY", "x"),
            ("JWT_ACCESS_COOKIE_NAME", "__host-at"),
            ("JWT_COOKIE_SECURE", "true"),
        ];
        let mut domain = host.to_vec();
        domain.push(("JWT_COOKIE_DOMAIN", "example.com"));
        let err = cfg(&domain).unwrap().validate().unwrap_err();
        assert_eq!(err.setting(), Some("JWT_ACCESS_COOKIE_NAME"), "{err}");
        let mut path = host.to_vec();
        path.push(("JWT_ACCESS_COOKIE_PATH", "/api"));
        let err = cfg(&path).unwrap().validate().unwrap_err();
        assert_eq!(err.setting(), Some("JWT_ACCESS_COOKIE_NAME"), "{err}");
        // Only a real prefix counts: these need nothing.
        for name in [
            "__host",
            "_host-at",
            "host-at",
            "x__Host-at",
            "__Hostile",
            "__secur-e",
        ] {
            let vars = [("SECRET_KEY", "x"), ("JWT_ACCESS_COOKIE_NAME", name)];
            assert!(cfg(&vars).unwrap().validate().is_ok(), "{name}");
        }
        assert!(super::super::has_cookie_prefix("__HoSt-x", "__Host-"));
        assert!(!super::super::has_cookie_prefix("__Hos", "__Host-"));
        assert!(!super::super::has_cookie_prefix("é__Host-", "__Host-"));
    }

    #[test]
    fn challenge_settings_are_read_and_checked() {
        let c = cfg(&[
            ("SECRET_KEY", "x"),
            ("JWT_WWW_AUTHENTICATE", "on"),
            ("JWT_WWW_AUTHENTICATE_REALM", "api \"v1\""),
        ])
        .unwrap();
        assert!(c.www_authenticate);
        assert_eq!(c.www_authenticate_realm.as_deref(), Some("api \"v1\""));
        assert!(c.validate().is_ok());
        assert!(!JwtConfig::default().www_authenticate);
        let err = cfg(&[("JWT_WWW_AUTHENTICATE", "sometimes")]).unwrap_err();
        assert_eq!(err.setting(), Some("JWT_WWW_AUTHENTICATE"));
        for realm in ["line\nbreak", "caf\u{e9}", "nul\u{0}"] {
            let err = cfg(&[("SECRET_KEY", "x"), ("JWT_WWW_AUTHENTICATE_REALM", realm)])
                .unwrap()
                .validate()
                .unwrap_err();
            assert_eq!(
                err.setting(),
                Some("JWT_WWW_AUTHENTICATE_REALM"),
                "{realm:?}"
            );
        }
        let empty = cfg(&[("JWT_WWW_AUTHENTICATE_REALM", "")]).unwrap();
        assert_eq!(empty.www_authenticate_realm, None);
    }
}
