#!/usr/bin/env bash
# Install (idempotently) the headless browser of tests/tests/browser.rs: Debian's Chromium
# and its ChromeDriver, from the packages `chromium` and `chromium-driver`.
#
#   bash tests/browser/setup.sh
#
# Fast path: when /usr/bin/chromium and /usr/bin/chromedriver exist and run, it only prints
# their paths. Otherwise it runs, as root and under a lock (so that concurrent callers, e.g.
# parallel test processes, do not collide):
#
#   apt-get update -qq
#   DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
#
# Works from any cwd, without stdin and under CI=true. Progress and errors go to stderr; on
# success the LAST two lines on stdout are `chromium=<path>` and `chromedriver=<path>`.
# Override the paths with CHROMIUM=/path and CHROMEDRIVER=/path (then nothing is installed
# when both exist).
set -euo pipefail

chromium="${CHROMIUM:-/usr/bin/chromium}"
chromedriver="${CHROMEDRIVER:-/usr/bin/chromedriver}"
packages=(chromium chromium-driver)
lock_file="${BROWSER_SETUP_LOCK:-/tmp/e2e-browser-setup.lock}"
# How long apt waits for a dpkg/apt lock held by another apt process (seconds).
apt_lock_timeout=300

log() { printf 'browser-setup: %s\n' "$*" >&2; }
die() { printf 'browser-setup: error: %s\n' "$*" >&2; exit 1; }

is_ready() {
  [ -x "$chromium" ] && [ -x "$chromedriver" ] \
    && "$chromedriver" --version >/dev/null 2>&1
}

report() {
  printf 'chromium=%s\n' "$chromium"
  printf 'chromedriver=%s\n' "$chromedriver"
}

# Fast path: nothing to do.
if is_ready; then
  report
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  die "$chromium and/or $chromedriver missing, and installing them needs root (this is uid $(id -u)).
  Install them once as root:
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
  or point CHROMIUM=/path/to/chromium and CHROMEDRIVER=/path/to/chromedriver at existing ones."
fi
command -v apt-get >/dev/null 2>&1 \
  || die "apt-get not found: this script installs Debian's chromium and chromium-driver packages; on another system install Chromium and a matching ChromeDriver and set CHROMIUM / CHROMEDRIVER."

# Serialise concurrent callers.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$lock_file"
  flock 9
  # Another process may have finished the job while we waited.
  if is_ready; then
    report
    exit 0
  fi
else
  log "flock not found: running without a lock"
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-o "DPkg::Lock::Timeout=$apt_lock_timeout")
start=$SECONDS

log "apt-get update"
updated=0
for attempt in 1 2 3; do
  if apt-get "${apt_opts[@]}" update -qq </dev/null >&2; then
    updated=1
    break
  fi
  log "apt-get update failed (attempt $attempt of 3); retrying in 5 s"
  sleep 5
done
[ "$updated" = 1 ] || die "apt-get update failed 3 times (is Debian's package mirror reachable? is another apt holding its lock?)"

log "apt-get install ${packages[*]}"
apt-get "${apt_opts[@]}" install -y -qq "${packages[@]}" </dev/null >&2 \
  || die "apt-get install ${packages[*]} failed (see apt's messages above)"

is_ready || die "installed ${packages[*]}, but $chromium / $chromedriver are missing or do not run"
log "ready in $((SECONDS - start)) s: $("$chromium" --version 2>/dev/null || echo chromium), $("$chromedriver" --version 2>/dev/null | head -n1)"
report
