//! Port of upstream `tests/test_config.py`.
//!
//! Upstream reads flask-jwt-extended's `config` object (properties over the live
//! `app.config`) after setting `app.config[...]`. Here the counterpart is [`JwtConfig`]: its
//! public fields (one per `JWT_*` option), [`JwtConfig::decode_algorithms`],
//! [`JwtConfig::is_asymmetric`] and [`JwtConfig::effective_secret`], built with the typed
//! builder or from `(name, value)` settings with the `app.config` names
//! ([`JwtConfig::from_vars`]).
//!
//! General adaptations and deliberate differences:
//! - Configuration is fixed once built, so "change `app.config` and read again" is a new
//!   config/manager per change.
//! - Deliberately different: invalid settings are refused when the configuration is built
//!   (a [`ConfigError`] naming the setting), instead of a `RuntimeError` when the property is
//!   first read. For the same reason a config that will sign tokens needs its key up front,
//!   so cases that override options also set a secret (upstream's fixture has none).
//! - Properties without a field are checked through their effect: `jwt_in_*` via
//!   `token_location`, `cookie_max_age` via the `Max-Age` of the cookies
//!   `set_access_cookies` writes, `encode_key`/`decode_key` via token signatures.

use std::collections::HashSet;
use std::time::Duration;

use actix_jwt_ext::jsonwebtoken::{Algorithm, DecodingKey};
use actix_jwt_ext::{ConfigError, Expires, JwtConfig, JwtManager, TokenLocation};
use actix_web::cookie::time::{Date, Month};
use actix_web::cookie::SameSite;
use actix_web::http::Method;
use serde::{Serialize, Serializer};
use serde_json::json;

use crate::common::{fixture, hs256_with, rs256};
use crate::support_a::{hs256_signed_with, verifies};

use TokenLocation::{Cookies, Headers, Json, QueryString};

const ALL_LOCATIONS: [TokenLocation; 4] = [Headers, Cookies, QueryString, Json];

/// The `Max-Age` (in seconds) of the cookies `set_access_cookies` writes with `config`, or
/// `None` for session cookies: flask-jwt-extended's `config.cookie_max_age`.
async fn cookie_max_age(config: JwtConfig) -> Option<i64> {
    let jwt = JwtManager::new(config).unwrap();
    let token = jwt.access_token("username").encode().await.unwrap();
    let cookies = jwt.set_access_cookies(&token).await.unwrap().into_vec();
    let ages: Vec<_> = cookies
        .iter()
        .map(|c| c.max_age().map(|d| d.whole_seconds()))
        .collect();
    assert!(ages.iter().all(|a| *a == ages[0]), "{ages:?}");
    ages[0]
}

