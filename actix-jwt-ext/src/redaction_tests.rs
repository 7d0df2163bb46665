//! Redaction: `{:?}` and `{:#?}` of every public type that holds a secret, a key or a
//! credential, built with a known HMAC secret, the PEM fixtures and URLs with passwords,
//! print none of them: not the secret, nor its base64, hex or byte-list forms, nor any
//! 16-character chunk of a PEM body, nor the DER bytes, nor a URL's password. The types whose
//! docs keep tokens and claims out of logs (`DecodedToken`, `JwtError`, the `Decode` and
//! `VerifyInRequest` builders, `UnverifiedToken`, `VerifiedJwt`) are also checked for the
//! token's segments and a claim value. `the_check_finds_every_kind_of_leak` shows that the
//! check itself catches each form.

use std::fmt::Debug;

use actix_web::test::TestRequest;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};

use crate::{
    jwt_required, verify_jwt_in_request, ErrorKind, InMemoryBlocklist, JwtConfig, JwtManager,
    KeySet, Secret, TokenLocation,
};

const SECRET: &str = "s3cr3t-h0rse-battery-0123456789";
const RSA_PRIVATE: &str = include_str!("../../tests/fixtures/rsa_private.pem");
const RSA_PUBLIC: &str = include_str!("../../tests/fixtures/rsa_public.pem");
const EC_PRIVATE: &str = include_str!("../../tests/fixtures/ec_private.pem");
const EC_PUBLIC: &str = include_str!("../../tests/fixtures/ec_public.pem");
/// The password of the Redis URL.
const REDIS_PASSWORD: &str = "p4ssw0rd-xyz";
/// The password of the JWKS and issuer URLs.
const URL_PASSWORD: &str = "jwks-p4ss-9Qz";
/// A claim value the token types must not print.
const CLAIM_VALUE: &str = "claim-v4lue-7f3a";

fn block<F: std::future::IntoFuture>(f: F) -> F::Output {
    actix_web::rt::System::new().block_on(f.into_future())
}

fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The DER of a PEM fixture.
fn der(pem: &str) -> Vec<u8> {
    pem::parse(pem).unwrap().into_contents()
}

/// What must never be printed, each with a name for the failure message.
fn secrets() -> Vec<(String, String)> {
    let mut out = vec![
        ("the secret".to_owned(), SECRET.to_owned()),
        ("the Redis password".to_owned(), REDIS_PASSWORD.to_owned()),
        ("a URL password".to_owned(), URL_PASSWORD.to_owned()),
    ];
    let bytes = SECRET.as_bytes();
    let engines = [
        ("base64", base64::engine::general_purpose::STANDARD),
        (
            "base64url",
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ),
    ];
    for (name, engine) in engines {
        out.push((format!("the secret in {name}"), engine.encode(bytes)));
    }
    out.push(("the secret in hex".to_owned(), hex(bytes)));
    out.push(("the secret in HEX".to_owned(), hex(bytes).to_uppercase()));
    let list = format!("{:?}", &bytes[..10]);
    out.push((
        "the secret as a byte list".to_owned(),
        list.trim_end_matches(']').to_owned(),
    ));
    for (name, pem) in [("RSA", RSA_PRIVATE), ("EC", EC_PRIVATE)] {
        for line in pem.lines().filter(|l| !l.starts_with("-----")) {
            let chars: Vec<char> = line.chars().collect();
            for chunk in chars.chunks(16).filter(|c| c.len() == 16) {
                out.push((
                    format!("a chunk of the {name} private PEM"),
                    chunk.iter().collect(),
                ));
            }
        }
        let der = der(pem);
        let middle = &der[der.len() / 2..der.len() / 2 + 12];
        out.push((format!("the {name} private DER in hex"), hex(middle)));
        out.push((
            format!("the {name} private DER as a byte list"),
            format!("{middle:?}")
                .trim_matches(|c| c == '[' || c == ']')
                .to_owned(),
        ));
    }
    out
}

