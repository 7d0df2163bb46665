//! The loaders of flask-jwt-extended, as closures stored in the [`JwtManager`](crate::JwtManager).
//!
//! | flask-jwt-extended | here (on [`JwtManagerBuilder`](crate::JwtManagerBuilder)) | kind |
//! |---|---|---|
//! | `additional_claims_loader(identity)` | `additional_claims_loader` | sync, `&Value -> Map` |
//! | `additional_headers_loader(identity)` | `additional_headers_loader` | sync, `&Value -> Map` |
//! | `user_identity_loader(identity)` | `user_identity_loader` | sync, `&Value -> Value` |
//! | `user_lookup_loader(header, data)` | `user_lookup_loader` | async, `Arc<DecodedToken> -> Result<Option<U>>` |
//! | `token_in_blocklist_loader(header, data)` | `token_in_blocklist_loader` (or a [`TokenBlocklist`](crate::TokenBlocklist)) | async, `-> Result<bool>` |
//! | `token_verification_loader(header, data)` | `token_verification_loader` | async, `-> Result<bool>` |
//! | `decode_key_loader(header, data)` | `decode_key_loader` | async, `Arc<UnverifiedToken> -> Result<DecodingKey>` |
//! | `encode_key_loader(identity)` | `encode_key_loader` | async, `Value -> Result<EncodingKey>` |
//! | `unauthorized_loader(msg)` | `unauthorized_loader` | `&str -> HttpResponse` |
//! | `invalid_token_loader(msg)` | `invalid_token_loader` | `&str -> HttpResponse` |
//! | `expired_token_loader(header, data)` | `expired_token_loader` | `&DecodedToken -> HttpResponse` |
//! | `revoked_token_loader(header, data)` | `revoked_token_loader` | `&DecodedToken -> HttpResponse` |
//! | `needs_fresh_token_loader(header, data)` | `needs_fresh_token_loader` | `&DecodedToken -> HttpResponse` |
//! | `user_lookup_error_loader(header, data)` | `user_lookup_error_loader` | `&DecodedToken -> HttpResponse` |
//! | `token_verification_failed_loader(header, data)` | `token_verification_failed_loader` | `&DecodedToken -> HttpResponse` |
//!
//! Identities are handed to the creation-time loaders in their serialised form (a
//! `serde_json::Value`), since a Rust closure cannot take "any object". Loaders that may do I/O
//! are async and may fail with a [`JwtError`]; their futures need not be `Send`.

use std::any::Any;
use std::rc::Rc;
use std::sync::Arc;

use futures_util::future::LocalBoxFuture;
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde_json::{Map, Value};

use crate::dangerous::UnverifiedToken;
use crate::error::JwtError;
use crate::token::DecodedToken;

pub(crate) type ClaimsLoader = Arc<dyn Fn(&Value) -> Map<String, Value> + Send + Sync>;
pub(crate) type IdentityLoader = Arc<dyn Fn(&Value) -> Value + Send + Sync>;
pub(crate) type TokenCheck =
    Arc<dyn Fn(Arc<DecodedToken>) -> LocalBoxFuture<'static, Result<bool, JwtError>> + Send + Sync>;
pub(crate) type UserLoader = Arc<
    dyn Fn(Arc<DecodedToken>) -> LocalBoxFuture<'static, Result<Option<Rc<dyn Any>>, JwtError>>
        + Send
        + Sync,
>;
pub(crate) type DecodeKeyLoader = Arc<
    dyn Fn(Arc<UnverifiedToken>) -> LocalBoxFuture<'static, Result<DecodingKey, JwtError>>
        + Send
        + Sync,
>;
pub(crate) type EncodeKeyLoader =
    Arc<dyn Fn(Value) -> LocalBoxFuture<'static, Result<EncodingKey, JwtError>> + Send + Sync>;

/// The registered loaders but the error loaders (see the error module's renderer); `None`
/// means flask-jwt-extended's default.
#[derive(Clone, Default)]
pub(crate) struct Loaders {
    pub(crate) additional_claims: Option<ClaimsLoader>,
    pub(crate) additional_headers: Option<ClaimsLoader>,
    pub(crate) user_identity: Option<IdentityLoader>,
    pub(crate) user_lookup: Option<UserLoader>,
    pub(crate) token_in_blocklist: Option<TokenCheck>,
    pub(crate) token_verification: Option<TokenCheck>,
    pub(crate) decode_key: Option<DecodeKeyLoader>,
    pub(crate) encode_key: Option<EncodeKeyLoader>,
}

impl std::fmt::Debug for Loaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |b: bool| if b { "custom" } else { "default" };
        f.debug_struct("Loaders")
            .field("additional_claims", &set(self.additional_claims.is_some()))
            .field(
                "additional_headers",
                &set(self.additional_headers.is_some()),
            )
            .field("user_identity", &set(self.user_identity.is_some()))
            .field("user_lookup", &set(self.user_lookup.is_some()))
            .field(
                "token_in_blocklist",
                &set(self.token_in_blocklist.is_some()),
            )
            .field(
                "token_verification",
                &set(self.token_verification.is_some()),
            )
            .field("decode_key", &set(self.decode_key.is_some()))
            .field("encode_key", &set(self.encode_key.is_some()))
            .finish_non_exhaustive()
    }
}
