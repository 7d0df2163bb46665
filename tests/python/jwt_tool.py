"""Mint / decode tokens with the real flask-jwt-extended, for the interop tests.

The tool runs inside an app context of the same env-configured app as
flask_app.py (same settings from environment + ./.env, same loaders, so every
created token carries the `roles` claim: the demo user's roles, [] otherwise).

  python jwt_tool.py create --type access|refresh --identity alice
        [--identity-json JSON] [--fresh true|false|<seconds-window>]
        [--expires <seconds>|none] [--claims JSON] [--headers JSON]
      -> prints the token.
         --fresh N   : fresh = timedelta(seconds=N) (a float timestamp now+N in the token)
         --expires N : expires_delta = timedelta(seconds=N); 0 gives no exp (falsy delta)
         --expires none : expires_delta=False (no exp)
         (no --expires: JWT_ACCESS_TOKEN_EXPIRES / JWT_REFRESH_TOKEN_EXPIRES apply)
         --claims / --headers: additional_claims / additional_headers (JSON objects)

  python jwt_tool.py decode TOKEN [--allow-expired] [--csrf VALUE]
      -> {"ok": true, "claims": {...}}  or
         {"ok": false, "error": "<ExceptionClassName>", "message": "<str(e)>"}
         (one JSON line; exit status 0 in both cases)

  python jwt_tool.py header TOKEN
      -> get_unverified_jwt_headers(TOKEN) as JSON (exit 0), or the ok:false
         object above (exit 1)

Exit status 2 for usage or configuration errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta

sys.dont_write_bytecode = True  # keep tests/python free of __pycache__
import fje_config


def _dump(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _json_arg(name: str, raw: str, want_object: bool = False):
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SystemExit(f"jwt_tool: {name}: invalid JSON: {exc}")
    if want_object and not isinstance(value, dict):
        raise SystemExit(f"jwt_tool: {name}: must be a JSON object")
    return value


def _parse_fresh(raw: str):
    low = raw.strip().lower()
    if low == "true":
        return True
    if low == "false":
        return False
    try:
        return timedelta(seconds=float(raw))
    except ValueError:
        raise SystemExit(f"jwt_tool: --fresh: expected true, false or seconds, got {raw!r}")


def _parse_expires(raw: str):
    if raw.strip().lower() == "none":
        return False
    try:
        return timedelta(seconds=int(raw))
    except ValueError:
        raise SystemExit(f"jwt_tool: --expires: expected integer seconds or none, got {raw!r}")


def _error_obj(exc: BaseException) -> dict:
    return {"ok": False, "error": type(exc).__name__, "message": str(exc)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="jwt_tool.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)

    p_create = sub.add_parser("create", help="mint a token")
    p_create.add_argument("--type", choices=["access", "refresh"], default="access")
    ident = p_create.add_mutually_exclusive_group(required=True)
    ident.add_argument("--identity", help="identity as a string")
    ident.add_argument("--identity-json", help="identity as any JSON value")
    p_create.add_argument("--fresh", help="true|false|<seconds window> (access only)")
    p_create.add_argument("--expires", help="<seconds>|none")
    p_create.add_argument("--claims", help="additional_claims, JSON object")
    p_create.add_argument("--headers", help="additional_headers, JSON object")

    p_decode = sub.add_parser("decode", help="decode_token with full verification")
    p_decode.add_argument("token")
    p_decode.add_argument("--allow-expired", action="store_true")
    p_decode.add_argument("--csrf", default=None, help="csrf_value to compare")

    p_header = sub.add_parser("header", help="get_unverified_jwt_headers")
    p_header.add_argument("token")

    args = parser.parse_args(argv)

    if args.cmd == "header":
        # No app context needed, but keep the import lazy like the rest.
        from flask_jwt_extended import get_unverified_jwt_headers

        try:
            print(_dump(get_unverified_jwt_headers(args.token)))
            return 0
        except Exception as exc:  # noqa: BLE001 - report any library error
            print(_dump(_error_obj(exc)))
            return 1

    from flask_app import create_app

    try:
        app = create_app()
    except fje_config.ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2

    with app.app_context():
        if args.cmd == "create":
            from flask_jwt_extended import create_access_token, create_refresh_token

            identity = (
                _json_arg("--identity-json", args.identity_json)
                if args.identity_json is not None
                else args.identity
            )
            kwargs = {}
            if args.expires is not None:
                kwargs["expires_delta"] = _parse_expires(args.expires)
            if args.claims is not None:
                kwargs["additional_claims"] = _json_arg("--claims", args.claims, True)
            if args.headers is not None:
                kwargs["additional_headers"] = _json_arg("--headers", args.headers, True)
            if args.type == "access":
                if args.fresh is not None:
                    kwargs["fresh"] = _parse_fresh(args.fresh)
                token = create_access_token(identity, **kwargs)
            else:
                if args.fresh is not None:
                    parser.error("--fresh is only valid with --type access")
                token = create_refresh_token(identity, **kwargs)
            print(token)
            return 0

        if args.cmd == "decode":
            from flask_jwt_extended import decode_token

            try:
                claims = decode_token(
                    args.token, csrf_value=args.csrf, allow_expired=args.allow_expired
                )
            except Exception as exc:  # noqa: BLE001 - report any library error
                print(_dump(_error_obj(exc)))
                return 0
            print(_dump({"ok": True, "claims": claims}))
            return 0

    return 2


if __name__ == "__main__":
    sys.exit(main())
