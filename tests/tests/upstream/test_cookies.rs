//! Port of upstream `tests/test_cookies.py`.
//!
//! The fixture app (`JWT_SECRET_KEY="foobarbaz"`, `JWT_TOKEN_LOCATION=["cookies"]`) is built
//! by [`app`]. Upstream tests that change `app.config` after the fixture ran get an app built
//! with the changed configuration instead: the configuration of a [`JwtManager`] is fixed once
//! it is built (a deliberate difference of this crate, see the crate docs).
//!
//! Requests go over real HTTP through [`Client`], which keeps cookies like Flask's test client.

use std::collections::HashMap;

use actix_jwt_ext::JwtCookies;
use actix_jwt_ext::{
    jwt_required, JwtConfig, JwtConfigBuilder, JwtCookiesExt as _, JwtManager, TokenLocation,
};
use actix_test::TestServer;
use actix_web::cookie::SameSite;
use actix_web::http::Method;
use actix_web::{web, App, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::support_b::{attr, get_cookie_from_response, is_flag, Body, Client};

// ---------------------------------------------------------------------------------------------
// The fixture app
// ---------------------------------------------------------------------------------------------

/// `?domain=...` of the cookie routes.
type DomainArg = web::Query<HashMap<String, String>>;

fn manager_of(req: &HttpRequest) -> &JwtManager {
    req.app_data::<JwtManager>()
        .expect("JwtManager registered by init_app")
}

/// `domain=request.args.get("domain")`.
fn domain_option(args: &DomainArg) -> &str {
    args.get("domain").map_or("", String::as_str)
}

fn with_cookies(cookies: JwtCookies, body: Value) -> HttpResponse {
    HttpResponse::Ok().jwt_cookies(cookies).json(body)
}

async fn access_token(req: HttpRequest, args: DomainArg) -> actix_web::Result<HttpResponse> {
    let jwt = manager_of(&req);
    let token = jwt.access_token("username").encode().await?;
    let cookies = jwt
        .set_access_cookies(&token)
        .await?
        .domain(domain_option(&args));
    Ok(with_cookies(cookies, json!({"login": true})))
}

async fn refresh_token(req: HttpRequest, args: DomainArg) -> actix_web::Result<HttpResponse> {
    let jwt = manager_of(&req);
    let token = jwt.refresh_token("username").encode().await?;
    let cookies = jwt
        .set_refresh_cookies(&token)
        .await?
        .domain(domain_option(&args));
    Ok(with_cookies(cookies, json!({"login": true})))
}

async fn delete_tokens(req: HttpRequest, args: DomainArg) -> HttpResponse {
    let cookies = manager_of(&req)
        .unset_jwt_cookies()
        .domain(domain_option(&args));
    with_cookies(cookies, json!({"logout": true}))
}

async fn delete_access_tokens(req: HttpRequest, args: DomainArg) -> HttpResponse {
    let cookies = manager_of(&req)
        .unset_access_cookies()
        .domain(domain_option(&args));
    with_cookies(cookies, json!({"access_revoked": true}))
}

async fn delete_refresh_tokens(req: HttpRequest, args: DomainArg) -> HttpResponse {
    let cookies = manager_of(&req)
        .unset_refresh_cookies()
        .domain(domain_option(&args));
    with_cookies(cookies, json!({"refresh_revoked": true}))
}

async fn foo_bar() -> HttpResponse {
    HttpResponse::Ok().json(json!({"foo": "bar"}))
}

fn routes(cfg: &mut web::ServiceConfig) {
    let guarded = [
        ("/protected", Method::GET, jwt_required()),
        ("/post_protected", Method::POST, jwt_required()),
        ("/refresh_protected", Method::GET, jwt_required().refresh()),
        (
            "/post_refresh_protected",
            Method::POST,
            jwt_required().refresh(),
        ),
        (
            "/optional_post_protected",
            Method::POST,
            jwt_required().optional(),
        ),
    ];
    cfg.route("/access_token", web::get().to(access_token))
        .route("/refresh_token", web::get().to(refresh_token))
        .route("/delete_tokens", web::get().to(delete_tokens))
        .route("/delete_access_tokens", web::get().to(delete_access_tokens))
        .route(
            "/delete_refresh_tokens",
            web::get().to(delete_refresh_tokens),
        );
    for (path, method, mw) in guarded {
        cfg.service(
            web::resource(path)
                .wrap(mw)
                .route(web::method(method).to(foo_bar)),
        );
    }
}

/// The fixture `app`, with `changes` applied to its configuration (upstream: `app.config[...]
/// = ...` in the test body; here the app is built with the changed configuration).
fn app(changes: impl FnOnce(JwtConfigBuilder) -> JwtConfigBuilder) -> TestServer {
    let base = JwtConfig::builder()
        .secret_key("foobarbaz")
        .token_location([TokenLocation::Cookies]);
    let jwt = JwtManager::new(changes(base).build().expect("valid config")).expect("manager");
    actix_test::start(move || App::new().configure(jwt.init_app()).configure(routes))
}

fn fixture(b: JwtConfigBuilder) -> JwtConfigBuilder {
    b
}

/// The URLs and cookie names of one parametrize case (access or refresh).
struct Kind {
    auth_url: &'static str,
    cookie_name: &'static str,
    csrf_cookie_name: &'static str,
    get_url: &'static str,
    post_url: &'static str,
    delete_url: &'static str,
}

const REFRESH: Kind = Kind {
    auth_url: "/refresh_token",
    cookie_name: "refresh_token_cookie",
    csrf_cookie_name: "csrf_refresh_token",
    get_url: "/refresh_protected",
    post_url: "/post_refresh_protected",
    delete_url: "/delete_refresh_tokens",
};

const ACCESS: Kind = Kind {
    auth_url: "/access_token",
    cookie_name: "access_token_cookie",
    csrf_cookie_name: "csrf_access_token",
    get_url: "/protected",
    post_url: "/post_protected",
    delete_url: "/delete_access_tokens",
};

fn foo() -> Value {
    json!({"foo": "bar"})
}

fn msg(text: &str) -> Value {
    json!({ "msg": text })
}

/// `_get_cookie_from_response(response, name)[name]`: the cookie's value.
async fn csrf_value(client: &mut Client<'_>, k: &Kind) -> String {
    let response = client.get(k.auth_url).await;
    let cookie = get_cookie_from_response(&response, k.csrf_cookie_name)
        .unwrap_or_else(|| panic!("no {} cookie in {:?}", k.csrf_cookie_name, response));
    attr(&cookie, k.csrf_cookie_name).to_owned()
}

// ---------------------------------------------------------------------------------------------
// test_jwt_refresh_required_with_cookies
// ---------------------------------------------------------------------------------------------

async fn jwt_refresh_required_with_cookies(k: &Kind) {
    let srv = app(fixture);
    let mut test_client = Client::new(&srv);
    let missing = msg(&format!("Missing cookie \"{}\"", k.cookie_name));

    // Test without cookies
    test_client
        .get(k.get_url)
        .await
        .expect(401, missing.clone());

    // Test after receiving cookies
    test_client.get(k.auth_url).await;
    test_client.get(k.get_url).await.expect(200, foo());

    // Test after issuing a 'logout' to delete the cookies
    test_client.get(k.delete_url).await;
    test_client
        .get(k.get_url)
        .await
        .expect(401, missing.clone());

    // log back in once more to test that clearing all tokens works
    test_client.get(k.auth_url).await;
    assert_eq!(test_client.get(k.get_url).await.status, 200);

    test_client.get("/delete_tokens").await;
    test_client.get(k.get_url).await.expect(401, missing);
}

/// `test_jwt_refresh_required_with_cookies[options0]` (refresh token cookie).
#[actix_web::test]
async fn test_jwt_refresh_required_with_cookies_refresh() {
    jwt_refresh_required_with_cookies(&REFRESH).await;
}

/// `test_jwt_refresh_required_with_cookies[options1]` (access token cookie).
#[actix_web::test]
async fn test_jwt_refresh_required_with_cookies_access() {
    jwt_refresh_required_with_cookies(&ACCESS).await;
}

// ---------------------------------------------------------------------------------------------
// test_default_access_csrf_protection
// ---------------------------------------------------------------------------------------------

async fn default_access_csrf_protection(k: &Kind) {
    let srv = app(fixture);
    let mut test_client = Client::new(&srv);

    // Get the jwt cookies and csrf double submit tokens
    let csrf_token = csrf_value(&mut test_client, k).await;

    // Test you cannot post without the additional csrf protection
    test_client
        .post(k.post_url)
        .await
        .expect(401, msg("Missing CSRF token"));

    // Test that you can post with the csrf double submit value
    test_client
        .post_with(k.post_url, &[("X-CSRF-TOKEN", &csrf_token)])
        .await
        .expect(200, foo());
}

/// `test_default_access_csrf_protection[options0]` (refresh).
#[actix_web::test]
async fn test_default_access_csrf_protection_refresh() {
    default_access_csrf_protection(&REFRESH).await;
}

/// `test_default_access_csrf_protection[options1]` (access).
#[actix_web::test]
async fn test_default_access_csrf_protection_access() {
    default_access_csrf_protection(&ACCESS).await;
}

// ---------------------------------------------------------------------------------------------
// test_non_matching_csrf_token
// ---------------------------------------------------------------------------------------------

async fn non_matching_csrf_token(k: &Kind) {
    let srv = app(fixture);
    let mut test_client = Client::new(&srv);

    // Get the jwt cookies and csrf double submit tokens
    test_client.get(k.auth_url).await;
    test_client
        .post_with(k.post_url, &[("X-CSRF-TOKEN", "totally_wrong_token")])
        .await
        .expect(401, msg("CSRF double submit tokens do not match"));
}

/// `test_non_matching_csrf_token[options0]` (refresh).
#[actix_web::test]
async fn test_non_matching_csrf_token_refresh() {
    non_matching_csrf_token(&REFRESH).await;
}

/// `test_non_matching_csrf_token[options1]` (access).
#[actix_web::test]
async fn test_non_matching_csrf_token_access() {
    non_matching_csrf_token(&ACCESS).await;
}

// ---------------------------------------------------------------------------------------------
// test_csrf_disabled
// ---------------------------------------------------------------------------------------------

async fn csrf_disabled(k: &Kind) {
    // Upstream: app.config["JWT_COOKIE_CSRF_PROTECT"] = False (fixed at build here).
    let srv = app(|b| b.cookie_csrf_protect(false));
    let mut test_client = Client::new(&srv);

    // Get the jwt cookies and csrf double submit tokens
    test_client.get(k.auth_url).await;
    test_client.post(k.post_url).await.expect(200, foo());
}

/// `test_csrf_disabled[options0]` (refresh).
#[actix_web::test]
async fn test_csrf_disabled_refresh() {
    csrf_disabled(&REFRESH).await;
}

/// `test_csrf_disabled[options1]` (access).
#[actix_web::test]
async fn test_csrf_disabled_access() {
    csrf_disabled(&ACCESS).await;
}

// ---------------------------------------------------------------------------------------------
// test_csrf_with_custom_header_names
// ---------------------------------------------------------------------------------------------

async fn csrf_with_custom_header_names(k: &Kind) {
    // Upstream: JWT_ACCESS_CSRF_HEADER_NAME = JWT_REFRESH_CSRF_HEADER_NAME = "FOO".
    let srv = app(|b| {
        b.access_csrf_header_name("FOO")
            .refresh_csrf_header_name("FOO")
    });
    let mut test_client = Client::new(&srv);

    // Get the jwt cookies and csrf double submit tokens
    let csrf_token = csrf_value(&mut test_client, k).await;

    // Test that you can post with the csrf double submit value
    test_client
        .post_with(k.post_url, &[("FOO", &csrf_token)])
        .await
        .expect(200, foo());
}

/// `test_csrf_with_custom_header_names[options0]` (refresh).
#[actix_web::test]
async fn test_csrf_with_custom_header_names_refresh() {
    csrf_with_custom_header_names(&REFRESH).await;
}

/// `test_csrf_with_custom_header_names[options1]` (access).
#[actix_web::test]
async fn test_csrf_with_custom_header_names_access() {
    csrf_with_custom_header_names(&ACCESS).await;
}

// ---------------------------------------------------------------------------------------------
// test_csrf_with_default_form_field
// ---------------------------------------------------------------------------------------------

async fn csrf_with_form_field(
    k: &Kind,
    changes: impl FnOnce(JwtConfigBuilder) -> JwtConfigBuilder,
    field: &str,
) {
    let srv = app(changes);
    let mut test_client = Client::new(&srv);

    // Get the jwt cookies and csrf double submit tokens
    let csrf_token = csrf_value(&mut test_client, k).await;

    // Test that you can post with the csrf double submit value
    let csrf_data = Body::Form(vec![(field.to_owned(), csrf_token)]);
    test_client
        .send(Method::POST, k.post_url, &[], csrf_data)
        .await
        .expect(200, foo());
}

/// `test_csrf_with_default_form_field[options0]` (refresh).
#[actix_web::test]
async fn test_csrf_with_default_form_field_refresh() {
    // Upstream: app.config["JWT_CSRF_CHECK_FORM"] = True.
    csrf_with_form_field(&REFRESH, |b| b.csrf_check_form(true), "csrf_token").await;
}

/// `test_csrf_with_default_form_field[options1]` (access).
#[actix_web::test]
async fn test_csrf_with_default_form_field_access() {
    csrf_with_form_field(&ACCESS, |b| b.csrf_check_form(true), "csrf_token").await;
}

// ---------------------------------------------------------------------------------------------
// test_csrf_with_custom_form_field
// ---------------------------------------------------------------------------------------------

fn custom_form_field(b: JwtConfigBuilder) -> JwtConfigBuilder {
    // Upstream: JWT_CSRF_CHECK_FORM = True, JWT_ACCESS/REFRESH_CSRF_FIELD_NAME = "FOO".
    b.csrf_check_form(true)
        .access_csrf_field_name("FOO")
        .refresh_csrf_field_name("FOO")
}

/// `test_csrf_with_custom_form_field[options0]` (refresh).
#[actix_web::test]
async fn test_csrf_with_custom_form_field_refresh() {
    csrf_with_form_field(&REFRESH, custom_form_field, "FOO").await;
}

/// `test_csrf_with_custom_form_field[options1]` (access).
#[actix_web::test]
async fn test_csrf_with_custom_form_field_access() {
    csrf_with_form_field(&ACCESS, custom_form_field, "FOO").await;
}

// ---------------------------------------------------------------------------------------------
// test_custom_csrf_methods
// ---------------------------------------------------------------------------------------------

async fn custom_csrf_methods(k: &Kind) {
    // Upstream: app.config["JWT_CSRF_METHODS"] = ["GET"].
    let srv = app(|b| b.csrf_methods([Method::GET]));
    let mut test_client = Client::new(&srv);

    // Get the jwt cookies and csrf double submit tokens
    let csrf_token = csrf_value(&mut test_client, k).await;

    // Ensure we can now do posts without csrf
    test_client.post(k.post_url).await.expect(200, foo());

    // Ensure GET requests now fail without csrf
    test_client
        .get(k.get_url)
        .await
        .expect(401, msg("Missing CSRF token"));

    // Ensure GET requests now succeed with csrf
    test_client
        .get_with(k.get_url, &[("X-CSRF-TOKEN", &csrf_token)])
        .await
        .expect(200, foo());
}

/// `test_custom_csrf_methods[options0]` (refresh).
#[actix_web::test]
async fn test_custom_csrf_methods_refresh() {
    custom_csrf_methods(&REFRESH).await;
}

/// `test_custom_csrf_methods[options1]` (access).
#[actix_web::test]
async fn test_custom_csrf_methods_access() {
    custom_csrf_methods(&ACCESS).await;
}

// ---------------------------------------------------------------------------------------------
// Cookie attributes
// ---------------------------------------------------------------------------------------------

/// `test_default_cookie_options`.
#[actix_web::test]
async fn test_default_cookie_options() {
    let srv = app(fixture);
    let mut test_client = Client::new(&srv);

    for (url, jwt_name, csrf_name) in [
        ("/access_token", "access_token_cookie", "csrf_access_token"),
        (
            "/refresh_token",
            "refresh_token_cookie",
            "csrf_refresh_token",
        ),
    ] {
        let response = test_client.get(url).await;
        assert_eq!(
            response.set_cookies.len(),
            2,
            "JWT and CSRF value: {response:?}"
        );

        let jwt_cookie = get_cookie_from_response(&response, jwt_name).expect(jwt_name);
        assert_eq!(attr(&jwt_cookie, "path"), "/");
        assert!(is_flag(&jwt_cookie, "httponly"), "{jwt_cookie:?}");
        assert!(!jwt_cookie.contains_key("samesite"), "{jwt_cookie:?}");

        let csrf_cookie = get_cookie_from_response(&response, csrf_name).expect(csrf_name);
        assert_eq!(attr(&csrf_cookie, "path"), "/");
        assert!(!csrf_cookie.contains_key("httponly"), "{csrf_cookie:?}");
        assert!(!csrf_cookie.contains_key("samesite"), "{csrf_cookie:?}");
    }
}

/// `test_custom_cookie_options`.
#[actix_web::test]
async fn test_custom_cookie_options() {
    // Upstream sets these on app.config after creating the test client.
    let srv = app(|b| {
        b.cookie_secure(true)
            .cookie_domain("test.com")
            .session_cookie(false)
            .cookie_samesite(Some(SameSite::Strict))
    });
    let mut test_client = Client::new(&srv);

    for (url, jwt_name, csrf_name) in [
        ("/access_token", "access_token_cookie", "csrf_access_token"),
        (
            "/refresh_token",
            "refresh_token_cookie",
            "csrf_refresh_token",
        ),
    ] {
        let response = test_client.get(url).await;
        assert_eq!(
            response.set_cookies.len(),
            2,
            "JWT and CSRF value: {response:?}"
        );

        let jwt_cookie = get_cookie_from_response(&response, jwt_name).expect(jwt_name);
        assert_eq!(attr(&jwt_cookie, "domain"), "test.com");
        assert_eq!(attr(&jwt_cookie, "path"), "/");
        assert_ne!(attr(&jwt_cookie, "expires"), "");
        assert!(is_flag(&jwt_cookie, "httponly"), "{jwt_cookie:?}");
        assert!(is_flag(&jwt_cookie, "secure"), "{jwt_cookie:?}");
        assert_eq!(attr(&jwt_cookie, "samesite"), "Strict");

        let csrf_cookie = get_cookie_from_response(&response, csrf_name).expect(csrf_name);
        assert_eq!(attr(&csrf_cookie, "path"), "/");
        assert!(is_flag(&csrf_cookie, "secure"), "{csrf_cookie:?}");
        assert_eq!(attr(&csrf_cookie, "domain"), "test.com");
        assert_ne!(attr(&csrf_cookie, "expires"), "");
        assert_eq!(attr(&csrf_cookie, "samesite"), "Strict");
    }
}

/// `test_custom_cookie_names_and_paths`.
#[actix_web::test]
async fn test_custom_cookie_names_and_paths() {
    let srv = app(|b| {
        b.access_csrf_cookie_name("access_foo_csrf")
            .refresh_csrf_cookie_name("refresh_foo_csrf")
            .access_csrf_cookie_path("/protected")
            .refresh_csrf_cookie_path("/refresh_protected")
            .access_cookie_name("access_foo")
            .refresh_cookie_name("refresh_foo")
            .access_cookie_path("/protected")
            .refresh_cookie_path("/refresh_protected")
    });
    let mut test_client = Client::new(&srv);

    for (url, jwt_name, csrf_name, path) in [
        (
            "/access_token",
            "access_foo",
            "access_foo_csrf",
            "/protected",
        ),
        (
            "/refresh_token",
            "refresh_foo",
            "refresh_foo_csrf",
            "/refresh_protected",
        ),
    ] {
        let response = test_client.get(url).await;
        assert_eq!(
            response.set_cookies.len(),
            2,
            "JWT and CSRF value: {response:?}"
        );

        // As upstream, the helper matches a name *inside* the first segment, so the JWT
        // cookie must come first ("access_foo" is also inside "access_foo_csrf=...").
        let jwt_cookie = get_cookie_from_response(&response, jwt_name).expect(jwt_name);
        let csrf_cookie = get_cookie_from_response(&response, csrf_name).expect(csrf_name);
        assert_eq!(attr(&jwt_cookie, "path"), path);
        assert_eq!(attr(&csrf_cookie, "path"), path);
    }
}

/// `test_csrf_token_not_in_cookie`.
#[actix_web::test]
async fn test_csrf_token_not_in_cookie() {
    let srv = app(|b| b.csrf_in_cookies(false));
    let mut test_client = Client::new(&srv);

    for (url, jwt_name) in [
        ("/access_token", "access_token_cookie"),
        ("/refresh_token", "refresh_token_cookie"),
    ] {
        let response = test_client.get(url).await;
        assert_eq!(response.set_cookies.len(), 1, "{response:?}");
        assert!(get_cookie_from_response(&response, jwt_name).is_some());
    }
}

/// `test_cookies_without_csrf`.
#[actix_web::test]
async fn test_cookies_without_csrf() {
    let srv = app(|b| b.cookie_csrf_protect(false));
    let mut test_client = Client::new(&srv);

    for (url, jwt_name) in [
        ("/access_token", "access_token_cookie"),
        ("/refresh_token", "refresh_token_cookie"),
    ] {
        let response = test_client.get(url).await;
        assert_eq!(response.set_cookies.len(), 1, "{response:?}");
        assert!(get_cookie_from_response(&response, jwt_name).is_some());
    }
}

/// `test_jwt_optional_with_csrf_enabled`.
#[actix_web::test]
async fn test_jwt_optional_with_csrf_enabled() {
    let srv = app(fixture);
    let mut test_client = Client::new(&srv);

    // User without a token should be able to reach the endpoint without
    // getting a CSRF error
    test_client
        .post("/optional_post_protected")
        .await
        .expect(200, foo());

    // User with a token should still get a CSRF error if csrf not present
    test_client.get("/access_token").await;
    test_client
        .post("/optional_post_protected")
        .await
        .expect(401, msg("Missing CSRF token"));
}

// ---------------------------------------------------------------------------------------------
// test_override_domain_option
// ---------------------------------------------------------------------------------------------

async fn override_domain_option(k: &Kind) {
    let domain = "yolo.com";
    // Upstream: app.config["JWT_COOKIE_DOMAIN"] = "test.com".
    let srv = app(|b| b.cookie_domain("test.com"));
    let mut test_client = Client::new(&srv);

    // Test set cookies with custom domain, then unset cookies with custom domain
    for url in [k.auth_url, k.delete_url] {
        let response = test_client.get(&format!("{url}?domain={domain}")).await;
        assert_eq!(
            response.set_cookies.len(),
            2,
            "JWT and CSRF value: {response:?}"
        );

        let jwt_cookie = get_cookie_from_response(&response, k.cookie_name).expect("JWT cookie");
        assert_eq!(attr(&jwt_cookie, "domain"), domain);

        let csrf_cookie =
            get_cookie_from_response(&response, k.csrf_cookie_name).expect("CSRF cookie");
        assert_eq!(attr(&csrf_cookie, "domain"), domain);
    }
}

/// `test_override_domain_option[options0]` (access).
#[actix_web::test]
async fn test_override_domain_option_access() {
    override_domain_option(&ACCESS).await;
}

/// `test_override_domain_option[options1]` (refresh).
#[actix_web::test]
async fn test_override_domain_option_refresh() {
    override_domain_option(&REFRESH).await;
}
