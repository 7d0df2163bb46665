//! Step 11: the user lookup loader, run once per request and cached in its extensions.

use std::any::Any;
use std::rc::Rc;
use std::sync::Arc;

use crate::error::JwtError;
use crate::kind::Failure;
use crate::manager::JwtManager;
use crate::token::DecodedToken;

/// The user loaded for the request, cached in the extensions.
#[derive(Clone)]
pub(crate) struct LoadedUser(pub(crate) Rc<dyn Any>);

/// `user_lookup_loader` for a verified token; `Ok(None)` when no loader is registered, and
/// `Error loading the user <identity>` when the loader finds nobody.
pub(crate) async fn load_user(
    manager: &JwtManager,
    token: &Arc<DecodedToken>,
) -> Result<Option<LoadedUser>, JwtError> {
    let Some(loader) = &manager.loaders().user_lookup else {
        return Ok(None);
    };
    match loader(Arc::clone(token)).await? {
        Some(user) => Ok(Some(LoadedUser(user))),
        None => {
            let identity = token
                .identity()
                .map_or_else(|| "None".to_owned(), crate::token::python_str);
            Err(JwtError::with_token(
                Failure::user_lookup(&identity),
                DecodedToken::clone(token),
            ))
        }
    }
}
