//! Helpers of the ports of `test_blocklist`, `test_claims_verification`,
//! `test_additional_claims_loader`, `test_user_lookup`, `test_headers`, `test_json`,
//! `test_jwt_header_loader` and `test_query_string`: the upstream fixtures' setup
//! (`JWT_SECRET_KEY = "foobarbaz"`, the default `msg` error key), apps served over real HTTP,
//! and a recorder for what the loaders were handed (upstream asserts inside its callbacks;
//! an assertion failing inside an Actix worker would only drop the connection, so the loaders
//! here record their arguments and the test asserts on them afterwards).

use std::sync::{Arc, Mutex};

use actix_jwt_ext::{DecodedToken, JwtConfig, JwtConfigBuilder, JwtManager, JwtManagerBuilder};
use actix_test::TestServer;
use actix_web::{web, App, HttpResponse};
use serde::ser::{Error as _, Serialize, Serializer};
use serde_json::{json, Value};

use crate::common::Req;

/// The upstream fixtures' `app.config["JWT_SECRET_KEY"]`.
pub(crate) const SECRET: &str = "foobarbaz";

/// The upstream fixture configuration: `JWT_SECRET_KEY = "foobarbaz"`, everything else default
/// (errors under `msg`, as the upstream assertions expect).
pub(crate) fn config() -> JwtConfigBuilder {
    JwtConfig::builder().secret_key(SECRET)
}

/// `JWTManager(app)` plus the `@jwt.*_loader` registrations of a test. Loaders are registered
/// before the manager is built here (flask-jwt-extended lets a test register them later).
pub(crate) fn manager_with(
    config: JwtConfigBuilder,
    loaders: impl FnOnce(JwtManagerBuilder) -> JwtManagerBuilder,
) -> JwtManager {
    loaders(JwtManager::builder(
        config.build().expect("valid test config"),
    ))
    .build()
    .expect("manager builds")
}

/// Serves `routes` for `jwt` on 127.0.0.1 (ephemeral port, one worker).
pub(crate) fn serve(jwt: &JwtManager, routes: fn(&mut web::ServiceConfig)) -> TestServer {
    let jwt = jwt.clone();
    actix_test::start(move || App::new().configure(jwt.init_app()).configure(routes))
}

/// The upstream views' `jsonify(foo="bar")`.
pub(crate) async fn foo_bar() -> HttpResponse {
    HttpResponse::Ok().json(json!({"foo": "bar"}))
}

/// Sends `req` and returns the status and the JSON body (panics, naming the request, when the
/// request fails or the body is not JSON).
pub(crate) async fn send(srv: &TestServer, req: Req) -> (u16, Value) {
    let what = format!("{} {}", req.method, req.path);
    let mut client = srv.request(req.method.clone(), srv.url(&req.path));
    for (name, value) in &req.headers {
        client = client.append_header((name.as_str(), value.as_str()));
    }
    let sent = match &req.body {
        Some((content_type, bytes)) => {
            client
                .insert_header(("content-type", content_type.as_str()))
                .send_body(bytes.clone())
                .await
        }
        None => client.send().await,
    };
    let mut resp = sent.unwrap_or_else(|e| panic!("{what}: request failed: {e}"));
    let status = resp.status().as_u16();
    let body = resp
        .body()
        .await
        .unwrap_or_else(|e| panic!("{what}: body unreadable: {e}"));
    let json = serde_json::from_slice(&body).unwrap_or_else(|e| {
        panic!(
            "{what}: status {status}, body not JSON ({e}): {:?}",
            String::from_utf8_lossy(&body)
        )
    });
    (status, json)
}

/// `GET path` with `make_headers(token)` (`Authorization: Bearer <token>`).
pub(crate) async fn get_bearer(srv: &TestServer, path: &str, token: &str) -> (u16, Value) {
    send(srv, Req::get(path).bearer(token)).await
}

/// One loader call: the header's `alg` and the claims' `sub`, when present.
type Call = (Option<Value>, Option<Value>);

/// What a loader was handed, call by call.
#[derive(Clone, Debug, Default)]
pub(crate) struct Seen(Arc<Mutex<Vec<Call>>>);

impl Seen {
    /// Records one call.
    pub(crate) fn record(&self, token: &DecodedToken) {
        let call = (
            token.header().get("alg").cloned(),
            token.claim("sub").cloned(),
        );
        self.0.lock().expect("not poisoned").push(call);
    }

    /// How many times the loader ran.
    pub(crate) fn calls(&self) -> usize {
        self.0.lock().expect("not poisoned").len()
    }

    /// The upstream callback's `assert jwt_header["alg"] == alg` and
    /// `assert jwt_data["sub"] == sub`: the loader ran, and every call saw these.
    pub(crate) fn assert_saw(&self, alg: &str, sub: &str) {
        let calls = self.0.lock().expect("not poisoned").clone();
        assert!(!calls.is_empty(), "the loader was never called");
        for (seen_alg, seen_sub) in calls {
            assert_eq!(seen_alg, Some(json!(alg)), "jwt_header[\"alg\"]");
            assert_eq!(seen_sub, Some(json!(sub)), "jwt_data[\"sub\"]");
        }
    }
}

/// A value that refuses to serialise, like the Flask `app` object the upstream loaders return
/// (`TypeError: Object of type Flask is not JSON serializable`).
#[derive(Debug)]
pub(crate) struct NotSerializable;

impl Serialize for NotSerializable {
    fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(S::Error::custom(
            "Object of type Flask is not JSON serializable",
        ))
    }
}
