//! The JWT manager and its loaders (the guide's `src/common/utils.py`: `jwt = JWTManager()`).

use std::sync::Arc;

use actix_jwt_ext::{ConfigError, DecodedToken, InMemoryBlocklist, JwtConfig, JwtManager};
use serde_json::{Map, Value};

use crate::users::{self, User};

/// Builds the manager: `roles` in every token, the user lookup for `/me`, and an in-memory
/// blocklist for `DELETE /logout`.
pub(crate) fn manager(config: JwtConfig) -> Result<JwtManager, ConfigError> {
    JwtManager::builder(config)
        .additional_claims_loader(|identity: &Value| {
            let roles = identity
                .as_str()
                .and_then(users::find)
                .map(|u| u.roles)
                .unwrap_or_default();
            let mut claims = Map::new();
            claims.insert("roles".into(), roles.into());
            claims
        })
        .user_lookup_loader(|token: Arc<DecodedToken>| async move {
            Ok::<Option<User>, _>(token.identity_str().and_then(users::find))
        })
        .blocklist(InMemoryBlocklist::new())
        .build()
}