/// The names of the secrets `out` contains (whitespace ignored, for `{:#?}` byte lists).
fn leaks(out: &str, needles: &[(String, String)]) -> Vec<String> {
    let out_compact = compact(out);
    needles
        .iter()
        .filter(|(_, needle)| {
            out.contains(needle.as_str()) || out_compact.contains(&compact(needle))
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// `{:?}` and `{:#?}` of `value` print no secret.
#[track_caller]
fn assert_redacted(what: &str, value: &impl Debug) {
    assert_prints_none(what, value, &secrets());
}

#[track_caller]
fn assert_prints_none(what: &str, value: &impl Debug, needles: &[(String, String)]) {
    for out in [format!("{value:?}"), format!("{value:#?}")] {
        let found = leaks(&out, needles);
        assert!(found.is_empty(), "{what} prints {found:?}:\n{out}");
    }
}

/// What the token types must not print of `token`: its payload and signature segments and a
/// claim value (plus every secret).
fn token_parts(token: &str) -> Vec<(String, String)> {
    let mut parts: Vec<&str> = token.split('.').collect();
    let signature = parts.pop().unwrap();
    let payload = parts.pop().unwrap();
    let mut out = secrets();
    out.push(("the token's signature".to_owned(), signature.to_owned()));
    out.push(("the token's payload".to_owned(), payload.to_owned()));
    out.push(("a claim value".to_owned(), CLAIM_VALUE.to_owned()));
    out
}

fn hs_config() -> JwtConfig {
    JwtConfig::builder()
        .secret_key(SECRET)
        .app_secret_key(SECRET)
        .token_location([
            TokenLocation::Headers,
            TokenLocation::QueryString,
            TokenLocation::Json,
        ])
        .build()
        .unwrap()
}

fn rs_config() -> JwtConfig {
    JwtConfig::builder()
        .algorithm(Algorithm::RS256)
        .private_key(RSA_PRIVATE)
        .public_key(RSA_PUBLIC)
        .secret_key(SECRET)
        .build()
        .unwrap()
}

fn es_config() -> JwtConfig {
    JwtConfig::builder()
        .algorithm(Algorithm::ES256)
        .private_key(EC_PRIVATE)
        .public_key(EC_PUBLIC)
        .build()
        .unwrap()
}

fn key_set() -> KeySet {
    KeySet::builder()
        .hmac("hs", Algorithm::HS256, SECRET)
        .private_pem("rs", Algorithm::RS256, RSA_PRIVATE)
        .private_pem("es", Algorithm::ES256, EC_PRIVATE)
        .current("rs")
        .build()
        .unwrap()
}

fn managers() -> Vec<(&'static str, JwtManager)> {
    vec![
        ("HS256", JwtManager::new(hs_config()).unwrap()),
        ("RS256", JwtManager::new(rs_config()).unwrap()),
        ("ES256", JwtManager::new(es_config()).unwrap()),
        (
            "key set",
            JwtManager::builder(JwtConfig::default())
                .key_set(key_set())
                .build()
                .unwrap(),
        ),
    ]
}

#[test]
fn the_check_finds_every_kind_of_leak() {
    #[derive(Debug)]
    #[allow(dead_code)]
    struct Leaky {
        secret: String,
        bytes: Vec<u8>,
    }
    let needles = secrets();
    for (name, needle) in &needles {
        let found = leaks(
            &format!(
                "{:#?}",
                Leaky {
                    secret: needle.clone(),
                    bytes: Vec::new()
                }
            ),
            &needles,
        );
        assert!(found.contains(name), "{name} is not found in its own text");
    }
    let bytes = Leaky {
        secret: String::new(),
        bytes: SECRET.as_bytes().to_vec(),
    };
    for out in [format!("{bytes:?}"), format!("{bytes:#?}")] {
        assert_eq!(
            leaks(&out, &needles),
            ["the secret as a byte list"],
            "{out}"
        );
    }
    let der = Leaky {
        secret: String::new(),
        bytes: crate::redaction_tests::der(RSA_PRIVATE),
    };
    assert!(leaks(&format!("{der:#?}"), &needles)
        .contains(&"the RSA private DER as a byte list".to_owned()));
    let pem = Leaky {
        secret: EC_PRIVATE.to_owned(),
        bytes: Vec::new(),
    };
    assert!(
        leaks(&format!("{pem:?}"), &needles).contains(&"a chunk of the EC private PEM".to_owned())
    );
    // The derived `Debug` the library replaced printed the token.
    #[derive(Debug)]
    #[allow(dead_code)]
    struct DerivedDecode<'a> {
        token: &'a str,
    }
    let token = "e30.eyJub3RlIjoiY2xhaW0tdjRsdWUtN2YzYSJ9.c2lnbmF0dXJlLWJ5dGVz";
    let found = leaks(
        &format!("{:?}", DerivedDecode { token }),
        &token_parts(token),
    );
    assert_eq!(found, ["the token's signature", "the token's payload"]);
}

#[test]
fn secret_prints_its_placeholder() {
    let secret = Secret::from(SECRET);
    assert_eq!(format!("{secret:?}"), "[redacted]");
    assert_eq!(format!("{secret:#?}"), "[redacted]");
    assert_eq!(format!("{secret}"), "[redacted]");
    assert_eq!(secret.to_string(), "[redacted]");
    assert_redacted("Secret", &secret);
    assert_redacted("Option<Secret>", &Some(Secret::from(RSA_PRIVATE)));
    assert_eq!(secret.expose(), SECRET);
}

#[test]
fn configurations_and_their_builders() {
    let builder = JwtConfig::builder()
        .secret_key(SECRET)
        .app_secret_key(SECRET)
        .private_key(RSA_PRIVATE);
    assert_redacted("JwtConfigBuilder", &builder);
    assert_redacted("JwtConfig (unchecked)", &builder.build_unchecked());
    assert_redacted("JwtConfig (HS256)", &hs_config());
    assert_redacted("JwtConfig (RS256)", &rs_config());
    assert_redacted("JwtConfig (ES256)", &es_config());
    let from_vars = JwtConfig::from_vars([
        ("SECRET_KEY", SECRET),
        ("JWT_SECRET_KEY", SECRET),
        ("JWT_ALGORITHM", "RS256"),
        ("JWT_PRIVATE_KEY", RSA_PRIVATE),
        ("JWT_PUBLIC_KEY", RSA_PUBLIC),
    ])
    .unwrap();
    assert_redacted("JwtConfig::from_vars", &from_vars);
}

#[test]
fn managers_their_builders_and_token_builders() {
    for (name, jwt) in managers() {
        assert_redacted(&format!("JwtManager ({name})"), &jwt);
        assert_redacted(
            &format!("TokenBuilder ({name})"),
            &jwt.access_token("alice"),
        );
        assert_redacted(
            &format!("TokenBuilder ({name}, refresh)"),
            &jwt.refresh_token("alice").claim("note", "x"),
        );
    }
    for config in [hs_config(), rs_config(), es_config()] {
        let builder = JwtManager::builder(config)
            .blocklist(InMemoryBlocklist::new())
            .encode_key_loader(|_| async { Ok(EncodingKey::from_secret(SECRET.as_bytes())) })
            .decode_key_loader(|_| async { Ok(DecodingKey::from_secret(SECRET.as_bytes())) });
        assert_redacted("JwtManagerBuilder", &builder);
        assert_redacted("JwtManager (loaders)", &builder.build().unwrap());
    }
    let builder = JwtManager::builder(JwtConfig::default()).key_set(key_set());
    assert_redacted("JwtManagerBuilder (key set)", &builder);
}

#[test]
fn key_sets_keys_and_key_errors() {
    let builder = KeySet::builder()
        .hmac("hs", Algorithm::HS256, SECRET)
        .private_pem("rs", Algorithm::RS256, RSA_PRIVATE)
        .private_pem("es", Algorithm::ES256, EC_PRIVATE)
        .public_pem("rs-public", Algorithm::RS256, RSA_PUBLIC);
    assert_redacted("KeySetBuilder", &builder);
    assert_redacted("KeySet", &builder.build().unwrap());
    assert_redacted("KeySet (current rs)", &key_set());
    // jsonwebtoken's key types, which the loaders take and return.
    assert_redacted(
        "EncodingKey (secret)",
        &EncodingKey::from_secret(SECRET.as_bytes()),
    );
    assert_redacted(
        "DecodingKey (secret)",
        &DecodingKey::from_secret(SECRET.as_bytes()),
    );
    assert_redacted(
        "EncodingKey (RSA)",
        &EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).unwrap(),
    );
    assert_redacted(
        "EncodingKey (EC)",
        &EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).unwrap(),
    );
    // Errors about keys name the problem, never the key.
    let corrupted = RSA_PRIVATE.replacen("MII", "MI!", 1);
    let unusable = [
        JwtConfig::builder()
            .algorithm(Algorithm::RS256)
            .private_key(corrupted.clone())
            .public_key(RSA_PUBLIC)
            .build()
            .and_then(JwtManager::new)
            .unwrap_err(),
        JwtConfig::builder()
            .algorithm(Algorithm::ES256)
            .private_key(RSA_PRIVATE)
            .public_key(EC_PUBLIC)
            .build()
            .and_then(JwtManager::new)
            .unwrap_err(),
        KeySet::builder()
            .private_pem("bad", Algorithm::RS256, corrupted)
            .build()
            .unwrap_err(),
        KeySet::builder()
            .private_pem("mismatch", Algorithm::ES256, RSA_PRIVATE)
            .build()
            .unwrap_err(),
        KeySet::builder()
            .hmac("hs", Algorithm::RS256, SECRET)
            .build()
            .unwrap_err(),
    ];
    for err in unusable {
        assert_redacted("ConfigError", &err);
        assert!(leaks(&err.to_string(), &secrets()).is_empty(), "{err}");
    }
}

