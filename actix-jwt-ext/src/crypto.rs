//! The signature backend, chosen by crate feature, and the keys decoded once at startup.
//!
//! `aws-lc-rs` (default) signs and verifies through aws-lc-rs: constant-time RSA (the
//! pure-Rust `rsa` crate carries RUSTSEC-2023-0071), fast HMAC and ECDSA. `rust-crypto` uses
//! the RustCrypto crates instead, for targets without a C compiler. With both enabled,
//! aws-lc-rs wins. The backend is called directly, never through jsonwebtoken's process-wide
//! default, so a build that unifies both features still works.

use jsonwebtoken::crypto::CryptoProvider;
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};

use crate::config::{ConfigError, JwtConfig};
use crate::error::JwtError;
use crate::tokens::b64_encode_into;

#[cfg(not(any(feature = "aws-lc-rs", feature = "rust-crypto")))]
compile_error!(
    "actix-jwt-ext needs one crypto backend: enable the `aws-lc-rs` or the `rust-crypto` feature"
);

/// The backend selected by the crate features.
pub(crate) fn provider() -> &'static CryptoProvider {
    #[cfg(feature = "aws-lc-rs")]
    {
        &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER
    }
    #[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
    {
        &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER
    }
}

/// Checks `signature` over `message`. `Ok(false)` for a wrong signature; `Err` when the key
/// cannot be used with `alg`.
pub(crate) fn verify(
    alg: Algorithm,
    key: &DecodingKey,
    message: &[u8],
    signature: &[u8],
) -> Result<bool, JwtError> {
    let verifier = (provider().verifier_factory)(&alg, key)
        .map_err(|_| JwtError::invalid("Could not parse the provided public key."))?;
    Ok(verifier.verify(message, &signature.to_vec()).is_ok())
}

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

