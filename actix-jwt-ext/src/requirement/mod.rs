//! [`Requirement`]: what a verified token must hold for a route, as a tree of predicates, and
//! its evaluation. A leaf below the verification: [`crate::verify`] evaluates it, and
//! [`crate::authorize`] holds the middleware and the extractor built on it.

mod claims;

use std::borrow::Cow;
use std::future::{ready, Future};
use std::sync::Arc;

use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::JwtError;
use crate::kind::{ErrorKind, Failure};
use crate::token::DecodedToken;

type SyncPredicate = Arc<dyn Fn(&DecodedToken) -> bool + Send + Sync>;
type AsyncPredicate =
    Arc<dyn Fn(Arc<DecodedToken>) -> LocalBoxFuture<'static, Result<bool, JwtError>> + Send + Sync>;

/// What a verified token must hold: roles, scopes, claim values, your own predicates, and
/// their combinations. A request whose token does not meet it is refused with 403 (an
/// [`ErrorKind`] naming the unmet requirement) before the handler's extractors run.
///
/// Attach it with [`JwtRequired::require`](crate::JwtRequired::require), wrap it around a
/// scope or resource as middleware (`.wrap(Requirement::role("admin"))`), or take it as a
/// handler parameter with [`Require`](crate::Require). See [`crate::authorize`].
///
/// | predicate | met when | kind when unmet |
/// |---|---|---|
/// | [`role`](Self::role), [`roles`](Self::roles), [`any_role`](Self::any_role) | the roles claim (default `roles`, [`JwtManagerBuilder::roles_claim`](crate::JwtManagerBuilder::roles_claim)) is the role, or an array holding it (an empty list of roles is never met) | `MissingRole` |
/// | [`scope`](Self::scope), [`scopes`](Self::scopes) | `scope` (a space-separated string) holds each scope; without a `scope` claim, `scp` (an array, or a space-separated string); an empty list or scope is never met | `MissingScope` |
/// | [`claim_equals`](Self::claim_equals) | the claim equals the value (numbers by value) | `ClaimMismatch` |
/// | [`claim_contains`](Self::claim_contains) | the claim is an array with an element equal to the value | `ClaimMismatch` |
/// | [`claims`](Self::claims), [`claims_async`](Self::claims_async), [`token`](Self::token) | your predicate says `true` | `RequirementFailed` |
/// | [`all`](Self::all) / [`and`](Self::and) | every one is met (`all([])` always is) | the first unmet one's |
/// | [`any`](Self::any) / [`or`](Self::or) | one is met (`any([])` never is) | theirs when they share one, else `RequirementFailed` |
/// | [`not`](Self::not) / `!` | the one given is not met | `RequirementFailed` |
///
/// A claim of the wrong JSON type, or a missing one, does not meet the requirement (403);
/// it is never an error of the token (422).
///
/// ```
/// use actix_jwt_ext::Requirement;
///
/// let editors = Requirement::any_role(["admin", "editor"])
///     .and(Requirement::scope("articles:write"))
///     .and(!Requirement::claim_equals("suspended", true))
///     .message("Editors only");
/// # drop(editors);
/// ```
#[derive(Clone)]
#[must_use = "a requirement acts when attached with `.require(...)`, `.wrap(...)` or `Require<P>`"]
pub struct Requirement(Arc<Node>);

#[derive(Clone)]
struct Node {
    rule: Rule,
    message: Option<Cow<'static, str>>,
    /// Some predicate below awaits: evaluate through the boxed future.
    is_async: bool,
}

#[derive(Clone)]
enum Rule {
    Roles {
        roles: Box<[String]>,
        any: bool,
    },
    Scopes {
        scopes: Box<[String]>,
        joined: Arc<str>,
    },
    ClaimEquals {
        name: Box<str>,
        value: Value,
    },
    ClaimContains {
        name: Box<str>,
        value: Value,
    },
    Sync(SyncPredicate),
    Async(AsyncPredicate),
    All(Box<[Requirement]>),
    Any(Box<[Requirement]>),
    Not(Requirement),
}

