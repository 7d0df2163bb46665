//! The keys of a single-key manager (`JWT_SECRET_KEY`, or `JWT_PRIVATE_KEY` /
//! `JWT_PUBLIC_KEY`), decoded and checked once at startup, and the key a token is verified
//! with.

use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};

use crate::config::{ConfigError, JwtConfig};
use crate::crypto::{provider, sign_into, verify};
use crate::error::JwtError;
use crate::token::b64_encode_into;

/// The key a token is checked with: the configured one (with its precomputed state) or one a
/// `decode_key_loader` returned.
#[derive(Clone, Copy)]
pub(crate) enum KeyRef<'a> {
    Default(&'a Keys),
    Loaded(&'a DecodingKey),
}

impl KeyRef<'_> {
    pub(crate) fn family(self) -> AlgorithmFamily {
        match self {
            KeyRef::Default(keys) => keys.decoding.family(),
            KeyRef::Loaded(key) => key.family(),
        }
    }

    /// Checks `signature` over `message` with `alg`.
    pub(crate) fn verify(
        self,
        alg: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, JwtError> {
        match self {
            KeyRef::Default(keys) => keys.verify(alg, message, signature),
            KeyRef::Loaded(key) => verify(alg, key, message, signature),
        }
    }
}

/// The default keys: the HMAC secret, or the PEM key pair, parsed once.
#[derive(Clone)]
pub(crate) struct Keys {
    /// `None` for a verify-only service (an asymmetric algorithm without `JWT_PRIVATE_KEY`).
    pub(crate) encoding: Option<EncodingKey>,
    pub(crate) decoding: DecodingKey,
    /// HMAC keys with their pads precomputed, one per HS* algorithm (aws-lc-rs only).
    #[cfg(feature = "aws-lc-rs")]
    hmac: Vec<(Algorithm, aws_lc_rs::hmac::Key)>,
}

/// Why a key cannot be used: which half of the pair, and what is wrong (never the key).
#[derive(Debug)]
pub(crate) struct KeyProblem {
    pub(crate) private: bool,
    pub(crate) reason: String,
}

impl KeyProblem {
    fn private(reason: impl ToString) -> Self {
        Self {
            private: true,
            reason: reason.to_string(),
        }
    }

    fn public(reason: impl ToString) -> Self {
        Self {
            private: false,
            reason: reason.to_string(),
        }
    }
}

/// The secret as an HMAC key for each HS* algorithm.
#[cfg(feature = "aws-lc-rs")]
fn hmac_keys(secret: &[u8]) -> Vec<(Algorithm, aws_lc_rs::hmac::Key)> {
    use aws_lc_rs::hmac;
    vec![
        (Algorithm::HS256, hmac::Key::new(hmac::HMAC_SHA256, secret)),
        (Algorithm::HS384, hmac::Key::new(hmac::HMAC_SHA384, secret)),
        (Algorithm::HS512, hmac::Key::new(hmac::HMAC_SHA512, secret)),
    ]
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys { .. }")
    }
}

/// The public half of a PEM private key, through the backend's key utilities.
fn public_from_private(alg: Algorithm, private: &EncodingKey) -> Result<DecodingKey, KeyProblem> {
    use jsonwebtoken::jwk::EllipticCurve;
    let utils = &provider().key_utils;
    let der = private.as_bytes();
    let b64 = |bytes: &[u8]| {
        let mut out = String::new();
        b64_encode_into(bytes, &mut out);
        out
    };
    match alg.family() {
        AlgorithmFamily::Rsa => {
            let (n, e) = (utils.rsa_pub_components_from_private_key)(der).map_err(|e| {
                // aws-lc-rs refuses keys under 2048 bits before they can be measured.
                if format!("{e:?}").contains("TooSmall") {
                    KeyProblem::private("an RSA key under 2048 bits (at least 2048 are needed)")
                } else {
                    KeyProblem::private(e)
                }
            })?;
            Ok(DecodingKey::from_rsa_raw_components(&n, &e))
        }
        AlgorithmFamily::Ec => {
            let (_, x, y) = (utils.ec_pub_components_from_private_key)(der, alg)
                .map_err(KeyProblem::private)?;
            DecodingKey::from_ec_components(&b64(&x), &b64(&y)).map_err(KeyProblem::private)
        }
        AlgorithmFamily::Ed => {
            let x = (utils.ed_pub_components_from_private_key)(der, &EllipticCurve::Ed25519)
                .map_err(KeyProblem::private)?;
            DecodingKey::from_ed_components(&b64(&x)).map_err(KeyProblem::private)
        }
        AlgorithmFamily::Hmac => Err(KeyProblem::private("an HMAC algorithm takes a secret")),
    }
}

