//! The routes of the example app (see the README's contract table).
//!
//! | route | protection | answer |
//! |---|---|---|
//! | `POST /login` `{"username","password"[,"scope"]}` | none | `{"access_token","refresh_token"}` (fresh access token); 400 `Missing username or password`, 401 `Bad username or password`, then 400 `Invalid scope` |
//! | `POST /login/cookies` | none; same body and errors as `/login` | `{"message":"login successful"}` and the access, refresh and CSRF cookies |
//! | `POST /logout/cookies` | none | `{"message":"logout successful"}`, every JWT cookie unset |
//! | `POST /refresh` | refresh token | `{"access_token"}` (not fresh, with the refresh token's `scope`); with rotation a new pair |
//! | `GET`/`POST /protected`, `GET /fresh` | access token (fresh for `/fresh`) | `{"logged_in_as": identity}` |
//! | `GET /optional` | optional access token | `{"logged_in_as": identity or null}` |
//! | `GET /me` | access token + user lookup | `{"username","roles"}` |
//! | `GET /claims` | access token | `{"header","claims"}` |
//! | `GET /admin` | role `admin` ([`Requirement::role`]) | `{"message":"Welcome, admin"}`; else 403 `{"message":"Admins only!"}` |
//! | `POST /admin/notes` `{"text": string}` | role `admin` | 201 `{"text"}`; a non-admin 403 `Admins only!` whatever the body; an admin with another body 400 `{"message":"Invalid note"}` |
//! | `GET /reports` | scope `reports:read` ([`Requirement::scope`]) | `{"reports":[...]}`; else 403 `{"message":"Insufficient scope"}` |
//! | `DELETE /logout` | any token type | revokes the token presented |
//! | `GET /` | none | the demo page |
//! | `GET /.well-known/jwks.json` | none | the public keys, with asymmetric keys only (`main.rs`) |
//!
//! Scopes: the login body's optional `"scope"` is a space-separated list (RFC 6749, section
//! 3.3) of scopes the user holds (`test`: `reports:read`; `admin`: `reports:read
//! reports:write`, see [`users::grant_scope`]). Granted, they become the `scope` claim of both
//! tokens (duplicates removed, order kept); without `"scope"` (or with `null`) the tokens have
//! no `scope` claim. Anything else (an unknown or not-held scope, a non-string, an empty string,
//! extra spaces) answers 400 `{"message":"Invalid scope"}`, after the credentials are checked.
//!
//! The app's own messages are always under the key `message`, the requirement refusals
//! included (see [`crate::jwt`]); the library's other errors are under
//! `JWT_ERROR_MESSAGE_KEY`. With `JWT_WWW_AUTHENTICATE=true` the library's refusals carry an
//! RFC 6750 `WWW-Authenticate` challenge (`error="insufficient_scope", scope="reports:read"`
//! for `/reports`).

use actix_jwt_ext::{
    jwt_required, CurrentUser, Jwt, JwtIdentity, JwtManager, Optional, Requirement, TokenLocation,
};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};

use crate::users::{self, User};

