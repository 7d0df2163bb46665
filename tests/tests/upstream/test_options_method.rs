//! Port of upstream `tests/test_options_method.py`: `OPTIONS` requests skip every check, on
//! plain, fresh and refresh routes, and the view runs.

use actix_jwt_ext::{jwt_required, JwtConfig, JwtManager};
use actix_test::TestServer;
use actix_web::http::Method;
use actix_web::{web, App, HttpResponse};

use crate::support_b::{Body, Client};

async fn ok() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

/// The three upstream views, `@app.route(path, methods=["GET", "OPTIONS"])` under their
/// `@jwt_required(...)`.
fn routes(cfg: &mut web::ServiceConfig) {
    for (path, guard) in [
        ("/jwt_required", jwt_required()),
        ("/fresh_jwt_required", jwt_required().fresh()),
        ("/jwt_refresh_token_required", jwt_required().refresh()),
    ] {
        cfg.service(
            web::resource(path)
                .wrap(guard)
                .route(web::get().to(ok))
                .route(web::method(Method::OPTIONS).to(ok)),
        );
    }
}

/// The fixture app (`JWT_SECRET_KEY="secret"`).
fn app() -> TestServer {
    let config = JwtConfig::builder()
        .secret_key("secret")
        .build()
        .expect("valid config");
    let jwt = JwtManager::new(config).expect("manager");
    actix_test::start(move || App::new().configure(jwt.init_app()).configure(routes))
}

async fn options(path: &str) {
    let srv = app();
    let res = Client::new(&srv)
        .send(Method::OPTIONS, path, &[], Body::None)
        .await;
    assert_eq!(res.status, 200, "{res:?}");
    assert_eq!(res.body, b"ok");
}

/// `test_access_jwt_required_enpoint` (sic).
#[actix_web::test]
async fn test_access_jwt_required_enpoint() {
    options("/jwt_required").await;
}

/// `test_access_jwt_refresh_token_required_enpoint` (sic).
#[actix_web::test]
async fn test_access_jwt_refresh_token_required_enpoint() {
    options("/jwt_refresh_token_required").await;
}

/// `test_access_fresh_jwt_required_enpoint` (sic).
#[actix_web::test]
async fn test_access_fresh_jwt_required_enpoint() {
    options("/fresh_jwt_required").await;
}
