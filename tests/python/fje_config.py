"""Flask / flask-jwt-extended configuration from the environment.

Shared by flask_app.py and jwt_tool.py so that both use exactly the same
settings. Settings come from a ``.env`` file in the current working directory
(simple ``KEY=VALUE`` lines) overlaid by the process environment (the
environment wins), as the example-app contract prescribes.

Rules (one flask config key is set only when its variable is present, so that
flask-jwt-extended's own defaults apply otherwise; the two exceptions are the
contract's defaults JWT_ACCESS_TOKEN_EXPIRES=86400 and JWT_ERROR_MESSAGE_KEY="message"):

* SECRET_KEY                         -> app.config["SECRET_KEY"] (string as is)
* JWT_ACCESS_TOKEN_EXPIRES,
  JWT_REFRESH_TOKEN_EXPIRES          -> int seconds; 0 -> False (tokens without exp)
* JWT_DECODE_LEEWAY                  -> int seconds
* boolean options                    -> true/false, 1/0, yes/no, on/off (any case)
* JWT_TOKEN_LOCATION, JWT_DECODE_ALGORITHMS, JWT_CSRF_METHODS
                                     -> comma lists (items stripped, empty items dropped)
* JWT_DECODE_AUDIENCE, JWT_ENCODE_AUDIENCE
                                     -> "a,b" becomes ["a", "b"], "a" stays "a"
* JWT_PRIVATE_KEY, JWT_PUBLIC_KEY    -> PEM text; a literal "\\n" is turned into a
                                        newline when the value has no real newline
* Options whose flask-jwt-extended default is None (JWT_SECRET_KEY, JWT_COOKIE_DOMAIN,
  JWT_COOKIE_SAMESITE, JWT_DECODE_AUDIENCE, JWT_DECODE_ISSUER, JWT_ENCODE_AUDIENCE,
  JWT_ENCODE_ISSUER, JWT_PRIVATE_KEY, JWT_PUBLIC_KEY, JWT_DECODE_ALGORITHMS):
  an EMPTY value means None (= the library default).
* every other JWT_* option           -> string as is, including the empty string
                                        (JWT_HEADER_TYPE="" means a bare token).

A value that does not parse raises ConfigError naming the setting.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any, Dict, Mapping, Optional

__all__ = [
    "ConfigError",
    "load_dotenv_file",
    "load_settings",
    "flask_config_from_settings",
    "ALL_JWT_OPTIONS",
]


class ConfigError(ValueError):
    """A setting is present but its value cannot be used."""


BOOL_OPTIONS = (
    "JWT_COOKIE_CSRF_PROTECT",
    "JWT_COOKIE_SECURE",
    "JWT_CSRF_CHECK_FORM",
    "JWT_CSRF_IN_COOKIES",
    "JWT_ENCODE_NBF",
    "JWT_SESSION_COOKIE",
    "JWT_VERIFY_SUB",
)
EXPIRES_OPTIONS = ("JWT_ACCESS_TOKEN_EXPIRES", "JWT_REFRESH_TOKEN_EXPIRES")
INT_OPTIONS = ("JWT_DECODE_LEEWAY",)
LIST_OPTIONS = ("JWT_TOKEN_LOCATION", "JWT_DECODE_ALGORITHMS", "JWT_CSRF_METHODS")
AUDIENCE_OPTIONS = ("JWT_DECODE_AUDIENCE", "JWT_ENCODE_AUDIENCE")
PEM_OPTIONS = ("JWT_PRIVATE_KEY", "JWT_PUBLIC_KEY")
# Options whose flask-jwt-extended default is None: an empty value maps to None.
NONE_WHEN_EMPTY = (
    "JWT_SECRET_KEY",
    "JWT_COOKIE_DOMAIN",
    "JWT_COOKIE_SAMESITE",
    "JWT_DECODE_AUDIENCE",
    "JWT_DECODE_ISSUER",
    "JWT_ENCODE_AUDIENCE",
    "JWT_ENCODE_ISSUER",
    "JWT_PRIVATE_KEY",
    "JWT_PUBLIC_KEY",
    "JWT_DECODE_ALGORITHMS",
)
STRING_OPTIONS = (
    "JWT_ACCESS_COOKIE_NAME",
    "JWT_ACCESS_COOKIE_PATH",
    "JWT_ACCESS_CSRF_COOKIE_NAME",
    "JWT_ACCESS_CSRF_COOKIE_PATH",
    "JWT_ACCESS_CSRF_FIELD_NAME",
    "JWT_ACCESS_CSRF_HEADER_NAME",
    "JWT_ALGORITHM",
    "JWT_COOKIE_DOMAIN",
    "JWT_COOKIE_SAMESITE",
    "JWT_DECODE_ISSUER",
    "JWT_ENCODE_ISSUER",
    "JWT_ERROR_MESSAGE_KEY",
    "JWT_HEADER_NAME",
    "JWT_HEADER_TYPE",
    "JWT_IDENTITY_CLAIM",
    "JWT_JSON_KEY",
    "JWT_QUERY_STRING_NAME",
    "JWT_QUERY_STRING_VALUE_PREFIX",
    "JWT_REFRESH_COOKIE_NAME",
    "JWT_REFRESH_COOKIE_PATH",
    "JWT_REFRESH_CSRF_COOKIE_NAME",
    "JWT_REFRESH_CSRF_COOKIE_PATH",
    "JWT_REFRESH_CSRF_FIELD_NAME",
    "JWT_REFRESH_CSRF_HEADER_NAME",
    "JWT_REFRESH_JSON_KEY",
    "JWT_SECRET_KEY",
)
# The 43 options of flask-jwt-extended 4.7.4 (jwt_manager._set_default_configuration_options).
ALL_JWT_OPTIONS = tuple(
    sorted(
        set(BOOL_OPTIONS)
        | set(EXPIRES_OPTIONS)
        | set(INT_OPTIONS)
        | set(LIST_OPTIONS)
        | set(AUDIENCE_OPTIONS)
        | set(PEM_OPTIONS)
        | set(STRING_OPTIONS)
    )
)
assert len(ALL_JWT_OPTIONS) == 43, len(ALL_JWT_OPTIONS)

VALID_LOCATIONS = ("headers", "cookies", "query_string", "json")

# Contract defaults that differ from flask-jwt-extended's own defaults.
CONTRACT_DEFAULTS: Dict[str, Any] = {
    "JWT_ACCESS_TOKEN_EXPIRES": 86400,  # one day, as the Flask setup guide
    "JWT_ERROR_MESSAGE_KEY": "message",
}

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_DOTENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")


def load_dotenv_file(path: str = ".env") -> Dict[str, str]:
    """Parse a simple .env file: KEY=VALUE lines, '#' comments, optional 'export ',
    single- or double-quoted values (double quotes may span lines and understand
    \\n, \\t, \\", \\\\). Unquoted values lose a trailing ' #comment' and surrounding
    blanks. A missing file gives {}."""
    try:
        with open(path, "r", encoding="utf-8") as fh:
            text = fh.read()
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return {}

    result: Dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _DOTENV_LINE.match(line)
        if not m:
            continue
        key, raw = m.group(1), m.group(2)
        if raw.startswith('"'):
            body = raw[1:]
            # Collect until an unescaped closing quote (may span lines).
            while not _has_closing_quote(body) and i < len(lines):
                body += "\n" + lines[i]
                i += 1
            end = _closing_quote_index(body)
            value = body if end < 0 else body[:end]
            value = (
                value.replace("\\\\", "\x00")
                .replace("\\n", "\n")
                .replace("\\t", "\t")
                .replace('\\"', '"')
                .replace("\x00", "\\")
            )
        elif raw.startswith("'"):
            end = raw.find("'", 1)
            value = raw[1:] if end < 0 else raw[1:end]
        else:
            value = re.sub(r"\s+#.*$", "", raw).strip()
        result[key] = value
    return result


def _closing_quote_index(body: str) -> int:
    escaped = False
    for idx, ch in enumerate(body):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            return idx
    return -1


def _has_closing_quote(body: str) -> bool:
    return _closing_quote_index(body) >= 0


def load_settings(
    environ: Optional[Mapping[str, str]] = None, dotenv_path: str = ".env"
) -> Dict[str, str]:
    """.env file values overlaid by the environment (the environment wins)."""
    settings = load_dotenv_file(dotenv_path)
    settings.update(os.environ if environ is None else environ)
    return settings


def parse_bool(name: str, value: str) -> bool:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise ConfigError(
        f"{name}: invalid boolean {value!r} (use true/false, 1/0, yes/no, on/off)"
    )


def parse_int(name: str, value: str) -> int:
    v = value.strip()
    if not re.fullmatch(r"[+-]?[0-9]+", v):
        raise ConfigError(f"{name}: invalid integer {value!r}")
    return int(v)


def parse_list(value: str) -> list:
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_expires(name: str, value: str):
    seconds = parse_int(name, value)
    # 0 means "tokens without exp"; flask-jwt-extended treats False as "never expires".
    return False if seconds == 0 else seconds


def parse_audience(value: str):
    if "," in value:
        return parse_list(value)
    return value.strip()


def parse_pem(value: str) -> str:
    if "\n" not in value and "\\n" in value:
        value = value.replace("\\n", "\n")
    return value


def flask_config_from_settings(settings: Mapping[str, str]) -> Dict[str, Any]:
    """Return the app.config entries for the given settings (see module doc)."""
    cfg: Dict[str, Any] = dict(CONTRACT_DEFAULTS)

    if "SECRET_KEY" in settings:
        cfg["SECRET_KEY"] = settings["SECRET_KEY"]

    for name in ALL_JWT_OPTIONS:
        if name not in settings:
            continue
        raw = settings[name]
        if name in NONE_WHEN_EMPTY and raw.strip() == "":
            cfg[name] = None
        elif name in BOOL_OPTIONS:
            cfg[name] = parse_bool(name, raw)
        elif name in EXPIRES_OPTIONS:
            cfg[name] = parse_expires(name, raw)
        elif name in INT_OPTIONS:
            cfg[name] = parse_int(name, raw)
        elif name in AUDIENCE_OPTIONS:
            cfg[name] = parse_audience(raw)
        elif name in PEM_OPTIONS:
            cfg[name] = parse_pem(raw)
        elif name in LIST_OPTIONS:
            items = parse_list(raw)
            if name == "JWT_TOKEN_LOCATION":
                if not items:
                    raise ConfigError(
                        "JWT_TOKEN_LOCATION must contain at least one of "
                        '"headers", "cookies", "query_string", or "json"'
                    )
                bad = [x for x in items if x not in VALID_LOCATIONS]
                if bad:
                    raise ConfigError(
                        f"JWT_TOKEN_LOCATION: unknown location(s) {bad!r}; it can only "
                        'contain "headers", "cookies", "query_string", or "json"'
                    )
            cfg[name] = items
        else:
            cfg[name] = raw  # plain string, as is (JWT_HEADER_TYPE may be "")

    return cfg


def warn_unknown_jwt_settings(settings: Mapping[str, str]) -> None:
    """Warn (stderr) about JWT_* variables that are not flask-jwt-extended options."""
    unknown = sorted(
        k for k in settings if k.startswith("JWT_") and k not in ALL_JWT_OPTIONS
    )
    for k in unknown:
        print(f"warning: ignoring unknown setting {k}", file=sys.stderr)
