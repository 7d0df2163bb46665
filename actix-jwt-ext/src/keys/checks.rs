//! Startup checks on key material: sizes and curves the algorithm and the crypto backend
//! accept, and HMAC secrets shorter than the hash output.

use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, DecodingKeyKind};

use crate::crypto::provider;

/// The smallest RSA modulus accepted (RFC 7518 section 3.3: 2048 bits or larger).
pub(crate) const MIN_RSA_BITS: usize = 2048;

/// The largest RSA modulus the backend verifies: aws-lc-rs takes up to 8192 bits, the
/// RustCrypto `rsa` crate up to 4096.
#[cfg(feature = "aws-lc-rs")]
pub(crate) const MAX_RSA_BITS: usize = 8192;
/// The largest RSA modulus the backend verifies: aws-lc-rs takes up to 8192 bits, the
/// RustCrypto `rsa` crate up to 4096.
#[cfg(not(feature = "aws-lc-rs"))]
pub(crate) const MAX_RSA_BITS: usize = 4096;

/// The backend's name, for messages.
#[cfg(feature = "aws-lc-rs")]
const BACKEND: &str = "aws-lc-rs";
#[cfg(not(feature = "aws-lc-rs"))]
const BACKEND: &str = "rust-crypto";

/// The number of significant bits of a big-endian unsigned integer.
pub(crate) fn bit_length(n: &[u8]) -> usize {
    let n = &n[n.iter().take_while(|b| **b == 0).count()..];
    n.first()
        .map_or(0, |b| (n.len() - 1) * 8 + (8 - b.leading_zeros() as usize))
}

/// The modulus size of an RSA public key, in bits.
pub(crate) fn rsa_bits(key: &DecodingKey) -> Result<usize, String> {
    match key.kind() {
        DecodingKeyKind::RsaModulusExponent { n, .. } => Ok(bit_length(n)),
        DecodingKeyKind::SecretOrDer(der) => {
            let (n, _) =
                (provider().key_utils.rsa_pub_components_from_public_key)(der).map_err(|e| {
                    format!(
                        "an RSA key the {BACKEND} backend cannot use ({e}); it verifies RSA keys \
                         of {MIN_RSA_BITS} to {MAX_RSA_BITS} bits"
                    )
                })?;
            Ok(bit_length(&n))
        }
    }
}

/// Refuses a public key that `alg` or the backend cannot use: an RSA modulus outside
/// 2048..=[`MAX_RSA_BITS`], an EC point of another curve than the algorithm's (P-256 for
/// ES256, P-384 for ES384; P-521 has no algorithm here), an Ed25519 key of the wrong length.
pub(crate) fn check_public_key(alg: Algorithm, key: &DecodingKey) -> Result<(), String> {
    if key.family() != alg.family() {
        return Err(format!(
            "a {:?} key cannot be used with {alg:?}",
            key.family()
        ));
    }
    match alg.family() {
        AlgorithmFamily::Rsa => {
            let bits = rsa_bits(key)?;
            if bits < MIN_RSA_BITS {
                return Err(format!(
                    "an RSA key of {bits} bits (at least {MIN_RSA_BITS} are needed)"
                ));
            }
            if bits > MAX_RSA_BITS {
                return Err(format!(
                    "an RSA key of {bits} bits: the {BACKEND} backend verifies at most \
                     {MAX_RSA_BITS}"
                ));
            }
        }
        AlgorithmFamily::Ec => {
            let point = key.try_get_as_bytes().map_err(|e| e.to_string())?;
            let curve = match point.len() {
                65 => "P-256",
                97 => "P-384",
                133 => "P-521",
                _ => "an unknown curve",
            };
            let expected = match alg {
                Algorithm::ES384 => "P-384",
                _ => "P-256",
            };
            if curve != expected {
                return Err(format!(
                    "a key on {curve} for {alg:?}, which needs a {expected} key"
                ));
            }
        }
        AlgorithmFamily::Ed => {
            let len = key.try_get_as_bytes().map_err(|e| e.to_string())?.len();
            if len != 32 {
                return Err(format!(
                    "an EdDSA public key of {len} bytes (Ed25519 keys have 32)"
                ));
            }
        }
        AlgorithmFamily::Hmac => {}
    }
    Ok(())
}