/// Registers every route on `cfg`. Like Flask, every route also answers `OPTIONS` (with an
/// `Allow` header, no checks) and every `GET` route answers `HEAD`.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/")
            .route(web::get().to(demo_page))
            .route(web::head().to(demo_page))
            .route(options("GET, HEAD, OPTIONS")),
    )
    .service(
        web::resource("/login")
            .route(web::post().to(login))
            .route(options("POST, OPTIONS")),
    )
    .service(
        web::resource("/login/cookies")
            .route(web::post().to(login_cookies))
            .route(options("POST, OPTIONS")),
    )
    .service(
        web::resource("/logout/cookies")
            .route(web::post().to(logout_cookies))
            .route(options("POST, OPTIONS")),
    )
    .service(
        web::resource("/refresh")
            .wrap(jwt_required().refresh())
            .route(web::post().to(refresh))
            .route(options("POST, OPTIONS")),
    )
    .service(
        web::resource("/protected")
            .wrap(jwt_required())
            .route(web::get().to(protected))
            .route(web::head().to(protected))
            .route(web::post().to(protected))
            .route(options("GET, HEAD, POST, OPTIONS")),
    )
    .service(get_resource(
        "/optional",
        jwt_required().optional(),
        optional,
    ))
    .service(get_resource("/fresh", jwt_required().fresh(), protected))
    .service(get_resource("/me", jwt_required(), me))
    .service(get_resource("/claims", jwt_required(), claims))
    .service(get_resource(
        "/admin",
        jwt_required().require(admin_role()),
        admin,
    ))
    .service(
        web::resource("/admin/notes")
            .wrap(jwt_required().require(admin_role()))
            .route(web::post().to(admin_notes))
            .route(options("POST, OPTIONS")),
    )
    .service(get_resource(
        "/reports",
        jwt_required().require(Requirement::scope("reports:read")),
        reports,
    ))
    .service(
        web::resource("/logout")
            .wrap(jwt_required().no_verify_type())
            .route(web::delete().to(logout))
            .route(options("DELETE, OPTIONS")),
    );
}

/// A `GET` (and `HEAD`, `OPTIONS`) resource behind `guard`.
fn get_resource<F, Args>(
    path: &str,
    guard: actix_jwt_ext::JwtRequired,
    handler: F,
) -> actix_web::Resource<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
>
where
    F: actix_web::Handler<Args> + Clone,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path)
        .wrap(guard)
        .route(web::get().to(handler.clone()))
        .route(web::head().to(handler))
        .route(options("GET, HEAD, OPTIONS"))
}

/// Flask's automatic `OPTIONS` answer: 200, empty, with the allowed methods.
fn options(allow: &'static str) -> actix_web::Route {
    web::route()
        .method(actix_web::http::Method::OPTIONS)
        .to(move || async move {
            HttpResponse::Ok()
                .insert_header((header::ALLOW, allow))
                .content_type("text/html; charset=utf-8")
                .finish()
        })
}

/// A JSON answer the way Flask's `jsonify` writes it: compact, sorted keys, ASCII only, final
/// newline.
fn reply(status: StatusCode, body: Value) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json")
        .body(actix_jwt_ext::jsonify(&body))
}

fn message(status: StatusCode, text: &str) -> HttpResponse {
    reply(status, json!({ "message": text }))
}

/// `request.get_json(silent=True)`: the body as JSON when the content type says JSON.
fn json_body(req: &HttpRequest, body: &[u8]) -> Option<Value> {
    let ct = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mime = ct.split(';').next()?.trim().to_ascii_lowercase();
    let is_json =
        mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"));
    is_json.then(|| serde_json::from_slice(body).ok()).flatten()
}

fn credentials(body: Option<&Value>) -> Option<(String, String)> {
    let body = body?;
    let field = |name: &str| {
        body.get(name)?
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    Some((field("username")?, field("password")?))
}

/// Why a login body is refused, in the order checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LoginRefusal {
    /// 400 `Missing username or password`.
    MissingCredentials,
    /// 401 `Bad username or password`.
    BadCredentials,
    /// 400 `Invalid scope`.
    InvalidScope,
}

impl LoginRefusal {
    fn response(self) -> HttpResponse {
        match self {
            LoginRefusal::MissingCredentials => {
                message(StatusCode::BAD_REQUEST, "Missing username or password")
            }
            LoginRefusal::BadCredentials => {
                message(StatusCode::UNAUTHORIZED, "Bad username or password")
            }
            LoginRefusal::InvalidScope => message(StatusCode::BAD_REQUEST, "Invalid scope"),
        }
    }
}

