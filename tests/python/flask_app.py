"""Reference implementation of the example-app HTTP contract with the real
flask-jwt-extended 4.7.4 (see /work/shared/reference/example-app-contract.md).

    SECRET_KEY=... python flask_app.py

binds HOST (default 127.0.0.1) on PORT (default 0 = an ephemeral port), prints
exactly one line ``LISTENING http://<host>:<port>`` on stdout once bound and
serves until killed. Settings: environment + ./.env (see fje_config.py).
Invalid settings exit with status 2 before binding. A missing secret does NOT
stop the app: flask-jwt-extended only fails (HTTP 500, RuntimeError) when a
token is first created or decoded.
"""

from __future__ import annotations

import hmac
import logging
import sys
import threading
from functools import wraps
from typing import Any, Dict, List, Mapping, Optional

from flask import Flask, current_app, jsonify, request
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    current_user,
    get_jwt,
    get_jwt_header,
    get_jwt_identity,
    jwt_required,
    get_jwt_request_location,
    verify_jwt_in_request,
    set_access_cookies,
    set_refresh_cookies,
    unset_jwt_cookies,
)

sys.dont_write_bytecode = True  # keep tests/python free of __pycache__
import fje_config

# Demo users of the contract.
USERS: Dict[str, Dict[str, Any]] = {
    "test": {"username": "test", "password": "test", "roles": ["user"]},
    "admin": {"username": "admin", "password": "admin", "roles": ["admin", "user"]},
}


# The scopes each user may ask for at login (example-app/src/users.rs).
SCOPES: Dict[str, List[str]] = {
    "test": ["reports:read"],
    "admin": ["reports:read", "reports:write"],
}

REPORTS = [{"id": 1, "title": "Q1"}, {"id": 2, "title": "Q2"}]


def _is_admin(claims: Mapping[str, Any]) -> bool:
    """The role requirement of /admin: ``roles`` is "admin" or a list holding it."""
    roles = claims.get("roles")
    return roles == "admin" or (isinstance(roles, list) and "admin" in roles)


def _has_scope(claims: Mapping[str, Any], scope: str) -> bool:
    """The scope requirement of /reports, as actix-jwt-ext's Requirement::scope reads it:
    ``scope`` (a space-separated string) when present, else ``scp`` (a list of strings or a
    space-separated string)."""
    if "scope" in claims:
        granted = claims["scope"]
        return isinstance(granted, str) and scope in granted.split(" ")
    scp = claims.get("scp")
    if isinstance(scp, list):
        return scope in [s for s in scp if isinstance(s, str)]
    return isinstance(scp, str) and scope in scp.split(" ")


def _grant_scope(username: str, requested: Any) -> Optional[str]:
    """The scope claim for a login's ``"scope"``: RFC 6749 grammar (scope-token *( SP
    scope-token )), each scope held by the user, duplicates removed keeping order; None when
    invalid."""
    if not isinstance(requested, str):
        return None
    held = SCOPES.get(username, [])
    granted: List[str] = []
    for token in requested.split(" "):
        if token not in held:
            return None
        if token not in granted:
            granted.append(token)
    return " ".join(granted)