/// A warning for an HMAC secret shorter than the hash output (RFC 7518 section 3.2: 32
/// bytes for HS256, 48 for HS384, 64 for HS512). flask-jwt-extended accepts such secrets,
/// so this is a logged warning, not an error.
pub(crate) fn hmac_secret_warning(alg: Algorithm, len: usize) -> Option<String> {
    let needed = match alg {
        Algorithm::HS256 => 32,
        Algorithm::HS384 => 48,
        Algorithm::HS512 => 64,
        _ => return None,
    };
    (len < needed).then(|| {
        format!(
            "the secret is {len} bytes, shorter than the {needed} bytes {alg:?} needs to be \
             secure (RFC 7518 section 3.2); generate one with \
             `python3 -c 'import secrets; print(secrets.token_hex(32))'`"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA_PUBLIC: &str = include_str!("../../../tests/fixtures/rsa_public.pem");
    const RSA8192_PUBLIC: &str = include_str!("../../../tests/fixtures/rsa8192_public.pem");
    const RSA1024_PUBLIC: &str = include_str!("../../../tests/fixtures/rsa1024_public.pem");
    const EC_PUBLIC: &str = include_str!("../../../tests/fixtures/ec_public.pem");
    const EC384_PUBLIC: &str = include_str!("../../../tests/fixtures/ec384_public.pem");
    const ED_PUBLIC: &str = include_str!("../../../tests/fixtures/ed25519_public.pem");

    #[test]
    fn bit_length_counts_significant_bits() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[0, 0, 1]), 1);
        assert_eq!(bit_length(&[0, 0x80, 0]), 16);
        assert_eq!(bit_length(&[0x7f; 256]), 2047);
    }

    #[test]
    fn key_sizes_and_curves_are_checked_per_algorithm() {
        let rsa = DecodingKey::from_rsa_pem(RSA_PUBLIC.as_bytes()).unwrap();
        assert_eq!(check_public_key(Algorithm::RS256, &rsa), Ok(()));
        assert_eq!(check_public_key(Algorithm::PS512, &rsa), Ok(()));
        let small = DecodingKey::from_rsa_pem(RSA1024_PUBLIC.as_bytes()).unwrap();
        let err = check_public_key(Algorithm::RS256, &small).unwrap_err();
        assert!(err.contains("1024 bits"), "{err}");
        // 8192 bits: aws-lc-rs verifies it, the RustCrypto `rsa` crate stops at 4096.
        let big = DecodingKey::from_rsa_pem(RSA8192_PUBLIC.as_bytes()).unwrap();
        let verdict = check_public_key(Algorithm::RS256, &big);
        if cfg!(feature = "aws-lc-rs") {
            assert_eq!(verdict, Ok(()));
        } else {
            let err = verdict.unwrap_err();
            assert!(err.contains("rust-crypto") && err.contains("4096"), "{err}");
        }
        let huge = DecodingKey::from_rsa_raw_components(&[0xff; 2048], &[1, 0, 1]);
        let err = check_public_key(Algorithm::RS256, &huge).unwrap_err();
        assert!(err.contains("16384 bits") && err.contains(BACKEND), "{err}");

        let p256 = DecodingKey::from_ec_pem(EC_PUBLIC.as_bytes()).unwrap();
        let p384 = DecodingKey::from_ec_pem(EC384_PUBLIC.as_bytes()).unwrap();
        assert_eq!(check_public_key(Algorithm::ES256, &p256), Ok(()));
        assert_eq!(check_public_key(Algorithm::ES384, &p384), Ok(()));
        let err = check_public_key(Algorithm::ES256, &p384).unwrap_err();
        assert!(err.contains("P-384") && err.contains("ES256"), "{err}");
        let err = check_public_key(Algorithm::ES384, &p256).unwrap_err();
        assert!(err.contains("P-256") && err.contains("ES384"), "{err}");

        let ed = DecodingKey::from_ed_pem(ED_PUBLIC.as_bytes()).unwrap();
        assert_eq!(check_public_key(Algorithm::EdDSA, &ed), Ok(()));
        let err = check_public_key(Algorithm::EdDSA, &rsa).unwrap_err();
        assert!(err.contains("EdDSA"), "{err}");
    }

    #[test]
    fn short_hmac_secrets_warn_by_hash_size() {
        assert!(hmac_secret_warning(Algorithm::HS256, 31).is_some());
        assert!(hmac_secret_warning(Algorithm::HS256, 32).is_none());
        assert!(hmac_secret_warning(Algorithm::HS384, 47).is_some());
        assert!(hmac_secret_warning(Algorithm::HS384, 48).is_none());
        assert!(hmac_secret_warning(Algorithm::HS512, 63).is_some());
        assert!(hmac_secret_warning(Algorithm::HS512, 64).is_none());
        assert!(hmac_secret_warning(Algorithm::RS256, 1).is_none());
        let msg = hmac_secret_warning(Algorithm::HS256, 6).unwrap();
        assert!(msg.contains("6 bytes") && msg.contains("32"), "{msg}");
    }
}
