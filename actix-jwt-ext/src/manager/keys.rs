//! The manager's key methods: publishing the public keys (JWKS) and replacing a key set.

use actix_web::{web, HttpResponse};

use super::JwtManager;
use crate::config::ConfigError;
use crate::keys::KeySet;

impl JwtManager {
    /// The public keys as a JWKS document (RFC 7517): the configured asymmetric key (its
    /// `kid` is its RFC 7638 thumbprint), or every key of the [`KeySet`]. Empty for HMAC
    /// secrets, which are never published, and for a remote issuer's keys.
    pub fn jwks(&self) -> jsonwebtoken::jwk::JwkSet {
        self.keys().snapshot().jwks()
    }

    /// Replaces the [`KeySet`] while the app runs (a rotation without restart): tokens
    /// signed from now on use the new set's current key, and tokens are verified with the new
    /// set's keys. Keep the previous current key in the new set until its tokens expire.
    /// Fails when the manager was not built with a key set.
    pub fn replace_key_set(&self, keys: KeySet) -> Result<(), ConfigError> {
        if self.keys().replace_set(keys) {
            Ok(())
        } else {
            Err(ConfigError::Invalid {
                setting: "KeySet",
                reason: "this JwtManager was not built with a key set (JwtManagerBuilder::key_set)"
                    .into(),
            })
        }
    }

    /// Serves [`jwks`](Self::jwks) at `path` (`GET` and `HEAD`), for
    /// `App::new().configure(jwt.serve_jwks("/.well-known/jwks.json"))`. The document is
    /// built once; clients may cache it for five minutes.
    pub fn serve_jwks(&self, path: &str) -> impl FnOnce(&mut web::ServiceConfig) + Clone + 'static {
        let manager = self.clone();
        let path = path.to_owned();
        move |cfg: &mut web::ServiceConfig| {
            let serve = move || {
                let body = manager.inner.keys.snapshot().jwks_json();
                async move {
                    HttpResponse::Ok()
                        .content_type("application/json")
                        .insert_header((
                            actix_web::http::header::CACHE_CONTROL,
                            "public, max-age=300",
                        ))
                        .body(body)
                }
            };
            cfg.service(
                web::resource(path)
                    .route(web::get().to(serve.clone()))
                    .route(web::head().to(serve)),
            );
        }
    }
}