/// Why a requirement is not met: the kind, the message to show, and for a scope requirement
/// the scopes (for the RFC 6750 challenge).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unmet {
    kind: ErrorKind,
    message: Option<Cow<'static, str>>,
    scope: Option<Arc<str>>,
}

impl Unmet {
    const fn of(kind: ErrorKind) -> Self {
        Self {
            kind,
            message: None,
            scope: None,
        }
    }

    /// The refusal, carrying the token (for the forbidden loader).
    pub(crate) fn into_error(self, token: &DecodedToken) -> JwtError {
        JwtError::with_token(
            Failure::unmet(self.kind, self.message.as_ref()),
            token.clone(),
        )
        .with_required_scope(self.scope)
    }
}

type Outcome = Result<(), Unmet>;

impl Requirement {
    fn new(rule: Rule) -> Self {
        let is_async = match &rule {
            Rule::Async(_) => true,
            Rule::All(list) | Rule::Any(list) => list.iter().any(|r| r.0.is_async),
            Rule::Not(inner) => inner.0.is_async,
            _ => false,
        };
        Requirement(Arc::new(Node {
            rule,
            message: None,
            is_async,
        }))
    }

    /// The token has role `role`.
    pub fn role(role: impl Into<String>) -> Self {
        Self::roles([role])
    }

    /// The token has every one of `roles`. An empty list is never met.
    pub fn roles(roles: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self::new(Rule::Roles {
            roles: roles.into_iter().map(Into::into).collect(),
            any: false,
        })
    }

    /// The token has at least one of `roles`. An empty list is never met.
    pub fn any_role(roles: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self::new(Rule::Roles {
            roles: roles.into_iter().map(Into::into).collect(),
            any: true,
        })
    }

    /// The token grants scope `scope`.
    pub fn scope(scope: impl Into<String>) -> Self {
        Self::scopes([scope])
    }

    /// The token grants every one of `scopes`. An empty list, or an empty scope, is never
    /// met. The RFC 6750 challenge of a refusal names
    /// them (`scope="a b"`).
    pub fn scopes(scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let mut list: Vec<String> = Vec::new();
        for scope in scopes {
            let scope = scope.into();
            if !list.contains(&scope) {
                list.push(scope);
            }
        }
        let joined = Arc::from(list.join(" "));
        Self::new(Rule::Scopes {
            scopes: list.into_boxed_slice(),
            joined,
        })
    }

    /// Claim `name` equals `value` (JSON equality; numbers compare by value, so `1` equals
    /// `1.0`). The decode defaults count: `type` is `"access"` when absent.
    pub fn claim_equals(name: impl Into<String>, value: impl Into<Value>) -> Self {
        Self::new(Rule::ClaimEquals {
            name: name.into().into_boxed_str(),
            value: value.into(),
        })
    }

    /// Claim `name` is an array with an element equal to `value`.
    pub fn claim_contains(name: impl Into<String>, value: impl Into<Value>) -> Self {
        Self::new(Rule::ClaimContains {
            name: name.into().into_boxed_str(),
            value: value.into(),
        })
    }

    /// Your predicate over the claims, deserialised into `T` (as [`Claims<T>`](crate::Claims)
    /// reads them). Claims that do not deserialise into `T` do not meet it.
    ///
    /// ```
    /// use actix_jwt_ext::Requirement;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Plan { plan: String, seats: u32 }
    ///
    /// let paid = Requirement::claims(|c: &Plan| c.plan != "free" && c.seats > 0);
    /// # drop(paid);
    /// ```
    pub fn claims<T, F>(predicate: F) -> Self
    where
        T: DeserializeOwned,
        F: Fn(&T) -> bool + Send + Sync + 'static,
    {
        Self::new(Rule::Sync(Arc::new(
            move |token: &DecodedToken| match token.deserialize_claims::<T>() {
                Ok(claims) => predicate(&claims),
                Err(_) => {
                    log::debug!(
                        "actix-jwt-ext: the claims do not deserialise into {}: requirement not met",
                        std::any::type_name::<T>()
                    );
                    false
                }
            },
        )))
    }