/// `test_default_configs`
#[actix_web::test]
async fn test_default_configs() {
    let config = JwtConfig::default();

    assert_eq!(config.token_location, vec![Headers]);
    assert!(!config.token_location.contains(&QueryString)); // jwt_in_query_string
    assert!(!config.token_location.contains(&Cookies)); // jwt_in_cookies
    assert!(!config.token_location.contains(&Json)); // jwt_in_json
    assert!(config.token_location.contains(&Headers)); // jwt_in_headers

    assert_eq!(config.encode_issuer, None);
    assert_eq!(config.decode_issuer, None);

    assert_eq!(config.header_name, "Authorization");
    assert_eq!(config.header_type, "Bearer");

    assert_eq!(config.query_string_name, "jwt");
    assert_eq!(config.query_string_value_prefix, "");

    assert_eq!(config.access_cookie_name, "access_token_cookie");
    assert_eq!(config.refresh_cookie_name, "refresh_token_cookie");
    assert_eq!(config.access_cookie_path, "/");
    assert_eq!(config.refresh_cookie_path, "/");
    assert!(!config.cookie_secure);
    assert_eq!(config.cookie_domain, None);
    assert!(config.session_cookie);
    assert_eq!(config.cookie_samesite, None);

    assert_eq!(config.json_key, "access_token");
    assert_eq!(config.refresh_json_key, "refresh_token");

    assert!(config.cookie_csrf_protect);
    assert_eq!(
        config.csrf_methods,
        vec![Method::POST, Method::PUT, Method::PATCH, Method::DELETE]
    );
    assert!(config.csrf_in_cookies);
    assert_eq!(config.access_csrf_cookie_name, "csrf_access_token");
    assert_eq!(config.refresh_csrf_cookie_name, "csrf_refresh_token");
    assert_eq!(config.access_csrf_cookie_path, "/");
    assert_eq!(config.refresh_csrf_cookie_path, "/");
    assert_eq!(config.access_csrf_header_name, "X-CSRF-TOKEN");
    assert_eq!(config.refresh_csrf_header_name, "X-CSRF-TOKEN");

    assert_eq!(
        config.access_token_expires,
        Expires::After(Duration::from_secs(15 * 60))
    );
    assert_eq!(
        config.refresh_token_expires,
        Expires::After(Duration::from_secs(30 * 24 * 3600))
    );
    assert_eq!(config.algorithm, Algorithm::HS256);
    assert_eq!(config.decode_algorithms(), vec![Algorithm::HS256]);
    assert!(!config.is_asymmetric());

    // cookie_max_age is None: session cookies (a secret is needed to mint the token).
    let with_secret = JwtConfig::builder()
        .secret_key("foobarbaz")
        .build()
        .unwrap();
    assert_eq!(cookie_max_age(with_secret).await, None);

    assert_eq!(config.identity_claim, "sub");

    assert_eq!(config.error_message_key, "msg");
}

/// The assertions of `test_override_configs`, for both parametrize cases.
async fn assert_overridden(config: JwtConfig, access: Duration, refresh: Duration) {
    assert_eq!(config.token_location, vec![Cookies, QueryString, Json]);
    assert!(config.token_location.contains(&QueryString));
    assert!(config.token_location.contains(&Cookies));
    assert!(!config.token_location.contains(&Headers));
    assert!(config.token_location.contains(&Json));
    assert_eq!(config.header_name, "TestHeader");
    assert_eq!(config.header_type, "TestType");
    assert_eq!(config.json_key, "TestKey");
    assert_eq!(config.refresh_json_key, "TestRefreshKey");

    assert_eq!(
        config.decode_issuer,
        Some(vec!["TestDecodeIssuer".to_owned()])
    );
    assert_eq!(config.encode_issuer.as_deref(), Some("TestEncodeIssuer"));

    assert_eq!(config.query_string_name, "banana");
    assert_eq!(config.query_string_value_prefix, "kiwi");

    assert_eq!(config.access_cookie_name, "new_access_cookie");
    assert_eq!(config.refresh_cookie_name, "new_refresh_cookie");
    assert_eq!(config.access_cookie_path, "/access/path");
    assert_eq!(config.refresh_cookie_path, "/refresh/path");
    assert!(config.cookie_secure);
    assert_eq!(config.cookie_domain.as_deref(), Some(".example.com"));
    assert!(!config.session_cookie);
    assert_eq!(config.cookie_samesite, Some(SameSite::Strict));

    assert!(config.cookie_csrf_protect);
    assert_eq!(config.csrf_methods, vec![Method::GET]);
    assert!(!config.csrf_in_cookies);
    assert_eq!(config.access_csrf_cookie_name, "access_csrf_cookie");
    assert_eq!(config.refresh_csrf_cookie_name, "refresh_csrf_cookie");
    assert_eq!(config.access_csrf_cookie_path, "/csrf/access/path");
    assert_eq!(config.refresh_csrf_cookie_path, "/csrf/refresh/path");
    assert_eq!(config.access_csrf_header_name, "X-ACCESS-CSRF");
    assert_eq!(config.refresh_csrf_header_name, "X-REFRESH-CSRF");

    assert_eq!(config.access_token_expires, Expires::After(access));
    assert_eq!(config.refresh_token_expires, Expires::After(refresh));
    assert_eq!(config.algorithm, Algorithm::HS512);
    assert_eq!(
        config.decode_algorithms(),
        vec![Algorithm::HS512, Algorithm::HS256]
    );

    assert_eq!(config.identity_claim, "foo");

    assert_eq!(config.error_message_key, "message");

    // cookie_max_age == 31540000 (JWT_SESSION_COOKIE = False)
    assert_eq!(cookie_max_age(config).await, Some(31_540_000));
}

