//! Port of upstream `tests/test_add_context_processor.py`.
//!
//! Upstream: `JWTManager(app, add_context_processor=True)` registers a Jinja context processor
//! that puts `current_user` into every template; a protected view renders
//! `"{{ current_user }}"` with a token and gets the user the `user_lookup_loader` returns
//! (`"test_user"`), and without the processor the template sees nothing (`""`).
//!
//! Adapted: Actix has no templates or context processors. What a handler can "see" is what
//! it extracts, so the counterpart of injecting `current_user` is the handler asking for
//! [`CurrentUser<U>`]; the template-free "render" writes the user as the body. Without it, the
//! handler's context has no `current_user`, and renders the empty string, as Jinja renders an
//! undefined name. Both run over real HTTP behind `jwt_required()` with a valid token.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use actix_jwt_ext::{jwt_required, CurrentUser, JwtConfig, JwtManager, JwtRequestExt as _};
use actix_web::{web, App, HttpRequest, HttpResponse};

use crate::support_a::get;

/// The `app` fixture's settings (`JWT_SECRET_KEY = "foobarbaz"`) and the test's
/// `user_lookup_loader` returning `"test_user"`; `lookups` counts its calls.
fn jwt_manager(lookups: Arc<AtomicUsize>) -> JwtManager {
    JwtManager::builder(
        JwtConfig::builder()
            .secret_key("foobarbaz")
            .build()
            .unwrap(),
    )
    .user_lookup_loader(move |_token| {
        lookups.fetch_add(1, Ordering::SeqCst);
        async { Ok(Some("test_user".to_owned())) }
    })
    .build()
    .unwrap()
}

/// A template's context: the names a template can use.
#[derive(Default)]
struct Context {
    current_user: Option<String>,
}

/// `render_template_string("{{ current_user }}", **context)`: an undefined name renders as `""`.
fn render_current_user(context: Context) -> String {
    context.current_user.unwrap_or_default()
}

/// With the "context processor": the handler asks for the current user and puts it in the
/// context.
async fn context_current_user(current_user: CurrentUser<String>) -> HttpResponse {
    let context = Context {
        current_user: Some(current_user.as_str().to_owned()),
    };
    HttpResponse::Ok().body(render_current_user(context))
}

/// Without it: the token was verified (the request carries the verified state), but nothing
/// put a user in the context.
async fn context_without_current_user(req: HttpRequest) -> HttpResponse {
    if req.jwt().is_none() {
        return HttpResponse::InternalServerError().body("jwt_required() did not verify");
    }
    HttpResponse::Ok().body(render_current_user(Context::default()))
}

/// `test_add_context_processor`
#[actix_web::test]
async fn test_add_context_processor() {
    let lookups = Arc::new(AtomicUsize::new(0));
    let jwt = jwt_manager(Arc::clone(&lookups));
    let access_token = jwt.access_token("username").encode().await.unwrap();
    let app_jwt = jwt.clone();
    let srv = actix_test::start(move || {
        App::new().configure(app_jwt.init_app()).service(
            web::resource("/context_current_user")
                .wrap(jwt_required())
                .route(web::get().to(context_current_user)),
        )
    });

    let (status, text) = get(&srv, "/context_current_user", Some(&access_token)).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(text, "test_user");
    assert_eq!(lookups.load(Ordering::SeqCst), 1);
}

/// `test_no_add_context_processor`
#[actix_web::test]
async fn test_no_add_context_processor() {
    let lookups = Arc::new(AtomicUsize::new(0));
    let jwt = jwt_manager(Arc::clone(&lookups));
    let access_token = jwt.access_token("username").encode().await.unwrap();
    let app_jwt = jwt.clone();
    let srv = actix_test::start(move || {
        App::new().configure(app_jwt.init_app()).service(
            web::resource("/context_current_user")
                .wrap(jwt_required())
                .route(web::get().to(context_without_current_user)),
        )
    });

    let (status, text) = get(&srv, "/context_current_user", Some(&access_token)).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(text, "");
    // Deliberately different: flask-jwt-extended calls the user_lookup_loader in every
    // protected request once one is registered; here the lookup runs only where a handler
    // asks for `CurrentUser` (or with `jwt_required().load_user()`), as the crate docs state.
    assert_eq!(lookups.load(Ordering::SeqCst), 0);
}