/// An EC private key for `alg` from PEM: PKCS#8 (`PRIVATE KEY`), or SEC1 (`EC PRIVATE KEY`,
/// what `openssl ecparam -genkey` writes, and what flask-jwt-extended, through
/// `cryptography`, reads), which is wrapped as the PKCS#8 that jsonwebtoken reads.
fn ec_private_key(alg: Algorithm, pem: &[u8]) -> jsonwebtoken::errors::Result<EncodingKey> {
    use pkcs8::der::asn1::ObjectIdentifier;
    use pkcs8::der::Encode as _;
    const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
    const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
    const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
    let sec1 = pem::parse_many(pem)
        .ok()
        .and_then(|blocks| blocks.into_iter().find(|b| b.tag() == "EC PRIVATE KEY"));
    let Some(sec1) = sec1 else {
        return EncodingKey::from_ec_pem(pem);
    };
    // The curve of the algorithm: a SEC1 key of another curve then fails to load.
    let curve = if alg == Algorithm::ES384 { P384 } else { P256 };
    let info = pkcs8::PrivateKeyInfo {
        algorithm: pkcs8::AlgorithmIdentifierRef {
            oid: EC_PUBLIC_KEY,
            parameters: Some((&curve).into()),
        },
        private_key: sec1.contents(),
        public_key: None,
    };
    let der = info
        .to_der()
        .map_err(|_| jsonwebtoken::errors::ErrorKind::InvalidKeyFormat)?;
    Ok(EncodingKey::from_ec_der(&der))
}

impl Keys {
    /// An HMAC secret, usable with every HS* algorithm.
    pub(crate) fn hmac(secret: &[u8]) -> Self {
        Keys {
            encoding: Some(EncodingKey::from_secret(secret)),
            decoding: DecodingKey::from_secret(secret),
            #[cfg(feature = "aws-lc-rs")]
            hmac: hmac_keys(secret),
        }
    }

    /// A PEM key pair for `alg`: the private key (absent for a verify-only key) and the public
    /// key (derived from the private key when absent), checked for size and curve and proven
    /// to work by a signature round trip.
    pub(crate) fn from_pem(
        alg: Algorithm,
        private: Option<&[u8]>,
        public: Option<&[u8]>,
    ) -> Result<Self, KeyProblem> {
        type Parse<K> = fn(&[u8]) -> jsonwebtoken::errors::Result<K>;
        let (encode, decode): (Parse<EncodingKey>, Parse<DecodingKey>) = match alg.family() {
            AlgorithmFamily::Rsa => (EncodingKey::from_rsa_pem, DecodingKey::from_rsa_pem),
            AlgorithmFamily::Ec => (EncodingKey::from_ec_pem, DecodingKey::from_ec_pem),
            AlgorithmFamily::Ed => (EncodingKey::from_ed_pem, DecodingKey::from_ed_pem),
            AlgorithmFamily::Hmac => {
                return Err(KeyProblem::private(format!(
                    "{alg:?} is an HMAC algorithm: it takes a secret, not a PEM key"
                )))
            }
        };
        let encoding = private
            .map(|pem| match alg.family() {
                AlgorithmFamily::Ec => ec_private_key(alg, pem),
                _ => encode(pem),
            })
            .transpose()
            .map_err(KeyProblem::private)?;
        let decoding = match (public, &encoding) {
            (Some(pem), _) => decode(pem).map_err(KeyProblem::public)?,
            (None, Some(private)) => public_from_private(alg, private)?,
            (None, None) => return Err(KeyProblem::public("no key given")),
        };
        crate::keys::check_public_key(alg, &decoding).map_err(|reason| KeyProblem {
            private: public.is_none(),
            reason,
        })?;
        let keys = Keys {
            encoding,
            decoding,
            #[cfg(feature = "aws-lc-rs")]
            hmac: Vec::new(),
        };
        keys.self_test(alg)?;
        Ok(keys)
    }

