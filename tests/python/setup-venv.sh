#!/usr/bin/env bash
# Create (idempotently) the Python venv used by the interoperability tests.
#
#   bash tests/python/setup-venv.sh [VENV_DIR]
#
# VENV_DIR defaults to <repo>/target/py-venv. Works from any cwd, without stdin,
# and under CI=true. When the venv exists and tests/python/requirements.txt is
# unchanged (sha256 stored in the venv), it only prints the interpreter path.
# Progress and errors go to stderr; the LAST line on stdout is the venv's python.
# Set PYTHON=/path/to/python3 to choose the interpreter used to create the venv.
set -euo pipefail

script_dir="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
repo_root="$(cd -- "$script_dir/../.." && pwd -P)"
requirements="$script_dir/requirements.txt"

venv_dir="${1:-$repo_root/target/py-venv}"
case "$venv_dir" in
  /*) ;;
  *) venv_dir="$PWD/$venv_dir" ;;
esac
venv_python="$venv_dir/bin/python"
stamp="$venv_dir/.requirements.sha256"

log() { printf 'setup-venv: %s\n' "$*" >&2; }
die() { printf 'setup-venv: error: %s\n' "$*" >&2; exit 1; }

[ -f "$requirements" ] || die "requirements file not found: $requirements"

hash_file() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d' ' -f1
  else
    # Fall back to whatever python we can find.
    "${PYTHON:-python3}" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"
  fi
}

want_hash="$(hash_file "$requirements")"

is_ready() {
  [ -x "$venv_python" ] && [ -f "$stamp" ] \
    && [ "$(cat "$stamp" 2>/dev/null)" = "$want_hash" ] \
    && "$venv_python" -c '' >/dev/null 2>&1
}

# Fast path: nothing to do.
if is_ready; then
  printf '%s\n' "$venv_python"
  exit 0
fi

python_bin="${PYTHON:-python3}"
if ! command -v "$python_bin" >/dev/null 2>&1; then
  die "'$python_bin' not found on PATH. Install Python >= 3.10 (with the venv module) or set PYTHON=/path/to/python3."
fi
if ! "$python_bin" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' >/dev/null 2>&1; then
  die "'$python_bin' is $("$python_bin" -V 2>&1); Flask-JWT-Extended 4.7.4 needs Python >= 3.10."
fi
if ! "$python_bin" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  die "'$python_bin' has no working venv/ensurepip module (on Debian/Ubuntu: apt-get install python3-venv)."
fi

mkdir -p "$(dirname -- "$venv_dir")"

# Serialise concurrent callers (e.g. parallel cargo tests) when flock exists.
lock_file="$venv_dir.lock"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$lock_file"
  flock 9
  # Another process may have finished the job while we waited.
  if is_ready; then
    printf '%s\n' "$venv_python"
    exit 0
  fi
fi

# A venv whose interpreter no longer runs (e.g. Python upgraded) is rebuilt,
# but only if the directory really is a venv (has pyvenv.cfg).
if [ -e "$venv_dir" ] && ! "$venv_python" -c '' >/dev/null 2>&1; then
  if [ -f "$venv_dir/pyvenv.cfg" ]; then
    log "removing broken venv at $venv_dir"
    rm -rf -- "$venv_dir"
  elif [ -n "$(ls -A -- "$venv_dir" 2>/dev/null)" ]; then
    die "$venv_dir exists, is not empty and is not a venv; refusing to touch it."
  fi
fi

if [ ! -x "$venv_python" ]; then
  log "creating venv at $venv_dir with $("$python_bin" -V 2>&1)"
  "$python_bin" -m venv "$venv_dir" </dev/null >&2 || die "python -m venv $venv_dir failed"
fi

log "installing $(basename -- "$requirements") (pip, quiet)"
rm -f -- "$stamp"
PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
  "$venv_python" -m pip install --quiet --disable-pip-version-check --no-input \
  -r "$requirements" </dev/null >&2 \
  || die "pip install -r $requirements failed (is PyPI reachable?)"

"$venv_python" -c 'import flask, flask_jwt_extended, jwt, cryptography' >/dev/null 2>&1 \
  || die "packages installed but import check failed in $venv_dir"

printf '%s\n' "$want_hash" >"$stamp"
log "ready: $("$venv_python" -c 'import flask_jwt_extended as f, jwt; print("Flask-JWT-Extended", f.__version__, "PyJWT", jwt.__version__)')"
printf '%s\n' "$venv_python"