/// The user and the granted scope of a login body: the credentials first, then the optional
/// `"scope"` (absent or `null`: none).
fn login_request(req: &HttpRequest, body: &[u8]) -> Result<(User, Option<String>), LoginRefusal> {
    let body = json_body(req, body);
    let (username, password) =
        credentials(body.as_ref()).ok_or(LoginRefusal::MissingCredentials)?;
    let user = users::authenticate(&username, &password).ok_or(LoginRefusal::BadCredentials)?;
    // `credentials` succeeded: the body is a JSON object.
    let scope = match body.as_ref().and_then(|b| b.get("scope")) {
        None | Some(Value::Null) => None,
        Some(Value::String(requested)) => Some(
            users::grant_scope(&user.username, requested)
                .map_err(|_| LoginRefusal::InvalidScope)?,
        ),
        Some(_) => return Err(LoginRefusal::InvalidScope),
    };
    Ok((user, scope))
}

/// `POST /login`: a fresh access token and a refresh token (both with the granted `scope`).
async fn login(
    req: HttpRequest,
    body: web::Bytes,
    jwt: web::Data<JwtManager>,
) -> Result<HttpResponse, actix_web::Error> {
    let (user, scope) = match login_request(&req, &body) {
        Ok(granted) => granted,
        Err(refused) => return Ok(refused.response()),
    };
    // A new token family when refresh-token rotation is on; the same two tokens otherwise.
    let pair = match scope {
        None => jwt.create_token_pair(&user.username, true).await?,
        Some(scope) => {
            let mut claims = Map::new();
            claims.insert("scope".into(), Value::String(scope));
            jwt.create_token_pair_with(&user.username, true, claims)
                .await?
        }
    };
    log::info!("login: {}", user.username);
    Ok(reply(
        StatusCode::OK,
        json!({ "access_token": pair.access_token, "refresh_token": pair.refresh_token }),
    ))
}

/// `POST /login/cookies`: the access, refresh and CSRF cookies (both tokens with the granted
/// `scope`).
async fn login_cookies(
    req: HttpRequest,
    body: web::Bytes,
    jwt: web::Data<JwtManager>,
) -> Result<HttpResponse, actix_web::Error> {
    let (user, scope) = match login_request(&req, &body) {
        Ok(granted) => granted,
        Err(refused) => return Ok(refused.response()),
    };
    let mut access = jwt.access_token(&user.username).fresh(true);
    let mut refresh = jwt.refresh_token(&user.username);
    if let Some(scope) = &scope {
        access = access.claim("scope", scope);
        refresh = refresh.claim("scope", scope);
    }
    let access_token = access.encode().await?;
    let refresh_token = refresh.encode().await?;
    let cookies = jwt
        .set_access_cookies(&access_token)
        .await?
        .and(jwt.set_refresh_cookies(&refresh_token).await?);
    log::info!("login (cookies): {}", user.username);
    let mut resp = message(StatusCode::OK, "login successful");
    cookies.add_to(&mut resp)?;
    Ok(resp)
}

/// `POST /logout/cookies`: unsets every JWT cookie.
async fn logout_cookies(jwt: web::Data<JwtManager>) -> Result<HttpResponse, actix_web::Error> {
    let mut resp = message(StatusCode::OK, "logout successful");
    jwt.unset_jwt_cookies().add_to(&mut resp)?;
    Ok(resp)
}

/// `GET /`: the demo page (login form, CSRF header, refresh, logout).
async fn demo_page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(include_str!("demo.html"))
}

