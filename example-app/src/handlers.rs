//! The routes of the example app (see the README's contract table).

use actix_jwt_ext::{
    jwt_required, Claims, CurrentUser, Jwt, JwtIdentity, JwtManager, Optional, TokenLocation,
};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

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
    .service(get_resource("/admin", jwt_required(), admin))
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

fn credentials(body: Option<Value>) -> Option<(String, String)> {
    let body = body?;
    let field = |name: &str| {
        body.get(name)?
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    Some((field("username")?, field("password")?))
}

/// `POST /login`: a fresh access token and a refresh token.
async fn login(
    req: HttpRequest,
    body: web::Bytes,
    jwt: web::Data<JwtManager>,
) -> Result<HttpResponse, actix_web::Error> {
    let Some((username, password)) = credentials(json_body(&req, &body)) else {
        return Ok(message(
            StatusCode::BAD_REQUEST,
            "Missing username or password",
        ));
    };
    let Some(user) = users::authenticate(&username, &password) else {
        return Ok(message(
            StatusCode::UNAUTHORIZED,
            "Bad username or password",
        ));
    };
    // A new token family when refresh-token rotation is on; the same two tokens otherwise.
    let pair = jwt.create_token_pair(&user.username, true).await?;
    log::info!("login: {}", user.username);
    Ok(reply(
        StatusCode::OK,
        json!({ "access_token": pair.access_token, "refresh_token": pair.refresh_token }),
    ))
}

/// `POST /login/cookies`: the access, refresh and CSRF cookies.
async fn login_cookies(
    req: HttpRequest,
    body: web::Bytes,
    jwt: web::Data<JwtManager>,
) -> Result<HttpResponse, actix_web::Error> {
    let Some((username, password)) = credentials(json_body(&req, &body)) else {
        return Ok(message(
            StatusCode::BAD_REQUEST,
            "Missing username or password",
        ));
    };
    let Some(user) = users::authenticate(&username, &password) else {
        return Ok(message(
            StatusCode::UNAUTHORIZED,
            "Bad username or password",
        ));
    };
    let access_token = jwt
        .access_token(&user.username)
        .fresh(true)
        .encode()
        .await?;
    let refresh_token = jwt.refresh_token(&user.username).encode().await?;
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

/// `POST /refresh`: a new, non-fresh access token (also as a cookie when the refresh token
/// came from a cookie). With refresh-token rotation (`JWT_REFRESH_ROTATION=true`): a new pair
/// `{"access_token","refresh_token"}`, the refresh token presented is retired, and presenting
/// a retired one revokes its whole family (401 `Token has been revoked`).
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
    let access_token = jwt.access_token(identity).fresh(false).encode().await?;
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

#[derive(serde::Deserialize)]
struct RoleClaims {
    #[serde(default)]
    roles: Vec<Value>,
}

/// `GET /admin`: only for tokens whose `roles` claim holds "admin".
async fn admin(claims: Claims<Value>) -> HttpResponse {
    let roles: RoleClaims =
        serde_json::from_value(claims.0).unwrap_or(RoleClaims { roles: Vec::new() });
    if roles.roles.iter().any(|r| r == "admin") {
        message(StatusCode::OK, "Welcome, admin")
    } else {
        message(StatusCode::FORBIDDEN, "Admins only!")
    }
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