    /// Decodes the configured key material and proves it works by signing and verifying a
    /// probe message with the configured algorithm.
    pub(crate) fn from_config(config: &JwtConfig) -> Result<Self, ConfigError> {
        let alg = config.algorithm;
        if alg.family() == AlgorithmFamily::Hmac {
            let secret = config
                .effective_secret()
                .ok_or(ConfigError::MissingSecret { algorithm: alg })?;
            if let Some(warning) = crate::keys::hmac_secret_warning(alg, secret.len()) {
                log::warn!("JWT_SECRET_KEY: {warning}");
            }
            return Ok(Keys::hmac(secret.as_bytes()));
        }
        let private = config
            .private_key
            .as_ref()
            .map(crate::config::Secret::expose)
            .map(str::trim)
            .filter(|k| !k.is_empty());
        let public = config.public_key.as_deref().unwrap_or_default().as_bytes();
        Keys::from_pem(alg, private.map(str::as_bytes), Some(public)).map_err(|p| {
            ConfigError::InvalidKey {
                setting: if p.private {
                    "JWT_PRIVATE_KEY"
                } else {
                    "JWT_PUBLIC_KEY"
                },
                algorithm: alg,
                reason: p.reason,
            }
        })
    }

    /// The signing key, or the error flask-jwt-extended gives when it is missing.
    pub(crate) fn encoding(&self, alg: Algorithm) -> Result<&EncodingKey, JwtError> {
        self.encoding.as_ref().ok_or_else(|| {
            JwtError::encode(format!(
                "JWT_PRIVATE_KEY must be set to use asymmetric cryptography algorithm \"{alg:?}\""
            ))
        })
    }

    /// Signs `message` with the configured key and appends the base64url signature to `out`.
    pub(crate) fn sign_into(
        &self,
        alg: Algorithm,
        message: &[u8],
        out: &mut String,
    ) -> Result<(), JwtError> {
        #[cfg(feature = "aws-lc-rs")]
        if let Some((_, key)) = self.hmac.iter().find(|(a, _)| *a == alg) {
            b64_encode_into(aws_lc_rs::hmac::sign(key, message).as_ref(), out);
            return Ok(());
        }
        sign_into(alg, self.encoding(alg)?, message, out)
    }