/// `test_override_configs[timedelta]`: every option through the typed builder, lifetimes as
/// [`Duration`]s (the counterpart of `timedelta`).
#[actix_web::test]
async fn test_override_configs_timedelta() {
    let config = JwtConfig::builder()
        .secret_key("foobarbaz") // needed at build (see the module docs)
        .token_location([Cookies, QueryString, Json])
        .header_name("TestHeader")
        .header_type("TestType")
        .json_key("TestKey")
        .refresh_json_key("TestRefreshKey")
        .decode_issuer(["TestDecodeIssuer"])
        .encode_issuer("TestEncodeIssuer")
        .query_string_name("banana")
        .query_string_value_prefix("kiwi")
        .access_cookie_name("new_access_cookie")
        .refresh_cookie_name("new_refresh_cookie")
        .access_cookie_path("/access/path")
        .refresh_cookie_path("/refresh/path")
        .cookie_secure(true)
        .cookie_domain(".example.com")
        .session_cookie(false)
        .cookie_samesite(Some(SameSite::Strict))
        .cookie_csrf_protect(true)
        .csrf_methods([Method::GET])
        .csrf_in_cookies(false)
        .access_csrf_cookie_name("access_csrf_cookie")
        .refresh_csrf_cookie_name("refresh_csrf_cookie")
        .access_csrf_cookie_path("/csrf/access/path")
        .refresh_csrf_cookie_path("/csrf/refresh/path")
        .access_csrf_header_name("X-ACCESS-CSRF")
        .refresh_csrf_header_name("X-REFRESH-CSRF")
        .access_token_expires(Duration::from_secs(5 * 60))
        .refresh_token_expires(Duration::from_secs(5 * 24 * 3600))
        .algorithm(Algorithm::HS512)
        .decode_algorithms([Algorithm::HS512, Algorithm::HS256])
        .identity_claim("foo")
        .error_message_key("message")
        .build()
        .unwrap();
    assert_overridden(
        config,
        Duration::from_secs(5 * 60),
        Duration::from_secs(5 * 24 * 3600),
    )
    .await;
}

