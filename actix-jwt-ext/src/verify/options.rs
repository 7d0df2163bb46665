//! [`JwtRequired`]: the options of `@jwt_required(...)`, with flask-jwt-extended's names and
//! defaults. One value serves three ways: `.wrap(jwt_required())` (the middleware),
//! `.app_data(jwt_required().refresh())` (the options of extractors used without middleware)
//! and [`verify_jwt_in_request`](crate::verify_jwt_in_request).

use std::rc::Rc;

use crate::config::TokenLocation;
use crate::manager::JwtManager;
use crate::requirement::Requirement;

/// `@jwt_required(...)`: what a route requires of its token.
///
/// ```
/// use actix_web::{web, App, HttpResponse};
/// use actix_jwt_ext::{jwt_required, JwtConfig, JwtIdentity, JwtManager, TokenLocation};
///
/// async fn refresh(identity: JwtIdentity) -> HttpResponse { HttpResponse::Ok().finish() }
/// async fn account() -> HttpResponse { HttpResponse::Ok().finish() }
///
/// let jwt = JwtManager::new(JwtConfig::builder().secret_key("s3cr3t").build().unwrap()).unwrap();
/// let app = App::new()
///     .configure(jwt.init_app())
///     .service(web::resource("/refresh").wrap(jwt_required().refresh()).route(web::post().to(refresh)))
///     .service(
///         web::scope("/account")
///             .wrap(jwt_required().fresh().locations([TokenLocation::Headers]))
///             .route("", web::delete().to(account)),
///     );
/// # drop(app);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use = "the options act when passed to `.wrap(...)`, `.app_data(...)` or `verify_jwt_in_request`"]
pub struct JwtRequired {
    options: Rc<Options>,
}

/// The option values (shared by every worker's middleware instance).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Options {
    pub(crate) optional: bool,
    pub(crate) fresh: bool,
    pub(crate) refresh: bool,
    pub(crate) locations: Option<Vec<TokenLocation>>,
    pub(crate) verify_type: bool,
    pub(crate) skip_revocation_check: bool,
    pub(crate) load_user: bool,
    pub(crate) requirement: Option<Requirement>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            optional: false,
            fresh: false,
            refresh: false,
            locations: None,
            verify_type: true,
            skip_revocation_check: false,
            load_user: false,
            requirement: None,
        }
    }
}

/// `jwt_required()`: a valid access (non-refresh) token is required.
pub fn jwt_required() -> JwtRequired {
    JwtRequired::default()
}

impl JwtRequired {
    fn with(mut self, f: impl FnOnce(&mut Options)) -> Self {
        f(Rc::make_mut(&mut self.options));
        self
    }

    /// `optional=True`: no token is fine (handlers see none); a bad token is still refused.
    pub fn optional(self) -> Self {
        self.with(|o| o.optional = true)
    }

    /// `fresh=True`: the token must be fresh.
    pub fn fresh(self) -> Self {
        self.with(|o| o.fresh = true)
    }

    /// `refresh=True`: only refresh tokens, read from the refresh cookie / JSON key.
    pub fn refresh(self) -> Self {
        self.with(|o| o.refresh = true)
    }

    /// `locations=[...]`: search these instead of `JWT_TOKEN_LOCATION` (an empty list keeps
    /// `JWT_TOKEN_LOCATION`).
    pub fn locations(self, locations: impl IntoIterator<Item = TokenLocation>) -> Self {
        let list: Vec<_> = locations.into_iter().collect();
        self.with(|o| o.locations = (!list.is_empty()).then_some(list))
    }

    /// `verify_type=False`: skip the token type check (a logout route for both types).
    pub fn no_verify_type(self) -> Self {
        self.with(|o| o.verify_type = false)
    }

    /// `skip_revocation_check=True`: skip the revocation check (an RFC 7009 revoke route).
    pub fn skip_revocation_check(self) -> Self {
        self.with(|o| o.skip_revocation_check = true)
    }

    /// Run the user lookup loader during verification, as flask-jwt-extended does whenever a
    /// loader is registered (default: only when a handler asks for the current user).
    pub fn load_user(self) -> Self {
        self.with(|o| o.load_user = true)
    }

    /// Also require `requirement` of the verified token (403 when unmet), checked after every
    /// verification step and before the handler's extractors run. Called again, each
    /// requirement must be met. On an [`optional`](Self::optional) route a request without a
    /// token still passes; one with a token must meet it.
    ///
    /// ```
    /// use actix_jwt_ext::{jwt_required, Requirement};
    ///
    /// let admins = jwt_required().require(Requirement::role("admin").message("Admins only!"));
    /// let writers = jwt_required().fresh().require(Requirement::scope("notes:write"));
    /// # drop((admins, writers));
    /// ```
    pub fn require(self, requirement: Requirement) -> Self {
        self.with(|o| {
            o.requirement = Some(match o.requirement.take() {
                Some(first) => first.and(requirement),
                None => requirement,
            });
        })
    }

    pub(crate) fn options(&self) -> &Options {
        &self.options
    }

    /// The same options with `optional` set (extractors decide themselves about "no token").
    pub(crate) fn allowing_none(&self) -> Self {
        if self.options.optional {
            self.clone()
        } else {
            self.clone().optional()
        }
    }
}

impl Options {
    /// The locations searched for `manager`'s configuration.
    pub(crate) fn locations_for<'a>(&'a self, manager: &'a JwtManager) -> &'a [TokenLocation] {
        self.locations
            .as_deref()
            .unwrap_or(&manager.config().token_location)
    }
}
