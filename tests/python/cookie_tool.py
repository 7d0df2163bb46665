"""Run flask-jwt-extended's cookie helpers and print the Set-Cookie headers they emit.

The settings come from the environment and ./.env exactly as for flask_app.py
(through fje_config); the app is a bare Flask app with a JWTManager (no loaders),
so what is printed is the library's own behaviour. Each call builds an empty
response inside ``app.test_request_context()`` and calls the helpers on it.

  python cookie_tool.py --kind access|refresh|both --action set|unset
        [--max-age N] [--domain D] [--token TOKEN] [--refresh-token TOKEN]
      -> prints the Set-Cookie header values, in order, as a JSON list.

     set access : set_access_cookies(resp, TOKEN, max_age=N, domain=D)
     set refresh: set_refresh_cookies(resp, TOKEN, max_age=N, domain=D)
     set both   : set_access_cookies(resp, TOKEN, ...) then
                  set_refresh_cookies(resp, REFRESH_TOKEN, ...)
     unset access|refresh|both:
                  unset_access_cookies / unset_refresh_cookies / unset_jwt_cookies
                  (resp, domain=D); --max-age is not accepted (the helpers have none)
     Without --token (or --refresh-token for both), a token is minted with
     create_access_token / create_refresh_token("cookie-tool"). --max-age and
     --domain are passed only when given (otherwise the helpers' None default);
     --max-age 0 and --domain "" are passed as 0 and "".

  python cookie_tool.py --batch
      -> reads a JSON list of argument lists (each as above) on stdin and prints
         one JSON list with, per item, its Set-Cookie list, or
         {"error": "<ExceptionClassName>", "message": "<str(e)>"} when a helper raised.

Exit status 0 on success, 1 when a single call raised (the error object is
printed), 2 for usage or configuration errors.
"""

from __future__ import annotations

import argparse
import json
import sys

sys.dont_write_bytecode = True  # keep tests/python free of __pycache__
import fje_config


def _dump(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # raise instead of exiting, so --batch can report it
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="cookie_tool.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--kind", choices=["access", "refresh", "both"], required=True)
    p.add_argument("--action", choices=["set", "unset"], required=True)
    p.add_argument("--max-age", type=int, default=None)
    p.add_argument("--domain", default=None)
    p.add_argument("--token", default=None)
    p.add_argument("--refresh-token", default=None)
    return p


def _kwargs(args) -> dict:
    kwargs = {}
    if args.domain is not None:
        kwargs["domain"] = args.domain
    if args.max_age is not None:
        kwargs["max_age"] = args.max_age
    return kwargs


def run_one(app, args) -> list:
    """The Set-Cookie values of one helper call (exceptions propagate)."""
    from flask import make_response
    import flask_jwt_extended as fje

    if args.action == "unset" and args.max_age is not None:
        raise _UsageError("--max-age is not accepted with --action unset")

    with app.test_request_context():
        resp = make_response("")
        kwargs = _kwargs(args)
        if args.action == "set":
            if args.kind in ("access", "both"):
                token = args.token or fje.create_access_token("cookie-tool")
                fje.set_access_cookies(resp, token, **kwargs)
            if args.kind == "refresh":
                token = args.token or fje.create_refresh_token("cookie-tool")
                fje.set_refresh_cookies(resp, token, **kwargs)
            if args.kind == "both":
                token = args.refresh_token or fje.create_refresh_token("cookie-tool")
                fje.set_refresh_cookies(resp, token, **kwargs)
        else:
            helper = {
                "access": fje.unset_access_cookies,
                "refresh": fje.unset_refresh_cookies,
                "both": fje.unset_jwt_cookies,
            }[args.kind]
            helper(resp, **kwargs)
        return resp.headers.getlist("Set-Cookie")


def _error_obj(exc: BaseException) -> dict:
    return {"error": type(exc).__name__, "message": str(exc)}


def build_app():
    from flask import Flask
    from flask_jwt_extended import JWTManager

    settings = fje_config.load_settings()
    app = Flask(__name__)
    app.config.update(fje_config.flask_config_from_settings(settings))
    JWTManager(app)
    return app


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    batch = argv == ["--batch"]
    parser = _parser()
    if not batch:
        try:
            args = parser.parse_args(argv)
        except _UsageError as exc:
            print(f"cookie_tool: {exc}", file=sys.stderr)
            return 2

    try:
        app = build_app()
    except fje_config.ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2

    if not batch:
        try:
            print(_dump(run_one(app, args)))
        except _UsageError as exc:
            print(f"cookie_tool: {exc}", file=sys.stderr)
            return 2
        except Exception as exc:  # noqa: BLE001 - report any library error
            print(_dump(_error_obj(exc)))
            return 1
        return 0

    try:
        items = json.load(sys.stdin)
        if not isinstance(items, list) or not all(
            isinstance(i, list) and all(isinstance(a, str) for a in i) for i in items
        ):
            raise ValueError("expected a JSON list of lists of strings")
        parsed = [parser.parse_args(item) for item in items]
    except (ValueError, _UsageError) as exc:
        print(f"cookie_tool: --batch: {exc}", file=sys.stderr)
        return 2

    results = []
    for args in parsed:
        try:
            results.append(run_one(app, args))
        except _UsageError as exc:
            print(f"cookie_tool: {exc}", file=sys.stderr)
            return 2
        except Exception as exc:  # noqa: BLE001 - report any library error
            results.append(_error_obj(exc))
    print(_dump(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
