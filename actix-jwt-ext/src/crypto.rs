//! The signature backend, chosen by crate feature, and the keys decoded once at startup.
//!
//! `aws-lc-rs` (default) signs and verifies through aws-lc-rs: constant-time RSA (the
//! pure-Rust `rsa` crate carries RUSTSEC-2023-0071), fast HMAC and ECDSA. `rust-crypto` uses
//! the RustCrypto crates instead, for targets without a C compiler. With both enabled,
//! aws-lc-rs wins. The backend is called directly, never through jsonwebtoken's process-wide
//! default, so a build that unifies both features still works.

use jsonwebtoken::crypto::CryptoProvider;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};

use crate::error::JwtError;
use crate::token::b64_encode_into;

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
        .map_err(|_| JwtError::new(crate::kind::ErrorKind::KeyMismatch))?;
    Ok(verifier.verify(message, &signature.to_vec()).is_ok())
}

/// Signs `message` and appends the base64url signature to `out`.
pub(crate) fn sign_into(
    alg: Algorithm,
    key: &EncodingKey,
    message: &[u8],
    out: &mut String,
) -> Result<(), JwtError> {
    let signer = (provider().signer_factory)(&alg, key)
        .map_err(|e| JwtError::encode(format!("the signing key does not fit {alg:?}: {e}")))?;
    let signature = signer
        .try_sign(message)
        .map_err(|e| JwtError::encode(format!("signing failed: {e}")))?;
    b64_encode_into(&signature, out);
    Ok(())
}

#[cfg(test)]
#[path = "wycheproof_tests.rs"]
mod wycheproof_tests;