/// `test_override_configs[relativedelta]`
///
/// Adapted: Rust has no `relativedelta`; lifetimes are whole seconds or [`Duration`]s. This
/// case sets the same options the other way this crate reads them: `(name, value)` settings
/// with the `app.config` names ([`JwtConfig::from_vars`], as from the environment), so every
/// option name is checked too.
#[actix_web::test]
async fn test_override_configs_relativedelta() {
    let config = JwtConfig::from_vars([
        ("JWT_SECRET_KEY", "foobarbaz"), // needed at build (see the module docs)
        ("JWT_TOKEN_LOCATION", "cookies,query_string,json"),
        ("JWT_HEADER_NAME", "TestHeader"),
        ("JWT_HEADER_TYPE", "TestType"),
        ("JWT_JSON_KEY", "TestKey"),
        ("JWT_REFRESH_JSON_KEY", "TestRefreshKey"),
        ("JWT_DECODE_ISSUER", "TestDecodeIssuer"),
        ("JWT_ENCODE_ISSUER", "TestEncodeIssuer"),
        ("JWT_QUERY_STRING_NAME", "banana"),
        ("JWT_QUERY_STRING_VALUE_PREFIX", "kiwi"),
        ("JWT_ACCESS_COOKIE_NAME", "new_access_cookie"),
        ("JWT_REFRESH_COOKIE_NAME", "new_refresh_cookie"),
        ("JWT_ACCESS_COOKIE_PATH", "/access/path"),
        ("JWT_REFRESH_COOKIE_PATH", "/refresh/path"),
        ("JWT_COOKIE_SECURE", "True"),
        ("JWT_COOKIE_DOMAIN", ".example.com"),
        ("JWT_SESSION_COOKIE", "False"),
        ("JWT_COOKIE_SAMESITE", "Strict"),
        ("JWT_COOKIE_CSRF_PROTECT", "True"),
        ("JWT_CSRF_METHODS", "GET"),
        ("JWT_CSRF_IN_COOKIES", "False"),
        ("JWT_ACCESS_CSRF_COOKIE_NAME", "access_csrf_cookie"),
        ("JWT_REFRESH_CSRF_COOKIE_NAME", "refresh_csrf_cookie"),
        ("JWT_ACCESS_CSRF_COOKIE_PATH", "/csrf/access/path"),
        ("JWT_REFRESH_CSRF_COOKIE_PATH", "/csrf/refresh/path"),
        ("JWT_ACCESS_CSRF_HEADER_NAME", "X-ACCESS-CSRF"),
        ("JWT_REFRESH_CSRF_HEADER_NAME", "X-REFRESH-CSRF"),
        ("JWT_ACCESS_TOKEN_EXPIRES", "300"),
        ("JWT_REFRESH_TOKEN_EXPIRES", "432000"),
        ("JWT_ALGORITHM", "HS512"),
        ("JWT_DECODE_ALGORITHMS", "HS512,HS256"),
        ("JWT_IDENTITY_CLAIM", "foo"),
        ("JWT_ERROR_MESSAGE_KEY", "message"),
    ])
    .unwrap();
    assert_overridden(
        config,
        Duration::from_secs(5 * 60),
        Duration::from_secs(5 * 24 * 3600),
    )
    .await;
}

/// `date(2022, 8, 12)` with the serialisation Flask's JSON provider gives dates: an HTTP date.
///
/// There is no JSON encoder class to configure here: claims and headers go through serde, so a
/// value's own [`Serialize`] is what `JSONEncoder.default()` is upstream.
struct HttpDate(Date);

impl Serialize for HttpDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let d = self.0;
        let text = format!(
            "{}, {:02} {} {} 00:00:00 GMT",
            &d.weekday().to_string()[..3],
            d.day(),
            &d.month().to_string()[..3],
            d.year()
        );
        s.serialize_str(&text)
    }
}

fn august_12_2022() -> HttpDate {
    HttpDate(Date::from_calendar_date(2022, Month::August, 12).unwrap())
}