/// `POST /refresh`: a new, non-fresh access token, with the refresh token's `scope` claim
/// when it has one (also as a cookie when the refresh token came from a cookie). With
/// refresh-token rotation (`JWT_REFRESH_ROTATION=true`): a new pair
/// `{"access_token","refresh_token"}`, the refresh token presented is retired, and presenting
/// a retired one revokes its whole family (401 `Token has been revoked`); the pair keeps the
/// scope.
async fn refresh(token: Jwt, jwt: web::Data<JwtManager>) -> Result<HttpResponse, actix_web::Error> {
    if jwt.refresh_rotation() {
        let pair = jwt.rotate_refresh_token(token.token()).await?;
        let mut resp = reply(
            StatusCode::OK,
            json!({ "access_token": pair.access_token, "refresh_token": pair.refresh_token }),
        );
        if token.location() == TokenLocation::Cookies {
            jwt.set_access_cookies(&pair.access_token)
                .await?
                .and(jwt.set_refresh_cookies(&pair.refresh_token).await?)
                .add_to(&mut resp)?;
        }
        return Ok(resp);
    }
    let identity = token.identity().cloned().unwrap_or(Value::Null);
    let mut access = jwt.access_token(identity).fresh(false);
    if let Some(scope) = token.token().claim("scope") {
        access = access.claim("scope", scope);
    }
    let access_token = access.encode().await?;
    let mut resp = reply(StatusCode::OK, json!({ "access_token": access_token }));
    if token.location() == TokenLocation::Cookies {
        jwt.set_access_cookies(&access_token)
            .await?
            .add_to(&mut resp)?;
    }
    Ok(resp)
}

/// `GET|POST /protected` and `GET /fresh`.
async fn protected(identity: JwtIdentity<Value>) -> HttpResponse {
    reply(StatusCode::OK, json!({ "logged_in_as": identity.0 }))
}

/// `GET /optional`.
async fn optional(identity: Optional<JwtIdentity<Value>>) -> HttpResponse {
    reply(
        StatusCode::OK,
        json!({ "logged_in_as": identity.0.map(|i| i.0) }),
    )
}

/// `GET /me`: the user lookup loader's user.
async fn me(user: CurrentUser<User>) -> HttpResponse {
    reply(
        StatusCode::OK,
        json!({ "username": user.username, "roles": user.roles }),
    )
}

/// `GET /claims`: the JOSE header and the claims with decode defaults.
async fn claims(jwt: Jwt) -> HttpResponse {
    reply(
        StatusCode::OK,
        json!({ "header": jwt.header(), "claims": jwt.claims() }),
    )
}

/// The requirement of the admin routes: a `roles` claim that is `"admin"` or an array
/// holding it. Refused with 403 `{"message":"Admins only!"}` (see [`crate::jwt`]) in the
/// middleware, before any extractor of the handler reads the body.
fn admin_role() -> Requirement {
    Requirement::role("admin").message("Admins only!")
}

/// `GET /admin`: only for tokens with the role `admin` (checked by [`admin_role`]).
async fn admin() -> HttpResponse {
    message(StatusCode::OK, "Welcome, admin")
}

/// `POST /admin/notes` `{"text": string}`: 201 with the note; 400 `Invalid note` for any other
/// body (not JSON, not an object, `text` missing or not a string). Non-admins were refused
/// before (403), whatever their body.
async fn admin_notes(req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let text = json_body(&req, &body)
        .as_ref()
        .and_then(|b| b.get("text"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    match text {
        Some(text) => reply(StatusCode::CREATED, json!({ "text": text })),
        None => message(StatusCode::BAD_REQUEST, "Invalid note"),
    }
}

/// `GET /reports`: only for tokens granting the scope `reports:read`.
async fn reports() -> HttpResponse {
    reply(
        StatusCode::OK,
        json!({ "reports": [{"id": 1, "title": "Q1"}, {"id": 2, "title": "Q2"}] }),
    )
}

/// `DELETE /logout`: revokes the token presented (access or refresh).
async fn logout(
    jwt_data: Jwt,
    jwt: web::Data<JwtManager>,
) -> Result<HttpResponse, actix_web::Error> {
    jwt.revoke(jwt_data.token()).await?;
    let kind = if jwt_data.is_refresh() {
        "Refresh"
    } else {
        "Access"
    };
    Ok(message(StatusCode::OK, &format!("{kind} token revoked")))
}