/// Signs `message` and appends the base64url signature to `out`.
pub(crate) fn sign_into(
    alg: Algorithm,
    key: &EncodingKey,
    message: &[u8],
    out: &mut String,
) -> Result<(), JwtError> {
    let signer = (provider().signer_factory)(&alg, key)
        .map_err(|e| JwtError::Encode(format!("the signing key does not fit {alg:?}: {e}")))?;
    let signature = signer
        .try_sign(message)
        .map_err(|e| JwtError::Encode(format!("signing failed: {e}")))?;
    b64_encode_into(&signature, out);
    Ok(())
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

/// The smallest RSA modulus accepted (RFC 7518 section 3.3: 2048 bits or larger).
const MIN_RSA_BITS: usize = 2048;

/// Refuses an RSA public key under [`MIN_RSA_BITS`] at startup (signing keys are checked by the
/// self-test: the backend refuses them), so a verify-only service cannot trust a weak key.
fn check_rsa_size(key: &DecodingKey, alg: Algorithm) -> Result<(), ConfigError> {
    let jsonwebtoken::DecodingKeyKind::SecretOrDer(der) = key.kind() else {
        return Ok(());
    };
    let invalid = |reason: String| ConfigError::InvalidKey {
        setting: "JWT_PUBLIC_KEY",
        algorithm: alg,
        reason,
    };
    let (n, _) = (provider().key_utils.rsa_pub_components_from_public_key)(der)
        .map_err(|e| invalid(e.to_string()))?;
    let n: &[u8] = &n[n.iter().take_while(|b| **b == 0).count()..];
    let bits = n
        .first()
        .map_or(0, |b| (n.len() - 1) * 8 + (8 - b.leading_zeros() as usize));
    if bits < MIN_RSA_BITS {
        return Err(invalid(format!(
            "an RSA key of {bits} bits (at least {MIN_RSA_BITS} are needed)"
        )));
    }
    Ok(())
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

impl Keys {
    /// Decodes the configured key material and proves it works by signing and verifying a
    /// probe message with the configured algorithm.
    pub(crate) fn from_config(config: &JwtConfig) -> Result<Self, ConfigError> {
        let alg = config.algorithm;
        let keys = if alg.family() == AlgorithmFamily::Hmac {
            let secret = config
                .effective_secret()
                .ok_or(ConfigError::MissingSecret { algorithm: alg })?;
            Keys {
                encoding: Some(EncodingKey::from_secret(secret.as_bytes())),
                decoding: DecodingKey::from_secret(secret.as_bytes()),
                #[cfg(feature = "aws-lc-rs")]
                hmac: hmac_keys(secret.as_bytes()),
            }
        } else {
            let private = config
                .private_key
                .as_deref()
                .map(str::trim)
                .filter(|k| !k.is_empty());
            let public = config.public_key.as_deref().unwrap_or_default().as_bytes();
            let bad = |setting: &'static str| {
                move |e: jsonwebtoken::errors::Error| ConfigError::InvalidKey {
                    setting,
                    algorithm: alg,
                    reason: e.to_string(),
                }
            };
            type Parse<K> = fn(&[u8]) -> jsonwebtoken::errors::Result<K>;
            let (encode, decode): (Parse<EncodingKey>, Parse<DecodingKey>) = match alg.family() {
                AlgorithmFamily::Rsa => (EncodingKey::from_rsa_pem, DecodingKey::from_rsa_pem),
                AlgorithmFamily::Ec => (EncodingKey::from_ec_pem, DecodingKey::from_ec_pem),
                _ => (EncodingKey::from_ed_pem, DecodingKey::from_ed_pem),
            };
            let encoding = private
                .map(|pem| encode(pem.as_bytes()).map_err(bad("JWT_PRIVATE_KEY")))
                .transpose()?;
            let decoding = decode(public).map_err(bad("JWT_PUBLIC_KEY"))?;
            if alg.family() == AlgorithmFamily::Rsa {
                check_rsa_size(&decoding, alg)?;
            }
            Keys {
                encoding,
                decoding,
                #[cfg(feature = "aws-lc-rs")]
                hmac: Vec::new(),
            }
        };
        keys.self_test(alg)?;
        Ok(keys)
    }

    /// The signing key, or the error flask-jwt-extended gives when it is missing.
    pub(crate) fn encoding(&self, alg: Algorithm) -> Result<&EncodingKey, JwtError> {
        self.encoding.as_ref().ok_or_else(|| {
            JwtError::Encode(format!(
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
    fn self_test(&self, alg: Algorithm) -> Result<(), ConfigError> {
        const PROBE: &[u8] = b"actix-jwt-ext key check";
        let Some(encoding) = &self.encoding else {
            return Ok(()); // verify-only: nothing to pair the public key with
        };
        let mut sig = String::new();
        sign_into(alg, encoding, PROBE, &mut sig).map_err(|e| ConfigError::InvalidKey {
            setting: if alg.family() == AlgorithmFamily::Hmac {
                "JWT_SECRET_KEY"
            } else {
                "JWT_PRIVATE_KEY"
            },
            algorithm: alg,
            reason: e.to_string(),
        })?;
        let sig = crate::tokens::b64_decode(&sig).unwrap_or_default();
        match self.verify(alg, PROBE, &sig) {
            Ok(true) => Ok(()),
            _ => Err(ConfigError::InvalidKey {
                setting: "JWT_PUBLIC_KEY",
                algorithm: alg,
                reason: "it does not verify what JWT_PRIVATE_KEY signs (not a key pair?)".into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::JwtConfig;

    const RSA_PRIVATE: &str = include_str!("../../tests/fixtures/rsa_private.pem");
    const RSA_PUBLIC: &str = include_str!("../../tests/fixtures/rsa_public.pem");
    const EC_PRIVATE: &str = include_str!("../../tests/fixtures/ec_private.pem");
    const EC_PUBLIC: &str = include_str!("../../tests/fixtures/ec_public.pem");
    const ED_PRIVATE: &str = include_str!("../../tests/fixtures/ed25519_private.pem");
    const ED_PUBLIC: &str = include_str!("../../tests/fixtures/ed25519_public.pem");

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
        let small = include_str!("../../tests/fixtures/rsa1024_public.pem");
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

#[cfg(test)]
#[path = "wycheproof_tests.rs"]
mod wycheproof_tests;