/// `test_config_json_encoder_flask21`
///
/// Upstream skips this case on Flask >= 2.2 (it checks `app.json_encoder`, gone since); it
/// is ported as a live test. Adapted: the app-level encoder is serde; the date goes into a
/// token through a claims struct (`additional_claims=` as a whole) and comes back as the HTTP
/// date; the plain dump gives the same text.
#[actix_web::test]
async fn test_config_json_encoder_flask21() {
    #[derive(Serialize)]
    struct Extra {
        d: HttpDate,
    }
    let dump = serde_json::to_string(&Extra {
        d: august_12_2022(),
    })
    .unwrap();
    assert_eq!(dump, r#"{"d":"Fri, 12 Aug 2022 00:00:00 GMT"}"#);

    let jwt = JwtManager::new(
        JwtConfig::builder()
            .secret_key("foobarbaz")
            .build()
            .unwrap(),
    )
    .unwrap();
    let token = jwt
        .access_token("username")
        .claims(Extra {
            d: august_12_2022(),
        })
        .encode()
        .await
        .unwrap();
    let decoded = jwt.decode_token(&token).await.unwrap();
    assert_eq!(
        decoded.claim("d"),
        Some(&json!("Fri, 12 Aug 2022 00:00:00 GMT"))
    );
}

/// `test_config_json_encoder_flask`
///
/// Adapted: as above (serde is the encoder), with the date as one additional claim and one
/// additional header, the two places flask-jwt-extended runs its `JSONEncoder`.
#[actix_web::test]
async fn test_config_json_encoder_flask() {
    let dump =
        serde_json::to_string(&json!({ "d": serde_json::to_value(august_12_2022()).unwrap() }))
            .unwrap();
    assert_eq!(dump, r#"{"d":"Fri, 12 Aug 2022 00:00:00 GMT"}"#);

    let jwt = JwtManager::new(
        JwtConfig::builder()
            .secret_key("foobarbaz")
            .build()
            .unwrap(),
    )
    .unwrap();
    let token = jwt
        .access_token("username")
        .claim("d", august_12_2022())
        .header("d", august_12_2022())
        .encode()
        .await
        .unwrap();
    let decoded = jwt.decode_token(&token).await.unwrap();
    assert_eq!(
        decoded.claim("d"),
        Some(&json!("Fri, 12 Aug 2022 00:00:00 GMT"))
    );
    assert_eq!(
        decoded.header().get("d"),
        Some(&json!("Fri, 12 Aug 2022 00:00:00 GMT"))
    );
}

/// `test_tokens_never_expire` (`False` is [`Expires::Never`]; in settings, `false`).
#[actix_web::test]
async fn test_tokens_never_expire() {
    let config = JwtConfig::builder()
        .access_token_expires(Expires::Never)
        .refresh_token_expires(Expires::Never)
        .build_unchecked();
    assert_eq!(config.access_token_expires, Expires::Never);
    assert_eq!(config.refresh_token_expires, Expires::Never);

    let config = JwtConfig::from_vars([
        ("JWT_SECRET_KEY", "foobarbaz"),
        ("JWT_ACCESS_TOKEN_EXPIRES", "False"),
        ("JWT_REFRESH_TOKEN_EXPIRES", "False"),
    ])
    .unwrap();
    assert_eq!(config.access_token_expires, Expires::Never);
    assert_eq!(config.refresh_token_expires, Expires::Never);
}

/// `test_tokens_with_int_values` (ints are seconds; settings are text).
#[actix_web::test]
async fn test_tokens_with_int_values() {
    let config = JwtConfig::from_vars([
        ("JWT_SECRET_KEY", "foobarbaz"),
        ("JWT_ACCESS_TOKEN_EXPIRES", "300"),
        ("JWT_REFRESH_TOKEN_EXPIRES", "432000"),
    ])
    .unwrap();
    assert_eq!(
        config.access_token_expires,
        Expires::After(Duration::from_secs(5 * 60))
    );
    assert_eq!(
        config.refresh_token_expires,
        Expires::After(Duration::from_secs(5 * 24 * 3600))
    );
}

/// `test_symmetric_secret_key`
///
/// Deliberately different: without any secret, upstream raises `RuntimeError` when
/// `config.encode_key` / `config.decode_key` is read; here the config (and a manager from an
/// unchecked config) is refused at build with [`ConfigError::MissingSecret`]. The keys in
/// effect are observed through [`JwtConfig::effective_secret`] and token signatures.
#[actix_web::test]
async fn test_symmetric_secret_key() {
    let config = JwtConfig::builder().build_unchecked();
    assert!(!config.is_asymmetric());
    assert_eq!(config.effective_secret(), None);
    let err = JwtConfig::builder().build().unwrap_err();
    assert!(matches!(err, ConfigError::MissingSecret { .. }), "{err:?}");
    assert_eq!(err.setting(), Some("JWT_SECRET_KEY"));
    let err = JwtManager::new(JwtConfig::builder().build_unchecked()).unwrap_err();
    assert!(matches!(err, ConfigError::MissingSecret { .. }), "{err:?}");

    // app.secret_key = "foobar"
    let config = JwtConfig::builder()
        .app_secret_key("foobar")
        .build()
        .unwrap();
    assert_eq!(config.effective_secret(), Some("foobar"));
    let jwt = JwtManager::new(config).unwrap();
    let token = jwt.access_token("username").encode().await.unwrap();
    assert!(hs256_signed_with(&token, "foobar")); // encode_key == "foobar"
    let foreign = hs256_with("foobar", &json!({"sub": "username"}));
    jwt.decode_token(&foreign).await.unwrap(); // decode_key == "foobar"

    // app.config["JWT_SECRET_KEY"] = "foobarbaz" (wins over SECRET_KEY)
    let config = JwtConfig::builder()
        .app_secret_key("foobar")
        .secret_key("foobarbaz")
        .build()
        .unwrap();
    assert_eq!(config.effective_secret(), Some("foobarbaz"));
    let jwt = JwtManager::new(config).unwrap();
    let token = jwt.access_token("username").encode().await.unwrap();
    assert!(hs256_signed_with(&token, "foobarbaz"));
    assert!(!hs256_signed_with(&token, "foobar"));
    let foreign = hs256_with("foobarbaz", &json!({"sub": "username"}));
    jwt.decode_token(&foreign).await.unwrap();
    let old = hs256_with("foobar", &json!({"sub": "username"}));
    assert!(jwt.decode_token(&old).await.is_err());
}

/// The config is refused for lack of `setting` (a `MissingKey` error), at build and in
/// `JwtManager::new`.
#[track_caller]
fn assert_missing_key(builder: actix_jwt_ext::JwtConfigBuilder, setting: &str) {
    let err = builder.clone().build().unwrap_err();
    assert!(matches!(err, ConfigError::MissingKey { .. }), "{err:?}");
    assert_eq!(err.setting(), Some(setting), "{err}");
    let err = JwtManager::new(builder.build_unchecked()).unwrap_err();
    assert_eq!(err.setting(), Some(setting), "{err}");
}

/// `test_default_with_asymmetric_secret_key`
///
/// Deliberately different: a missing public key is a [`ConfigError::MissingKey`] at build
/// instead of a `RuntimeError` when `config.decode_key` is read (a missing private key fails
/// at token creation, as upstream, so verify-only services work); and keys are parsed at build, so upstream's placeholder strings
/// `"foo2"`/`"bar2"` (which its config object returns unparsed) are refused as
/// [`ConfigError::InvalidKey`]. The final step uses real PEM keys and checks that tokens are
/// signed with the private key and verified with the public key.
#[actix_web::test]
async fn test_default_with_asymmetric_secret_key() {
    let private = fixture("rsa_private.pem");
    let public = fixture("rsa_public.pem");
    let rs256 = || JwtConfig::builder().algorithm(Algorithm::RS256);
    assert!(rs256().build_unchecked().is_asymmetric());

    // If no key is entered, should raise an error. The public key (decode_key) is needed at
    // build; the private key (encode_key) only when a token is created, so a verify-only
    // service may leave it out, and then token creation fails naming JWT_PRIVATE_KEY.
    assert_missing_key(rs256(), "JWT_PUBLIC_KEY");
    assert_missing_key(rs256().private_key(&private), "JWT_PUBLIC_KEY");
    let verify_only = JwtManager::new(rs256().public_key(&public).build().unwrap()).unwrap();
    let err = verify_only
        .access_token("username")
        .encode()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("JWT_PRIVATE_KEY"), "{err}");

    // Make sure the secret key isn't being used for asymmetric stuff
    let with_app_secret = || rs256().app_secret_key("foobar");
    assert_missing_key(with_app_secret(), "JWT_PUBLIC_KEY");
    assert_missing_key(with_app_secret().private_key(&private), "JWT_PUBLIC_KEY");

    // Make sure the secret key isn't being used for asymmetric stuff
    let with_secret = || with_app_secret().secret_key("foobarbaz");
    assert_missing_key(with_secret(), "JWT_PUBLIC_KEY");
    assert_missing_key(with_secret().private_key(&private), "JWT_PUBLIC_KEY");

    // JWT_PUBLIC_KEY = "foo2", JWT_PRIVATE_KEY = "bar2": not keys, refused at build.
    let placeholders = with_secret().public_key("foo2").private_key("bar2");
    let config = placeholders.clone().build().unwrap();
    assert_eq!(config.public_key.as_deref(), Some("foo2"));
    assert_eq!(
        config
            .private_key
            .as_ref()
            .map(actix_jwt_ext::Secret::expose),
        Some("bar2")
    );
    let err = JwtManager::new(config).unwrap_err();
    assert!(matches!(err, ConfigError::InvalidKey { .. }), "{err:?}");

    // With real keys: decode_key is the public key, encode_key the private key.
    let jwt = JwtManager::new(
        with_secret()
            .public_key(&public)
            .private_key(&private)
            .build()
            .unwrap(),
    )
    .unwrap();
    let token = jwt.access_token("username").encode().await.unwrap();
    let public_key = DecodingKey::from_rsa_pem(public.as_bytes()).unwrap();
    assert!(verifies(&token, Algorithm::RS256, &public_key));
    assert!(!hs256_signed_with(&token, "foobarbaz"));
    jwt.decode_token(&rs256_token()).await.unwrap();
}

fn rs256_token() -> String {
    rs256(&json!({"sub": "username"}))
}

/// Settings with a secret plus `(name, value)`, refused with an error for `setting`.
#[track_caller]
fn assert_refused(name: &str, value: &str, setting: &str) -> ConfigError {
    let err = JwtConfig::from_vars([("JWT_SECRET_KEY", "foobarbaz"), (name, value)])
        .expect_err(&format!("{name}={value:?} accepted"));
    assert_eq!(err.setting(), Some(setting), "{name}={value:?}: {err}");
    err
}

/// `test_invalid_config_options`
///
/// Deliberately different: each invalid value is refused when the configuration is built
/// ([`ConfigError`] naming the setting) instead of a `RuntimeError` when the property is read.
/// Adapted: Python values that are not strings or lists (`1`, a dict, `range(99)`, `True`)
/// are given as the text a setting would hold; the typed builder cannot express them at all
/// ([`TokenLocation`] is an enum, lifetimes are [`Expires`]).
#[actix_web::test]
async fn test_invalid_config_options() {
    // JWT_TOKEN_LOCATION = []
    let err = JwtConfig::builder()
        .secret_key("foobarbaz")
        .token_location([])
        .build()
        .unwrap_err();
    assert!(matches!(err, ConfigError::EmptyLocations), "{err:?}");
    let unchecked = JwtConfig::builder()
        .secret_key("foobarbaz")
        .token_location([])
        .build_unchecked();
    assert!(matches!(
        JwtManager::new(unchecked).unwrap_err(),
        ConfigError::EmptyLocations
    ));
    let err = assert_refused("JWT_TOKEN_LOCATION", "", "JWT_TOKEN_LOCATION");
    assert!(matches!(err, ConfigError::EmptyLocations), "{err:?}");

    // "banana", 1, {"location": "headers"}, range(99), ["headers", "cookies", "banana"]
    for (value, bad) in [
        ("banana", "banana"),
        ("1", "1"),
        (r#"{"location": "headers"}"#, r#"{"location": "headers"}"#),
        (
            &(0..99).map(|i| i.to_string()).collect::<Vec<_>>().join(","),
            "0",
        ),
        ("headers,cookies,banana", "banana"),
    ] {
        let err = assert_refused("JWT_TOKEN_LOCATION", value, "JWT_TOKEN_LOCATION");
        match err {
            ConfigError::UnknownLocation { value: got } => assert_eq!(got, bad),
            other => panic!("{value:?}: {other:?}"),
        }
    }

    // JWT_HEADER_NAME = ""
    let err = JwtConfig::builder()
        .secret_key("foobarbaz")
        .header_name("")
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            ConfigError::Empty {
                setting: "JWT_HEADER_NAME"
            }
        ),
        "{err:?}"
    );
    assert_refused("JWT_HEADER_NAME", "", "JWT_HEADER_NAME");

    // JWT_ACCESS_TOKEN_EXPIRES / JWT_REFRESH_TOKEN_EXPIRES = "banana", then True
    for value in ["banana", "True"] {
        for setting in ["JWT_ACCESS_TOKEN_EXPIRES", "JWT_REFRESH_TOKEN_EXPIRES"] {
            let err = assert_refused(setting, value, setting);
            assert!(matches!(err, ConfigError::Invalid { .. }), "{err:?}");
        }
    }
}

