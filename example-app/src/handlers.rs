//! The routes of the example app (see the README's contract table).

use actix_jwt_ext::{
    jwt_required, Claims, CurrentUser, Jwt, JwtError, JwtIdentity, JwtManager, Optional,
    TokenLocation,
};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::users::{self, User};

/// Registers every route on `cfg`.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(demo_page))
        .route("/login", web::post().to(login))
        .route("/login/cookies", web::post().to(login_cookies))
        .route("/logout/cookies", web::post().to(logout_cookies))
        .service(
            web::resource("/refresh")
                .wrap(jwt_required().refresh())
                .route(web::post().to(refresh)),
        )
        .service(
            web::resource("/protected")
                .wrap(jwt_required())
                .route(web::get().to(protected))
                .route(web::post().to(protected)),
        )
        .service(
            web::resource("/optional")
                .wrap(jwt_required().optional())
                .route(web::get().to(optional)),
        )
        .service(
            web::resource("/fresh")
                .wrap(jwt_required().fresh())
                .route(web::get().to(protected)),
        )
        .service(
            web::resource("/me")
                .wrap(jwt_required())
                .route(web::get().to(me)),
        )
        .service(
            web::resource("/claims")
                .wrap(jwt_required())
                .route(web::get().to(claims)),
        )
        .service(
            web::resource("/admin")
                .wrap(jwt_required())
                .route(web::get().to(admin)),
        )
        .service(
            web::resource("/logout")
                .wrap(jwt_required().no_verify_type())
                .route(web::delete().to(logout)),
        );
}

/// A JSON answer the way Flask's `jsonify` writes it: compact, sorted keys, final newline.
fn reply(status: StatusCode, body: Value) -> HttpResponse {
    let mut text = body.to_string();
    text.push('\n');
    HttpResponse::build(status)
        .content_type("application/json")
        .body(text)
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
    let access_token = jwt
        .access_token(&user.username)
        .fresh(true)
        .encode()
        .await?;
    let refresh_token = jwt.refresh_token(&user.username).encode().await?;
    log::info!("login: {}", user.username);
    Ok(reply(
        StatusCode::OK,
        json!({ "access_token": access_token, "refresh_token": refresh_token }),
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
/// came from a cookie).
async fn refresh(token: Jwt, jwt: web::Data<JwtManager>) -> Result<HttpResponse, actix_web::Error> {
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
    jwt.revoke(jwt_data.token()).await.map_err(|e| {
        log::error!("logout: {e}");
        jwt.into_actix_error(JwtError::Unavailable(Box::new(e)))
    })?;
    let kind = if jwt_data.is_refresh() {
        "Refresh"
    } else {
        "Access"
    };
    Ok(message(StatusCode::OK, &format!("{kind} token revoked")))
}