    /// Your asynchronous predicate over the claims deserialised into `T` (a database or
    /// policy-service lookup). An `Err` answers with that error (say
    /// [`JwtError::store_unavailable`], 503) instead of 403.
    ///
    /// ```
    /// use actix_jwt_ext::{JwtError, Requirement};
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Tenant { tenant: String }
    ///
    /// let active = Requirement::claims_async(|c: Tenant| async move {
    ///     Ok::<_, JwtError>(c.tenant != "closed-tenant")
    /// });
    /// # drop(active);
    /// ```
    pub fn claims_async<T, F, Fut>(predicate: F) -> Self
    where
        T: DeserializeOwned,
        F: Fn(T) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<bool, JwtError>> + 'static,
    {
        Self::new(Rule::Async(Arc::new(
            move |token: Arc<DecodedToken>| match token.deserialize_claims::<T>() {
                Ok(claims) => Box::pin(predicate(claims)),
                Err(_) => {
                    log::debug!(
                        "actix-jwt-ext: the claims do not deserialise into {}: requirement not met",
                        std::any::type_name::<T>()
                    );
                    Box::pin(ready(Ok(false)))
                }
            },
        )))
    }

    /// Your predicate over the whole [`DecodedToken`] (header and claims, no deserialisation).
    pub fn token<F>(predicate: F) -> Self
    where
        F: Fn(&DecodedToken) -> bool + Send + Sync + 'static,
    {
        Self::new(Rule::Sync(Arc::new(predicate)))
    }

    /// Every one of `requirements` is met (checked in order; the first unmet one answers).
    pub fn all(requirements: impl IntoIterator<Item = Requirement>) -> Self {
        Self::new(Rule::All(requirements.into_iter().collect()))
    }

    /// At least one of `requirements` is met.
    pub fn any(requirements: impl IntoIterator<Item = Requirement>) -> Self {
        Self::new(Rule::Any(requirements.into_iter().collect()))
    }

    /// `requirement` is not met.
    #[allow(clippy::should_implement_trait)] // `!requirement` works too (`impl Not`).
    pub fn not(requirement: Requirement) -> Self {
        Self::new(Rule::Not(requirement))
    }

    /// This one and `other`.
    pub fn and(self, other: Requirement) -> Self {
        Self::all([self, other])
    }

    /// This one or `other`.
    pub fn or(self, other: Requirement) -> Self {
        Self::any([self, other])
    }

    /// The text of a refusal by this requirement (instead of the kind's default text, or the
    /// message of the requirement inside that was not met). Shown to clients: write it
    /// yourself, never from a claim.
    pub fn message(mut self, message: impl Into<Cow<'static, str>>) -> Self {
        Arc::make_mut(&mut self.0).message = Some(message.into());
        self
    }

    /// Checks `token`, reading roles from claim `roles` (the manager's
    /// [`roles_claim`](crate::JwtManager::roles_claim)): `Ok(())`, or the refusal.
    pub(crate) async fn enforce(
        &self,
        token: &Arc<DecodedToken>,
        roles: &str,
    ) -> Result<(), JwtError> {
        let outcome = if self.0.is_async {
            self.check(token, roles).await?
        } else {
            self.check_now(token, roles)
        };
        outcome.map_err(|unmet| unmet.into_error(token))
    }

    /// The unmet result with this node's message, if it has one.
    fn unmet(&self, mut unmet: Unmet) -> Outcome {
        if let Some(message) = &self.0.message {
            unmet.message = Some(message.clone());
        }
        Err(unmet)
    }

    /// Evaluation of a tree without asynchronous predicates.
    fn check_now(&self, token: &Arc<DecodedToken>, roles_claim: &str) -> Outcome {
        let met = match &self.0.rule {
            Rule::All(list) => {
                for r in list.iter() {
                    if let Err(unmet) = r.check_now(token, roles_claim) {
                        return self.unmet(unmet);
                    }
                }
                return Ok(());
            }
            Rule::Any(list) => {
                let mut failures = Vec::with_capacity(list.len());
                for r in list.iter() {
                    match r.check_now(token, roles_claim) {
                        Ok(()) => return Ok(()),
                        Err(unmet) => failures.push(unmet),
                    }
                }
                return self.unmet(any_failed(failures));
            }
            Rule::Not(inner) => inner.check_now(token, roles_claim).is_err(),
            Rule::Async(_) => false, // unreachable: `is_async` trees go through `check`
            leaf => return self.check_leaf(leaf, token, roles_claim),
        };
        if met {
            Ok(())
        } else {
            self.unmet(Unmet::of(ErrorKind::RequirementFailed))
        }
    }