#[test]
fn tokens_errors_and_the_decode_and_request_builders() {
    let jwt = JwtManager::new(hs_config()).unwrap();
    let token = block(
        jwt.access_token("alice")
            .claim("note", CLAIM_VALUE)
            .encode(),
    )
    .unwrap();
    let parts = token_parts(&token);

    let decoded = block(jwt.decode_token(&token)).unwrap();
    assert_prints_none("DecodedToken", &decoded, &parts);
    assert_prints_none(
        "Decode",
        &jwt.decode_token(&token)
            .csrf_value(SECRET)
            .allow_expired(true),
        &parts,
    );
    let unverified = crate::dangerous::decode_unverified(&token).unwrap();
    assert_prints_none("UnverifiedToken", &unverified, &parts);

    // An error that carries the token, and one that does not.
    let expired = block(
        jwt.access_token("alice")
            .claim("note", CLAIM_VALUE)
            .claim("exp", 1)
            .encode(),
    )
    .unwrap();
    let err = block(jwt.decode_token(&expired)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Expired);
    assert!(err.token().is_some());
    assert_prints_none("JwtError (expired)", &err, &token_parts(&expired));
    let (signed, _) = token.rsplit_once('.').unwrap();
    let forged = format!("{signed}.{}", "A".repeat(43));
    let err = block(jwt.decode_token(&forged)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadSignature);
    assert_prints_none("JwtError (bad signature)", &err, &parts);

    // The request carries the token in the query string, a custom header and the body.
    let req = TestRequest::post()
        .uri(&format!("/protected?jwt={token}&csrf={SECRET}"))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("X-Forwarded-Token", token.clone()))
        .insert_header(("X-CSRF-TOKEN", SECRET))
        .app_data(jwt.clone())
        .to_http_request();
    let options = jwt_required().locations([TokenLocation::QueryString]);
    let body = format!(r#"{{"access_token":"{token}","password":"{SECRET}"}}"#);
    assert_prints_none(
        "VerifyInRequest",
        &verify_jwt_in_request(&req, &options).body(body),
        &parts,
    );
    let verified = block(verify_jwt_in_request(&req, &options))
        .unwrap()
        .unwrap();
    assert_prints_none("VerifiedJwt", &verified, &parts);

    // A token pair prints its tokens (they are what it carries), never a secret.
    let pair = block(jwt.create_token_pair("alice", true)).unwrap();
    assert_redacted("TokenPair", &pair);
}

