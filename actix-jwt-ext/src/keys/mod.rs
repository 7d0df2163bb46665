//! Where keys come from: the configured key, a [`KeySet`] with `kid`s (rotation), or a
//! remote issuer's JWKS ([`RemoteJwks`], feature `remote-jwks`); and publishing public keys
//! as a JWKS document.
//!
//! | source | signs | verifies | set with |
//! |---|---|---|---|
//! | `JWT_SECRET_KEY` / `JWT_PRIVATE_KEY` + `JWT_PUBLIC_KEY` | yes | tokens of that key | [`JwtConfig`](crate::JwtConfig) (default) |
//! | [`KeySet`] | with the current key, `kid` in the header | by `kid`, each key pinned to its algorithm | [`JwtManagerBuilder::key_set`](crate::JwtManagerBuilder::key_set) |
//! | `RemoteJwks` | no | an identity provider's tokens, by `kid`, `iss` and `aud` checked | `JwtManagerBuilder::remote_jwks` |
//! | `decode_key_loader` / `encode_key_loader` | your choice | your choice | [`JwtManagerBuilder`](crate::JwtManagerBuilder) (wins over the above) |
//!
//! With a key set or a remote issuer, `JWT_SECRET_KEY` and the PEM settings are not needed:
//! start from [`JwtConfig::default()`](crate::JwtConfig), or from
//! [`JwtConfigBuilder::build_unchecked`](crate::JwtConfigBuilder::build_unchecked) (with
//! `with_env()` / `with_vars()`), and the manager checks every other setting when it is built.
//!
//! Keys are checked when the manager is built, never at the first request: RSA moduli from
//! 2048 bits up to what the crypto backend verifies (8192 on aws-lc-rs, 4096 on
//! rust-crypto), EC keys on the curve of their algorithm, private keys that match their public
//! keys. An HMAC secret shorter than its hash (32 bytes for HS256) is a logged warning, since
//! flask-jwt-extended accepts it.
//!
//! Publishing: [`JwtManager::jwks`](crate::JwtManager::jwks) is the JWKS document (RFC 7517)
//! of the public keys, and [`JwtManager::serve_jwks`](crate::JwtManager::serve_jwks) serves it:
//!
//! ```
//! use actix_web::{test, App};
//! use actix_jwt_ext::jsonwebtoken::Algorithm;
//! use actix_jwt_ext::{JwtConfig, JwtManager};
//!
//! # actix_web::rt::System::new().block_on(async {
//! let config = JwtConfig::builder()
//!     .algorithm(Algorithm::ES256)
//!     .private_key(include_str!("../../../tests/fixtures/ec_private.pem"))
//!     .public_key(include_str!("../../../tests/fixtures/ec_public.pem"))
//!     .build()
//!     .unwrap();
//! let jwt = JwtManager::new(config).unwrap();
//! let app = test::init_service(
//!     App::new().configure(jwt.init_app()).configure(jwt.serve_jwks("/.well-known/jwks.json")),
//! )
//! .await;
//! let req = test::TestRequest::get().uri("/.well-known/jwks.json").to_request();
//! let jwks: serde_json::Value = test::call_and_read_body_json(&app, req).await;
//! assert_eq!(jwks["keys"][0]["kty"], "EC");
//! assert_eq!(jwks["keys"][0]["alg"], "ES256");
//! # });
//! ```

mod checks;
mod file;
mod jwk;
mod material;
#[cfg(feature = "remote-jwks")]
mod remote;
mod set;

use std::sync::{Arc, RwLock};

use actix_web::web::Bytes;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::Algorithm;

pub(crate) use self::checks::{check_public_key, hmac_secret_warning};
pub(crate) use self::material::{KeyRef, Keys};
#[cfg(feature = "remote-jwks")]
pub use self::remote::{RemoteJwks, RemoteJwksBuilder};
pub use self::set::{KeySet, KeySetBuilder};
use crate::error::JwtError;
/// The TLS library of [`RemoteJwks`] fetches, for [`RemoteJwksBuilder::tls_config`] (a private
/// CA, client certificates).
#[cfg(feature = "remote-jwks")]
pub use rustls;