def admin_required(fn):
    """jwt_required() plus the admin role, checked before the view reads the body."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        verify_jwt_in_request()
        if not _is_admin(get_jwt()):
            return jsonify(message="Admins only!"), 403
        return fn(*args, **kwargs)

    return wrapper


# Stand-in "current user" for routes that do not use it (see lookup_user).
_NOT_LOOKED_UP = {"username": None, "roles": []}


def _user_for(identity: Any) -> Optional[Dict[str, Any]]:
    if isinstance(identity, str):
        return USERS.get(identity)
    return None


def create_app(settings: Optional[Mapping[str, str]] = None) -> Flask:
    """Build the app. ``settings`` defaults to .env + environment."""
    if settings is None:
        settings = fje_config.load_settings()
    app = Flask(__name__)
    app.config.update(fje_config.flask_config_from_settings(settings))

    jwt = JWTManager(app)

    # In-memory blocklist keyed by jti (per app instance).
    blocklist: set = set()
    blocklist_lock = threading.Lock()
    app.extensions["example-app-blocklist"] = blocklist

    @jwt.additional_claims_loader
    def add_roles(identity):
        user = _user_for(identity)
        # A new dict every call (flask-jwt-extended mutates the result in place).
        return {"roles": list(user["roles"]) if user else []}

    # flask-jwt-extended calls the user_lookup_loader in verify_jwt_in_request for
    # EVERY protected route once a loader is registered. The contract wants the
    # lookup only where a handler uses the current user (/me), so on other routes
    # an unknown identity yields a placeholder instead of None (no UserLookupError).
    # EXAMPLE_APP_EAGER_USER_LOOKUP=true restores the library's eager behaviour.
    eager_lookup = fje_config.parse_bool(
        "EXAMPLE_APP_EAGER_USER_LOOKUP",
        settings.get("EXAMPLE_APP_EAGER_USER_LOOKUP", "false") or "false",
    )

    @jwt.user_lookup_loader
    def lookup_user(_jwt_header, jwt_data):
        user = _user_for(jwt_data.get(current_app.config["JWT_IDENTITY_CLAIM"]))
        if user is None and not eager_lookup and request.endpoint != "me":
            return _NOT_LOOKED_UP
        return user

    @jwt.token_in_blocklist_loader
    def is_revoked(_jwt_header, jwt_data):
        with blocklist_lock:
            try:
                return jwt_data.get("jti") in blocklist
            except TypeError:  # unhashable jti (list/dict) is never revoked
                return False

    def _credentials():
        """Return (username, password) or None for a 400."""
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return None
        username = data.get("username")
        password = data.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            return None
        if not username or not password:
            return None
        return username, password

    def _authenticate():
        """Return (identity, extra claims, None) or (None, None, error response): the
        credentials first (400, 401), then the optional "scope" (400)."""
        creds = _credentials()
        if creds is None:
            return None, None, (jsonify(message="Missing username or password"), 400)
        username, password = creds
        user = USERS.get(username)
        if user is None or not hmac.compare_digest(
            user["password"].encode(), password.encode()
        ):
            return None, None, (jsonify(message="Bad username or password"), 401)
        requested = request.get_json(silent=True).get("scope")
        if requested is None:  # absent or null: no scope claim
            return username, None, None
        scope = _grant_scope(username, requested)
        if scope is None:
            return None, None, (jsonify(message="Invalid scope"), 400)
        return username, {"scope": scope}, None

    @app.route("/login", methods=["POST"])
    def login():
        identity, extra, error = _authenticate()
        if error is not None:
            return error
        access_token = create_access_token(
            identity=identity, fresh=True, additional_claims=extra
        )
        refresh_token = create_refresh_token(identity=identity, additional_claims=extra)
        return jsonify(access_token=access_token, refresh_token=refresh_token)

    @app.route("/login/cookies", methods=["POST"])
    def login_cookies():
        identity, extra, error = _authenticate()
        if error is not None:
            return error
        response = jsonify(message="login successful")
        set_access_cookies(
            response,
            create_access_token(identity=identity, fresh=True, additional_claims=extra),
        )
        set_refresh_cookies(
            response, create_refresh_token(identity=identity, additional_claims=extra)
        )
        return response

    @app.route("/logout/cookies", methods=["POST"])
    def logout_cookies():
        response = jsonify(message="logout successful")
        unset_jwt_cookies(response)
        return response

    @app.route("/refresh", methods=["POST"])
    @jwt_required(refresh=True)
    def refresh():
        claims = get_jwt()
        extra = {"scope": claims["scope"]} if "scope" in claims else None
        access_token = create_access_token(
            identity=get_jwt_identity(), fresh=False, additional_claims=extra
        )
        response = jsonify(access_token=access_token)
        if get_jwt_request_location() == "cookies":
            set_access_cookies(response, access_token)
        return response

    @app.route("/protected", methods=["GET", "POST"])
    @jwt_required()
    def protected():
        return jsonify(logged_in_as=get_jwt_identity())

    @app.route("/optional", methods=["GET"])
    @jwt_required(optional=True)
    def optional():
        return jsonify(logged_in_as=get_jwt_identity())

    @app.route("/fresh", methods=["GET"])
    @jwt_required(fresh=True)
    def fresh():
        return jsonify(logged_in_as=get_jwt_identity())

    @app.route("/me", methods=["GET"])
    @jwt_required()
    def me():
        return jsonify(username=current_user["username"], roles=current_user["roles"])

    @app.route("/claims", methods=["GET"])
    @jwt_required()
    def claims():
        return jsonify({"header": get_jwt_header(), "claims": get_jwt()})

    @app.route("/admin", methods=["GET"])
    @jwt_required()
    def admin():
        if _is_admin(get_jwt()):
            return jsonify(message="Welcome, admin")
        return jsonify(message="Admins only!"), 403

    @app.route("/admin/notes", methods=["POST"])
    @admin_required
    def admin_notes():
        data = request.get_json(silent=True)
        text = data.get("text") if isinstance(data, dict) else None
        if not isinstance(text, str):
            return jsonify(message="Invalid note"), 400
        return jsonify(text=text), 201

    @app.route("/reports", methods=["GET"])
    @jwt_required()
    def reports():
        if not _has_scope(get_jwt(), "reports:read"):
            return jsonify(message="Insufficient scope"), 403
        return jsonify(reports=REPORTS)

    @app.route("/logout", methods=["DELETE"])
    @jwt_required(verify_type=False)
    def logout():
        token = get_jwt()
        jti = token["jti"]
        ttype = token["type"]
        with blocklist_lock:
            try:
                blocklist.add(jti)
            except TypeError:
                pass
        return jsonify(message=f"{str(ttype).capitalize()} token revoked")

    return app


def main() -> int:
    settings = fje_config.load_settings()
    try:
        app = create_app(settings)
    except fje_config.ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    fje_config.warn_unknown_jwt_settings(settings)

    host = settings.get("HOST") or "127.0.0.1"
    port_raw = settings.get("PORT", "0") or "0"
    try:
        port = int(port_raw)
        if not 0 <= port <= 65535:
            raise ValueError
    except ValueError:
        print(f"configuration error: PORT: invalid port {port_raw!r}", file=sys.stderr)
        return 2

    # Request logging off (errors still go to stderr via app.logger).
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from werkzeug.serving import make_server

    server = make_server(host, port, app, threaded=True)
    bound_host = "[%s]" % host if ":" in host else host
    print(f"LISTENING http://{bound_host}:{server.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