    /// Evaluation of any tree.
    fn check<'a>(
        &'a self,
        token: &'a Arc<DecodedToken>,
        roles_claim: &'a str,
    ) -> LocalBoxFuture<'a, Result<Outcome, JwtError>> {
        if !self.0.is_async {
            return Box::pin(ready(Ok(self.check_now(token, roles_claim))));
        }
        Box::pin(async move {
            let met = match &self.0.rule {
                Rule::All(list) => {
                    for r in list.iter() {
                        if let Err(unmet) = r.check(token, roles_claim).await? {
                            return Ok(self.unmet(unmet));
                        }
                    }
                    return Ok(Ok(()));
                }
                Rule::Any(list) => {
                    let mut failures = Vec::with_capacity(list.len());
                    for r in list.iter() {
                        match r.check(token, roles_claim).await? {
                            Ok(()) => return Ok(Ok(())),
                            Err(unmet) => failures.push(unmet),
                        }
                    }
                    return Ok(self.unmet(any_failed(failures)));
                }
                Rule::Not(inner) => inner.check(token, roles_claim).await?.is_err(),
                Rule::Async(predicate) => predicate(Arc::clone(token)).await?,
                leaf => return Ok(self.check_leaf(leaf, token, roles_claim)),
            };
            Ok(if met {
                Ok(())
            } else {
                self.unmet(Unmet::of(ErrorKind::RequirementFailed))
            })
        })
    }

    fn check_leaf(&self, leaf: &Rule, token: &DecodedToken, roles_claim: &str) -> Outcome {
        let (met, unmet) = match leaf {
            Rule::Roles { roles, any } => {
                let has = |role: &String| claims::has_role(token, roles_claim, role);
                // An empty list is never met (fail closed: a role list read from
                // configuration that came out empty lets no one in).
                let met = !roles.is_empty()
                    && if *any {
                        roles.iter().any(has)
                    } else {
                        roles.iter().all(has)
                    };
                (met, Unmet::of(ErrorKind::MissingRole))
            }
            Rule::Scopes { scopes, joined } => (
                !scopes.is_empty() && scopes.iter().all(|s| claims::has_scope(token, s)),
                Unmet {
                    scope: Some(Arc::clone(joined)),
                    ..Unmet::of(ErrorKind::MissingScope)
                },
            ),
            Rule::ClaimEquals { name, value } => (
                claims::claim_equals(token, name, value),
                Unmet::of(ErrorKind::ClaimMismatch),
            ),
            Rule::ClaimContains { name, value } => (
                claims::claim_contains(token, name, value),
                Unmet::of(ErrorKind::ClaimMismatch),
            ),
            Rule::Sync(predicate) => (predicate(token), Unmet::of(ErrorKind::RequirementFailed)),
            Rule::Async(_) | Rule::All(_) | Rule::Any(_) | Rule::Not(_) => {
                (false, Unmet::of(ErrorKind::RequirementFailed))
            }
        };
        if met {
            Ok(())
        } else {
            self.unmet(unmet)
        }
    }
}

/// The refusal of an `any` whose alternatives all failed: the one failure when there was one;
/// their kind when they share it (without a scope: no single set of scopes would do);
/// `RequirementFailed` otherwise.
fn any_failed(mut failures: Vec<Unmet>) -> Unmet {
    if failures.len() == 1 {
        if let Some(only) = failures.pop() {
            return only;
        }
    }
    let kind = match failures.first() {
        Some(first) if failures.iter().all(|f| f.kind == first.kind) => first.kind,
        _ => ErrorKind::RequirementFailed,
    };
    Unmet::of(kind)
}

impl std::ops::Not for Requirement {
    type Output = Requirement;

    fn not(self) -> Requirement {
        Requirement::not(self)
    }
}