/// `test_jwt_token_locations_config`
///
/// Adapted: Python's `tuple`, `list`, `frozenset` and `set` are a borrowed slice, a `Vec`, a
/// borrowed (read-only) `&HashSet` and an owned `HashSet`, all accepted by the builder's
/// `token_location`. Sets have no order, so for them the locations are compared as sets (as
/// upstream compares a set with a set). A single string is the text setting with one name.
#[actix_web::test]
async fn test_jwt_token_locations_config() {
    let build = |locations: Vec<TokenLocation>| {
        JwtConfig::builder()
            .secret_key("foobarbaz")
            .token_location(locations)
            .build()
            .unwrap()
            .token_location
    };
    let as_set = |v: &[TokenLocation]| v.iter().copied().collect::<HashSet<_>>();

    for location in ALL_LOCATIONS {
        let config = JwtConfig::from_vars([
            ("JWT_SECRET_KEY", "foobarbaz"),
            ("JWT_TOKEN_LOCATION", location.as_str()),
        ])
        .unwrap();
        assert_eq!(config.token_location, vec![location]);
    }

    let singles = ALL_LOCATIONS.iter().map(|l| vec![*l]);
    let prefixes = (1..ALL_LOCATIONS.len()).map(|i| ALL_LOCATIONS[..i].to_vec());
    for locations in singles.chain(prefixes) {
        // tuple
        let tuple: &[TokenLocation] = &locations;
        let config = JwtConfig::builder()
            .secret_key("foobarbaz")
            .token_location(tuple.iter().copied())
            .build()
            .unwrap();
        assert_eq!(config.token_location, locations);
        // list
        assert_eq!(build(locations.clone()), locations);
        // frozenset
        let frozen: HashSet<TokenLocation> = as_set(&locations);
        let config = JwtConfig::builder()
            .secret_key("foobarbaz")
            .token_location(frozen.iter().copied())
            .build()
            .unwrap();
        assert_eq!(as_set(&config.token_location), frozen);
        assert_eq!(config.token_location.len(), frozen.len());
        // set
        let config = JwtConfig::builder()
            .secret_key("foobarbaz")
            .token_location(frozen.clone())
            .build()
            .unwrap();
        assert_eq!(as_set(&config.token_location), frozen);
        assert_eq!(config.token_location.len(), frozen.len());
    }
}

