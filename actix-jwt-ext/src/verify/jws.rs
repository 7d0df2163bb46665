//! Steps 3 to 6 of the procedure: parse the token once, choose the key, check the algorithm
//! against the allow-list and the signature, then hand the claims to [`super::claims`] and
//! the CSRF value to [`super::csrf`].

use std::sync::Arc;

use jsonwebtoken::{Algorithm, AlgorithmFamily};

use super::claims::{validate_claims, ClaimRules};
use crate::dangerous::UnverifiedToken;
use crate::error::JwtError;
use crate::keys::{KeyRef, Keyring};
use crate::kind::{ErrorKind, Failure};
use crate::manager::JwtManager;
use crate::token::{check_header_params, now_f64, DecodedToken, Object, RawToken};

/// How a decode runs.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct DecodeOptions<'a> {
    /// The CSRF value sent with a cookie token; checked against the `csrf` claim.
    pub(crate) csrf_value: Option<&'a str>,
    /// Accept an expired token (flask-jwt-extended `allow_expired`).
    pub(crate) allow_expired: bool,
}

/// Decodes and verifies `token` with the manager's keys (or its `decode_key_loader`).
pub(crate) async fn decode(
    manager: &JwtManager,
    token: &str,
    options: DecodeOptions<'_>,
) -> Result<DecodedToken, JwtError> {
    let mut raw = RawToken::parse(token)?;
    check_header_params(&raw.header)?;
    let claims = raw.claims()?;
    if let Some(loader) = &manager.loaders().decode_key {
        let unverified = UnverifiedToken::new(DecodedToken::new(
            raw.header.clone(),
            claims.clone(),
            Arc::clone(manager.identity_claim()),
        ));
        let key = loader(Arc::new(unverified)).await?;
        let algorithms = manager.decode_algorithms();
        return verify(
            manager,
            raw,
            claims,
            KeyRef::Loaded(&key),
            algorithms,
            options,
        );
    }
    // The `kid` is read only where it picks the key: the single-key path stays as it was.
    match manager.keys().snapshot() {
        Keyring::Single(single) => verify(
            manager,
            raw,
            claims,
            KeyRef::Default(&single.keys),
            manager.decode_algorithms(),
            options,
        ),
        Keyring::Set(set) => {
            let entry = set.verifier(raw.kid())?;
            verify(
                manager,
                raw,
                claims,
                KeyRef::Default(&entry.keys),
                &[entry.alg],
                options,
            )
        }
        #[cfg(feature = "remote-jwks")]
        Keyring::Remote(remote) => {
            let key = remote.key_for(raw.kid()).await?;
            verify(
                manager,
                raw,
                claims,
                KeyRef::Loaded(&key.key),
                &[key.alg],
                options,
            )
        }
    }
}

/// The algorithm, the signature, the registered claims, the identity claim and the CSRF
/// value, in PyJWT's and flask-jwt-extended's order.
fn verify(
    manager: &JwtManager,
    raw: RawToken<'_>,
    claims: Object,
    key: KeyRef<'_>,
    algorithms: &[Algorithm],
    options: DecodeOptions<'_>,
) -> Result<DecodedToken, JwtError> {
    let alg = match raw.header.get("alg") {
        None => return Err(ErrorKind::MissingAlgorithm.into()),
        Some(name) => name
            .as_str()
            .and_then(|name| name.parse::<Algorithm>().ok())
            .filter(|a| algorithms.contains(a)),
    }
    .ok_or(ErrorKind::AlgorithmNotAllowed)?;
    if alg.family() != key.family() {
        return Err(Failure::key_mismatch(alg.family() == AlgorithmFamily::Hmac).into());
    }
    if !key.verify(alg, raw.signing_input.as_bytes(), raw.signature())? {
        return Err(ErrorKind::BadSignature.into());
    }
    let rules = ClaimRules::of(manager);
    let expired = validate_claims(&claims, &rules, options.allow_expired, now_f64())?;
    let identity_claim = manager.identity_claim();
    if !claims.contains(identity_claim) {
        return Err(Failure::missing_claim(identity_claim).into());
    }
    if let Some(sent) = options.csrf_value.filter(|v| !v.is_empty()) {
        super::csrf::check(&claims, sent)?;
    }
    let token = DecodedToken::new(raw.header, claims, Arc::clone(identity_claim));
    if expired {
        return Err(JwtError::with_token(ErrorKind::Expired, token));
    }
    Ok(token)
}