/// Shows the tree: role and scope names, claim names; claim values required are shown as
/// their JSON type only, and predicates as `custom`.
impl std::fmt::Debug for Requirement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind_of = |v: &Value| match v {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        match &self.0.rule {
            Rule::Roles { roles, any } => f
                .debug_struct(if *any { "AnyRole" } else { "Roles" })
                .field("roles", roles)
                .finish()?,
            Rule::Scopes { scopes, .. } => {
                f.debug_struct("Scopes").field("scopes", scopes).finish()?
            }
            Rule::ClaimEquals { name, value } => f
                .debug_struct("ClaimEquals")
                .field("name", name)
                .field("value", &kind_of(value))
                .finish()?,
            Rule::ClaimContains { name, value } => f
                .debug_struct("ClaimContains")
                .field("name", name)
                .field("value", &kind_of(value))
                .finish()?,
            Rule::Sync(_) => f.write_str("Custom")?,
            Rule::Async(_) => f.write_str("CustomAsync")?,
            Rule::All(list) => f.debug_tuple("All").field(list).finish()?,
            Rule::Any(list) => f.debug_tuple("Any").field(list).finish()?,
            Rule::Not(inner) => f.debug_tuple("Not").field(inner).finish()?,
        }
        if let Some(message) = &self.0.message {
            write!(f, ".message({message:?})")?;
        }
        Ok(())
    }
}

/// Structural equality; two predicates are equal when they are the same closure (clones of
/// one requirement).
impl PartialEq for Requirement {
    fn eq(&self, other: &Self) -> bool {
        if Arc::ptr_eq(&self.0, &other.0) {
            return true;
        }
        if self.0.message != other.0.message {
            return false;
        }
        match (&self.0.rule, &other.0.rule) {
            (Rule::Roles { roles: a, any: x }, Rule::Roles { roles: b, any: y }) => {
                a == b && x == y
            }
            (Rule::Scopes { scopes: a, .. }, Rule::Scopes { scopes: b, .. }) => a == b,
            (Rule::ClaimEquals { name: a, value: x }, Rule::ClaimEquals { name: b, value: y })
            | (
                Rule::ClaimContains { name: a, value: x },
                Rule::ClaimContains { name: b, value: y },
            ) => a == b && x == y,
            (Rule::Sync(a), Rule::Sync(b)) => Arc::ptr_eq(a, b),
            (Rule::Async(a), Rule::Async(b)) => Arc::ptr_eq(a, b),
            (Rule::All(a), Rule::All(b)) | (Rule::Any(a), Rule::Any(b)) => a == b,
            (Rule::Not(a), Rule::Not(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Requirement {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_names_the_tree_but_not_the_values_required() {
        let r = Requirement::role("admin")
            .and(!Requirement::claim_equals("tenant", "secret-tenant-name"))
            .message("Admins only!");
        let shown = format!("{r:?}");
        assert!(shown.contains("admin") && shown.contains("Not") && shown.contains("tenant"));
        assert!(!shown.contains("secret-tenant-name"), "{shown}");
    }

    #[test]
    fn an_any_keeps_a_shared_kind_and_otherwise_names_none() {
        let role = Unmet::of(ErrorKind::MissingRole);
        assert_eq!(
            any_failed(vec![role.clone(), role.clone()]).kind,
            ErrorKind::MissingRole
        );
        let mixed = vec![role, Unmet::of(ErrorKind::MissingScope)];
        assert_eq!(any_failed(mixed).kind, ErrorKind::RequirementFailed);
        assert_eq!(any_failed(Vec::new()).kind, ErrorKind::RequirementFailed);
        let scope = Unmet {
            scope: Some(Arc::from("a b")),
            ..Unmet::of(ErrorKind::MissingScope)
        };
        assert_eq!(
            any_failed(vec![scope.clone()]),
            scope,
            "one alternative: its own refusal"
        );
    }

    #[test]
    fn clones_are_equal_and_distinct_predicates_are_not() {
        let custom = Requirement::token(|_| true);
        assert_eq!(custom.clone(), custom);
        assert_ne!(Requirement::token(|_| true), Requirement::token(|_| true));
        assert_eq!(
            Requirement::scopes(["a", "b", "a"]),
            Requirement::scopes(["a", "b"])
        );
        assert_ne!(Requirement::role("a"), Requirement::any_role(["a"]));
    }
}
