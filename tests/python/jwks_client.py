"""A second process that trusts a service's tokens only through its published JWKS.

Used by tests/tests/jwks_publish.rs: the example app publishes its public keys at
/.well-known/jwks.json, and this script verifies the app's tokens with PyJWT's
``PyJWKClient`` (and with the real flask-jwt-extended), knowing nothing but the URL.

  python jwks_client.py thumbprint PEM_FILE...
      -> one JSON line per file: {"file", "jwk", "thumbprint"}: the public JWK members of the
         key (PyJWT's ``to_jwk`` of the PEM, computed here, not read from any JWKS) and its
         RFC 7638 SHA-256 thumbprint (hashlib over the required members, sorted, no spaces).

  python jwks_client.py verify JWKS_URL TOKEN... [--single]
      -> one JSON line per token:
         {"ok": true, "claims": {...}, "header": {...}, "kid": <key kid>, "alg": <key alg>}
         or {"ok": false, "error": "<ExceptionClassName>", "message": "<str(e)>"}.
         The key is ``PyJWKClient(url).get_signing_key_from_jwt(token)`` and the token is
         checked with ``jwt.decode(token, key, algorithms=<asymmetric algorithms>)``.
         --single: a token without ``kid`` is checked with the JWKS's only key (a JWKS of
         one key, as a single-key service publishes); PyJWKClient itself requires a kid.

  python jwks_client.py flask JWKS_URL TOKEN...
      -> one JSON line per token: {"status": <int>, "body": <JSON or text>}: the answer of
         a tiny flask-jwt-extended 4.7.4 app (``app.test_client()``) to
         ``GET /protected`` (``@jwt_required()``) with ``Authorization: Bearer <token>``.
         The app has no key of its own: JWT_ALGORITHM is the token's ``alg``,
         JWT_DECODE_ALGORITHMS the asymmetric algorithms, and ``@jwt.decode_key_loader``
         returns the PyJWKClient key for the token's ``kid`` (an unknown kid is an
         ``InvalidTokenError``, which flask-jwt-extended answers with 422).

Each command exits 0 whether the tokens verify or not; 2 on usage errors.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys

sys.dont_write_bytecode = True  # keep tests/python free of __pycache__

import jwt
from jwt import PyJWKClient
from jwt.exceptions import PyJWKClientError

ASYMMETRIC = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]

# RFC 7638 section 3.2: the required members of each key type.
REQUIRED_MEMBERS = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}


def _dump(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _error_obj(exc: BaseException) -> dict:
    return {"ok": False, "error": type(exc).__name__, "message": str(exc)}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _public_jwk(pem: bytes) -> dict:
    """The public JWK of a PEM key (private or public), by PyJWT's algorithm classes."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    from cryptography.hazmat.primitives.serialization import (
        load_pem_private_key,
        load_pem_public_key,
    )

    if b"PRIVATE KEY-----" in pem:
        key = load_pem_private_key(pem, password=None).public_key()
    else:
        key = load_pem_public_key(pem)
    from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

    if isinstance(key, rsa.RSAPublicKey):
        return RSAAlgorithm.to_jwk(key, as_dict=True)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return ECAlgorithm.to_jwk(key, as_dict=True)
    if isinstance(key, ed25519.Ed25519PublicKey):
        return OKPAlgorithm.to_jwk(key, as_dict=True)
    raise SystemExit(f"jwks_client: unsupported key type {type(key).__name__}")


def _thumbprint(jwk: dict) -> str:
    members = {name: jwk[name] for name in REQUIRED_MEMBERS[jwk["kty"]]}
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":"))
    return _b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def cmd_thumbprint(files: list[str]) -> int:
    for name in files:
        with open(name, "rb") as f:
            jwk = _public_jwk(f.read())
        print(_dump({"file": name, "jwk": jwk, "thumbprint": _thumbprint(jwk)}))
    return 0


def _signing_key(client: PyJWKClient, token: str, single: bool):
    header = jwt.get_unverified_header(token)
    if single and "kid" not in header:
        keys = client.get_jwk_set().keys
        if len(keys) != 1:
            raise PyJWKClientError(f"--single: the JWKS holds {len(keys)} keys, not one")
        return keys[0]
    return client.get_signing_key_from_jwt(token)


def cmd_verify(url: str, tokens: list[str], single: bool) -> int:
    client = PyJWKClient(url)
    for token in tokens:
        try:
            key = _signing_key(client, token, single)
            claims = jwt.decode(token, key, algorithms=ASYMMETRIC)
            out = {
                "ok": True,
                "claims": claims,
                "header": jwt.get_unverified_header(token),
                "kid": key.key_id,
                "alg": key.algorithm_name,
            }
        except Exception as exc:  # noqa: BLE001 - report any library error
            out = _error_obj(exc)
        print(_dump(out))
    return 0


def cmd_flask(url: str, tokens: list[str]) -> int:
    from flask import Flask, jsonify
    from flask_jwt_extended import (
        JWTManager,
        get_jwt,
        get_jwt_header,
        get_jwt_identity,
        jwt_required,
    )

    client = PyJWKClient(url)
    for token in tokens:
        try:
            alg = jwt.get_unverified_header(token).get("alg", "RS256")
        except Exception:  # noqa: BLE001 - a broken token still goes to the app
            alg = "RS256"
        app = Flask("jwks_client")
        app.config.update(
            JWT_ALGORITHM=alg,
            JWT_DECODE_ALGORITHMS=ASYMMETRIC,
            JWT_TOKEN_LOCATION=["headers"],
        )
        manager = JWTManager(app)

        @manager.decode_key_loader
        def decode_key(header: dict, _payload: dict):
            try:
                return client.get_signing_key(header.get("kid"))
            except PyJWKClientError as exc:
                raise jwt.InvalidTokenError(str(exc)) from exc

        @app.get("/protected")
        @jwt_required()
        def protected():
            return jsonify(
                logged_in_as=get_jwt_identity(),
                type=get_jwt().get("type"),
                kid=get_jwt_header().get("kid"),
            )

        response = app.test_client().get(
            "/protected", headers={"Authorization": f"Bearer {token}"}
        )
        body = response.get_json(silent=True)
        if body is None:
            body = response.get_data(as_text=True)
        print(_dump({"status": response.status_code, "body": body}))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="jwks_client.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_thumb = sub.add_parser("thumbprint", help="public JWK and RFC 7638 thumbprint of PEM keys")
    p_thumb.add_argument("files", nargs="+")
    p_verify = sub.add_parser("verify", help="verify tokens with PyJWKClient")
    p_verify.add_argument("url")
    p_verify.add_argument("tokens", nargs="+")
    p_verify.add_argument("--single", action="store_true")
    p_flask = sub.add_parser("flask", help="GET a @jwt_required() route of flask-jwt-extended")
    p_flask.add_argument("url")
    p_flask.add_argument("tokens", nargs="+")
    args = parser.parse_args(argv)
    if args.cmd == "thumbprint":
        return cmd_thumbprint(args.files)
    if args.cmd == "verify":
        return cmd_verify(args.url, args.tokens, args.single)
    if args.cmd == "flask":
        return cmd_flask(args.url, args.tokens)
    return 2


if __name__ == "__main__":
    sys.exit(main())