    /// Checks a signature with the configured key.
    pub(crate) fn verify(
        &self,
        alg: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, JwtError> {
        #[cfg(feature = "aws-lc-rs")]
        if let Some((_, key)) = self.hmac.iter().find(|(a, _)| *a == alg) {
            return Ok(aws_lc_rs::hmac::verify(key, message, signature).is_ok());
        }
        verify(alg, &self.decoding, message, signature)
    }

    /// Signs and verifies a probe so that a key of the wrong size or curve, or a private key
    /// that does not match the public key, fails at startup instead of at the first request.
    fn self_test(&self, alg: Algorithm) -> Result<(), KeyProblem> {
        const PROBE: &[u8] = b"actix-jwt-ext key check";
        let Some(encoding) = &self.encoding else {
            return Ok(()); // verify-only: nothing to pair the public key with
        };
        let mut sig = String::new();
        sign_into(alg, encoding, PROBE, &mut sig).map_err(KeyProblem::private)?;
        let sig = crate::token::b64_decode(&sig).unwrap_or_default();
        match self.verify(alg, PROBE, &sig) {
            Ok(true) => Ok(()),
            _ => Err(KeyProblem::public(
                "it does not verify what the private key signs (not a key pair?)",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::JwtConfig;

    const RSA_PRIVATE: &str = include_str!("../../../tests/fixtures/rsa_private.pem");
    const RSA_PUBLIC: &str = include_str!("../../../tests/fixtures/rsa_public.pem");
    const EC_PRIVATE: &str = include_str!("../../../tests/fixtures/ec_private.pem");
    const EC_PUBLIC: &str = include_str!("../../../tests/fixtures/ec_public.pem");
    const ED_PRIVATE: &str = include_str!("../../../tests/fixtures/ed25519_private.pem");
    const ED_PUBLIC: &str = include_str!("../../../tests/fixtures/ed25519_public.pem");

    fn keys(alg: Algorithm, private: &str, public: &str) -> Result<Keys, ConfigError> {
        let config = JwtConfig::builder()
            .algorithm(alg)
            .private_key(private)
            .public_key(public)
            .build()?;
        Keys::from_config(&config)
    }

    #[test]
    fn every_asymmetric_family_loads_and_round_trips() {
        for alg in [
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS512,
        ] {
            assert!(keys(alg, RSA_PRIVATE, RSA_PUBLIC).is_ok(), "{alg:?}");
        }
        assert!(keys(Algorithm::ES256, EC_PRIVATE, EC_PUBLIC).is_ok());
        assert!(keys(Algorithm::EdDSA, ED_PRIVATE, ED_PUBLIC).is_ok());
    }

    #[test]
    fn openssl_default_formats_load() {
        // SEC1 `EC PRIVATE KEY`, as `openssl ecparam -genkey` and `openssl ec` write it.
        let sec1 = include_str!("../../../tests/fixtures/ec_sec1_private.pem");
        assert!(keys(Algorithm::ES256, sec1, EC_PUBLIC).is_ok());
        let err = keys(Algorithm::ES384, sec1, EC_PUBLIC).unwrap_err();
        assert!(
            err.to_string().contains("ES384"),
            "P-256 keys for ES384: {err}"
        );
        let sec1_384 = include_str!("../../../tests/fixtures/ec384_sec1_private.pem");
        let config = JwtConfig::builder()
            .algorithm(Algorithm::ES384)
            .private_key(sec1_384)
            .public_key(include_str!("../../../tests/fixtures/ec384_public.pem"))
            .build()
            .unwrap();
        let err = Keys::from_config(&config).unwrap_err();
        assert!(
            err.to_string().contains("not verify") && err.setting() == Some("JWT_PUBLIC_KEY"),
            "a generated key is not the fixture's pair: {err}"
        );
        // PKCS#1 `RSA PUBLIC KEY`.
        let pkcs1 = include_str!("../../../tests/fixtures/rsa_pkcs1_public.pem");
        assert!(keys(Algorithm::RS256, RSA_PRIVATE, pkcs1).is_ok());
    }

    #[test]
    fn bad_keys_fail_at_startup_naming_the_setting() {
        let err = keys(Algorithm::RS256, "not a pem", RSA_PUBLIC).unwrap_err();
        assert_eq!(err.setting(), Some("JWT_PRIVATE_KEY"));
        let err = keys(Algorithm::ES256, RSA_PRIVATE, RSA_PUBLIC).unwrap_err();
        assert_eq!(
            err.setting(),
            Some("JWT_PRIVATE_KEY"),
            "an RSA key for ES256: {err}"
        );
        let err = keys(Algorithm::ES384, EC_PRIVATE, EC_PUBLIC).unwrap_err();
        assert!(
            err.to_string().contains("ES384"),
            "a P-256 key for ES384: {err}"
        );
        let small = include_str!("../../../tests/fixtures/rsa1024_public.pem");
        let config = JwtConfig::builder()
            .algorithm(Algorithm::RS256)
            .public_key(small)
            .build()
            .unwrap();
        let err = Keys::from_config(&config).unwrap_err();
        assert!(err.to_string().contains("1024 bits"), "{err}");
        let config = JwtConfig::builder()
            .algorithm(Algorithm::RS256)
            .public_key(RSA_PUBLIC)
            .build()
            .unwrap();
        assert!(
            Keys::from_config(&config).is_ok(),
            "2048 bits pass, verify-only"
        );
        let verify_only = JwtConfig::builder()
            .algorithm(Algorithm::ES256)
            .public_key(EC_PUBLIC)
            .build()
            .unwrap();
        let keys_only = Keys::from_config(&verify_only).unwrap();
        assert!(keys_only
            .encoding(Algorithm::ES256)
            .unwrap_err()
            .to_string()
            .contains("JWT_PRIVATE_KEY"));
        let err = keys(Algorithm::EdDSA, ED_PRIVATE, RSA_PUBLIC).unwrap_err();
        assert_eq!(err.setting(), Some("JWT_PUBLIC_KEY"));
        assert!(
            !err.to_string().contains("BEGIN"),
            "no key material in messages"
        );
    }
}