#[test]
fn blocklists() {
    let store = InMemoryBlocklist::new();
    assert_redacted("InMemoryBlocklist", &store);
}

#[cfg(feature = "redis")]
#[test]
fn redis_blocklists_never_print_the_url_password() {
    use crate::{JwtError, RedisBlocklist};
    use std::time::Duration;
    let url = format!("redis://:{REDIS_PASSWORD}@127.0.0.1:6379/0");
    let builder = RedisBlocklist::builder(url.as_str()).prefix("svc:");
    assert_redacted("RedisBlocklistBuilder", &builder);
    // A lazy connection opens nothing; it needs a Tokio runtime only.
    let store = block(async { builder.connect_lazy() }).unwrap();
    assert_redacted("RedisBlocklist", &store);
    let jwt = JwtManager::builder(hs_config())
        .blocklist(store)
        .build()
        .unwrap();
    assert_redacted("JwtManager (Redis)", &jwt);
    // Failures: nothing listens on port 1; an invalid URL.
    for url in [
        format!("redis://user:{REDIS_PASSWORD}@127.0.0.1:1/0"),
        format!("redis://:{REDIS_PASSWORD}@[::1"),
        format!("nope://:{REDIS_PASSWORD}@127.0.0.1/0"),
    ] {
        let builder = RedisBlocklist::builder(url).connect_timeout(Duration::from_millis(300));
        let err = block(builder.connect()).unwrap_err();
        assert_redacted("BlocklistError", &err);
        assert!(leaks(&err.to_string(), &secrets()).is_empty(), "{err}");
        assert_redacted("JwtError (store)", &JwtError::store_unavailable(err));
    }
}