/// `test_csrf_protect_config`
#[actix_web::test]
async fn test_csrf_protect_config() {
    for protect in [true, false] {
        let config = JwtConfig::builder()
            .secret_key("foobarbaz")
            .cookie_csrf_protect(protect)
            .build()
            .unwrap();
        assert_eq!(config.cookie_csrf_protect, protect);
        // Beyond upstream: the flag decides whether new tokens carry a `csrf` claim.
        let jwt = JwtManager::new(config).unwrap();
        let token = jwt.access_token("username").encode().await.unwrap();
        let decoded = jwt.decode_token(&token).await.unwrap();
        assert_eq!(decoded.claim("csrf").is_some(), protect);
    }
}

/// `test_missing_algorithm_in_decode_algorithms`
///
/// Adapted: upstream appends `JWT_ALGORITHM` to the configured list in place; here
/// [`JwtConfig::decode_algorithms`] returns the list with it appended and the field keeps what
/// was configured. RS256 needs its keys at build (fixtures).
#[actix_web::test]
async fn test_missing_algorithm_in_decode_algorithms() {
    let config = JwtConfig::builder()
        .algorithm(Algorithm::RS256)
        .decode_algorithms([Algorithm::HS512])
        .private_key(fixture("rsa_private.pem"))
        .public_key(fixture("rsa_public.pem"))
        .build()
        .unwrap();
    assert_eq!(
        config.decode_algorithms(),
        vec![Algorithm::HS512, Algorithm::RS256]
    );
    assert_eq!(config.decode_algorithms, vec![Algorithm::HS512]);
}
