//! Step 9: revocation, through the token-in-blocklist loader or the revocation store.

use std::sync::Arc;

use crate::blocklist::{family_id, BlocklistError, TokenBlocklist, FAMILY_CLAIM};
use crate::error::JwtError;
use crate::manager::JwtManager;
use crate::token::DecodedToken;

/// `true` when the token is revoked: the loader decides when one is registered, else the
/// store (its `jti` and its family, in one call), else nothing is revoked.
pub(crate) async fn is_revoked(
    manager: &JwtManager,
    token: &Arc<DecodedToken>,
) -> Result<bool, JwtError> {
    match (&manager.loaders().token_in_blocklist, manager.blocklist()) {
        (Some(is_revoked), _) => is_revoked(Arc::clone(token)).await,
        (None, Some(store)) => revoked_in(store.as_ref(), token).await,
        (None, None) => Ok(false),
    }
}

/// The revocation check of a store: the token's `jti` and its family, in one call.
pub(crate) async fn revoked_in(
    store: &dyn TokenBlocklist,
    token: &DecodedToken,
) -> Result<bool, JwtError> {
    let family = token.string_claim(FAMILY_CLAIM).map(family_id);
    let both: [&str; 2];
    let one: [&str; 1];
    let ids: &[&str] = match (token.jti(), family.as_deref()) {
        (Some(jti), Some(family)) => {
            both = [jti, family];
            &both
        }
        (Some(id), None) | (None, Some(id)) => {
            one = [id];
            &one
        }
        (None, None) => return Ok(false),
    };
    if let Some(answer) = store.any_revoked_now(ids) {
        return answer.map_err(store_unavailable);
    }
    store.any_revoked(ids).await.map_err(store_unavailable)
}

/// A store failure, logged, as the 503 a client sees.
pub(crate) fn store_unavailable(e: BlocklistError) -> JwtError {
    log::error!("actix-jwt-ext: revocation store failed: {e}");
    JwtError::store_unavailable(e)
}