/// The keys a manager signs and verifies with.
#[derive(Debug)]
pub(crate) enum KeySource {
    /// The configured key (`JWT_SECRET_KEY`, or the PEM pair).
    Single(SingleKey),
    /// Several keys by `kid`; replaceable while the app runs.
    Set(RwLock<Arc<KeySet>>),
    /// A remote issuer's JWKS: verification only.
    #[cfg(feature = "remote-jwks")]
    Remote(RemoteJwks),
}

/// The configured key, its algorithm, and what is derived from them once.
#[derive(Debug)]
pub(crate) struct SingleKey {
    pub(crate) keys: Keys,
    alg: Algorithm,
    default_header: String,
    jwks: JwkSet,
    jwks_json: Bytes,
}

/// The keys of one request: a snapshot, so that a key set replaced meanwhile does not change
/// under a token being signed or checked.
pub(crate) enum Keyring<'a> {
    Single(&'a SingleKey),
    Set(Arc<KeySet>),
    #[cfg(feature = "remote-jwks")]
    Remote(&'a RemoteJwks),
}

/// The key a new token is signed with.
pub(crate) struct Signer<'a> {
    pub(crate) keys: &'a Keys,
    pub(crate) alg: Algorithm,
    /// The `kid` to put in the header (key sets only).
    pub(crate) kid: Option<&'a str>,
    /// The base64url header of a token without additional headers.
    pub(crate) default_header: &'a str,
    /// `true` when the key only works with `alg` (key sets pin one algorithm per key).
    pub(crate) pinned: bool,
}

impl KeySource {
    /// The configured single key.
    pub(crate) fn single(keys: Keys, alg: Algorithm, default_header: String) -> Self {
        let jwks = jwk::jwk_set(jwk::public_jwk(alg, &keys.decoding, None));
        KeySource::Single(SingleKey {
            keys,
            alg,
            default_header,
            jwks_json: jwk::to_json(&jwks),
            jwks,
        })
    }

    /// A key set.
    pub(crate) fn set(set: KeySet) -> Self {
        KeySource::Set(RwLock::new(Arc::new(set)))
    }

    /// The keys for one request.
    pub(crate) fn snapshot(&self) -> Keyring<'_> {
        match self {
            KeySource::Single(single) => Keyring::Single(single),
            KeySource::Set(set) => Keyring::Set(Arc::clone(
                &set.read()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            )),
            #[cfg(feature = "remote-jwks")]
            KeySource::Remote(remote) => Keyring::Remote(remote),
        }
    }

    /// Replaces the key set; `false` when the keys are not a key set.
    pub(crate) fn replace_set(&self, new: KeySet) -> bool {
        match self {
            KeySource::Set(set) => {
                *set.write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(new);
                true
            }
            _ => false,
        }
    }
}

impl Keyring<'_> {
    /// The key that signs a token whose header asks for `kid` (or the current key).
    pub(crate) fn signer(&self, kid: Option<&str>) -> Result<Signer<'_>, JwtError> {
        match self {
            Keyring::Single(single) => Ok(Signer {
                keys: &single.keys,
                alg: single.alg,
                kid: None,
                default_header: &single.default_header,
                pinned: false,
            }),
            Keyring::Set(set) => {
                let entry = set.signer(kid)?;
                Ok(Signer {
                    keys: &entry.keys,
                    alg: entry.alg,
                    kid: Some(&entry.kid),
                    default_header: &entry.default_header,
                    pinned: true,
                })
            }
            #[cfg(feature = "remote-jwks")]
            Keyring::Remote(_) => Err(JwtError::encode(
                "this JwtManager verifies the tokens of a remote issuer (remote_jwks) and holds \
                 no key to sign with",
            )),
        }
    }

    /// The public keys, as a JWKS document.
    pub(crate) fn jwks(&self) -> JwkSet {
        match self {
            Keyring::Single(single) => single.jwks.clone(),
            Keyring::Set(set) => set.jwks(),
            #[cfg(feature = "remote-jwks")]
            Keyring::Remote(_) => jwk::jwk_set(None),
        }
    }

    /// The public keys as a serialised JWKS document.
    pub(crate) fn jwks_json(&self) -> Bytes {
        match self {
            Keyring::Single(single) => single.jwks_json.clone(),
            Keyring::Set(set) => set.jwks_json(),
            #[cfg(feature = "remote-jwks")]
            Keyring::Remote(_) => jwk::to_json(&jwk::jwk_set(None)),
        }
    }
}