#[cfg(feature = "remote-jwks")]
#[test]
fn remote_jwks_never_print_url_passwords() {
    use crate::RemoteJwks;
    let jwks_uri = format!("https://svc:{URL_PASSWORD}@idp.example.com/jwks?x=@y");
    let builder = RemoteJwks::from_jwks_uri(jwks_uri.as_str())
        .issuer(format!("https://{URL_PASSWORD}@idp.example.com"))
        .audience("api");
    assert_redacted("RemoteJwksBuilder", &builder);
    let remote = builder.build().unwrap();
    assert_redacted("RemoteJwks", &remote);
    let out = format!("{remote:?}");
    assert!(
        out.contains("https://[redacted]@idp.example.com/jwks?x=@y"),
        "{out}"
    );
    let discover = RemoteJwks::discover(format!("https://svc:{URL_PASSWORD}@idp.example.com"));
    assert_redacted("RemoteJwksBuilder (discover)", &discover);
    let remote = discover.build().unwrap();
    assert_redacted("RemoteJwks (discover)", &remote);
    let jwt = JwtManager::builder(JwtConfig::default())
        .remote_jwks(remote)
        .build()
        .unwrap();
    assert_redacted("JwtManager (remote)", &jwt);
    // Without user information, the addresses print as they are.
    let plain = RemoteJwks::from_jwks_uri("https://idp.example.com/jwks")
        .build()
        .unwrap();
    assert!(format!("{plain:?}").contains("\"https://idp.example.com/jwks\""));
    // A refused address: the error names it, without its password.
    let err = RemoteJwks::from_jwks_uri(format!("http://svc:{URL_PASSWORD}@idp.example.com/jwks"))
        .build()
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("[redacted]@idp.example.com"), "{text}");
    assert_redacted("ConfigError (remote URL)", &err);
    assert!(!text.contains(URL_PASSWORD), "{text}");
}
