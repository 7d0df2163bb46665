#!/usr/bin/env bash
# Instructions per request under `valgrind --tool=callgrind` (user-space instructions are stable
# on a noisy machine; seconds are not).
#
# For each server (the crate's bench_server example, handwritten-jwt, bare-actix; release
# builds) and each route, the server runs under callgrind pinned to core 0 twice: once answering
# N1 requests, once N2, sent over one keep-alive connection by a client pinned to core 1. The
# instructions per request are (I(N2) - I(N1)) / (N2 - N1): start-up, connection set-up and
# shutdown cancel out.
#
# Then the profile of the crate's GET /protected: `callgrind_annotate --inclusive=yes` of the N2
# run, and the per-request cost of each function (the N2 run minus the N1 run, per request),
# inclusive and self, for the crate and for the hand-written baseline.
#
#   bash bench/callgrind.sh                      # N1=200 N2=1200, both routes, ~3 minutes
#   N1=100 N2=600 ROUTES=protected bash bench/callgrind.sh
#   ROUTES="protected admin" bash bench/callgrind.sh   # the cost of a role requirement
#   EXTRA="before:/work/old/target/release/examples/bench_server" bash bench/callgrind.sh
#
# Output files go to target/callgrind/ (OUT=...). Needs valgrind (installed with apt-get when
# missing and running as root), taskset and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

N1=${N1:-200}
N2=${N2:-1200}
ROUTES=${ROUTES:-"protected open"}
TOP=${TOP:-40}
TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
OUT=${OUT:-$TARGET_DIR/callgrind}
export JWT_SECRET_KEY=${JWT_SECRET_KEY:-bench-secret-0123456789abcdef0123456789abcdef}
export RUST_LOG=off
export PORT=0
export BENCH_REVOKED=${BENCH_REVOKED:-1000}

if ! command -v valgrind >/dev/null || ! command -v callgrind_annotate >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq valgrind >/dev/null
    else
        echo "valgrind is missing: apt-get install -y valgrind" >&2
        exit 1
    fi
fi
if [ "$(nproc)" -lt 2 ]; then
    echo "note: fewer than 2 cores; server and client share a core" >&2
    CLIENT_CORE=0
else
    CLIENT_CORE=1
fi

if [ -z "${NO_BUILD:-}" ]; then
    cargo build --release -q -p actix-jwt-ext --example bench_server
    cargo build --release -q -p bench-baselines --bins
fi
BIN=$TARGET_DIR/release
mkdir -p "$OUT"
TOKEN=$("$BIN/mint-token")

SERVERS=("actix-jwt-ext:$BIN/examples/bench_server" "handwritten-jwt:$BIN/handwritten-jwt" "bare-actix:$BIN/bare-actix")
# EXTRA="name:/path/to/binary ..." adds servers measured in the same run, for example the
# bench_server of an earlier commit (built in a worktree) to compare before and after.
for extra in ${EXTRA:-}; do
    SERVERS+=("$extra")
done
SERVER_PID=

cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT

# run NAME BINARY ROUTE N: one callgrind run; sets TOTAL to its instruction count.
run() {
    local name=$1 bin=$2 route=$3 n=$4
    local base=$OUT/$name.$route.$n
    rm -f "$base.out" "$base.addr"
    taskset -c 0 valgrind --tool=callgrind --dump-instr=no --callgrind-out-file="$base.out" \
        "$bin" >"$base.addr" 2>"$base.log" &
    SERVER_PID=$!
    local addr=
    for _ in $(seq 1 600); do
        addr=$(head -n1 "$base.addr" 2>/dev/null || true)
        [ -n "$addr" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$base.log" >&2; exit 1; }
        sleep 0.1
    done
    [ -n "$addr" ] || { echo "$name did not start" >&2; exit 1; }
    local expect='{"logged_in_as":null}' token=()
    if [ "$route" = protected ] || [ "$route" = admin ]; then
        expect='{"logged_in_as":"alice"}'
        token=("$TOKEN")
    fi
    EXPECT=$expect timeout 300 taskset -c "$CLIENT_CORE" "$BIN/http-client" "$addr" "/$route" "$n" \
        "${token[@]}" >/dev/null
    kill -TERM "$SERVER_PID"
    timeout 120 tail --pid="$SERVER_PID" -f /dev/null || kill -KILL "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
    TOTAL=$(awk '/^(summary|totals):/ { print $2; exit }' "$base.out")
    [ -n "$TOTAL" ] || { echo "no totals in $base.out" >&2; exit 1; }
}

declare -A PER_REQUEST
printf '%-16s %-10s %14s %14s %12s\n' server route "I(N1=$N1)" "I(N2=$N2)" instr/req
for route in $ROUTES; do
    for entry in "${SERVERS[@]}"; do
        name=${entry%%:*}
        bin=${entry#*:}
        # /admin (a role requirement) exists on the crate's servers only.
        if [ "$route" = admin ] && { [ "$name" = handwritten-jwt ] || [ "$name" = bare-actix ]; }; then
            continue
        fi
        run "$name" "$bin" "$route" "$N1"
        i1=$TOTAL
        run "$name" "$bin" "$route" "$N2"
        i2=$TOTAL
        per=$(( (i2 - i1) / (N2 - N1) ))
        PER_REQUEST[$name.$route]=$per
        printf '%-16s %-10s %14d %14d %12d\n' "$name" "/$route" "$i1" "$i2" "$per"
    done
done

ratio() { python3 -c "print(f'{$1 / $2:.3f}')"; }
echo
if [ -n "${PER_REQUEST[actix-jwt-ext.protected]:-}" ]; then
    p_ours=${PER_REQUEST[actix-jwt-ext.protected]}
    p_hand=${PER_REQUEST[handwritten-jwt.protected]}
    p_bare=${PER_REQUEST[bare-actix.protected]}
    echo "/protected: actix-jwt-ext / handwritten-jwt = $(ratio "$p_ours" "$p_hand") x"
    echo "/protected: actix-jwt-ext / bare-actix      = $(ratio "$p_ours" "$p_bare") x"
    echo "/protected: handwritten-jwt / bare-actix    = $(ratio "$p_hand" "$p_bare") x"
    echo "/protected: auth cost beyond bare Actix: actix-jwt-ext $((p_ours - p_bare)), handwritten-jwt $((p_hand - p_bare)) instructions"
fi
for extra in ${EXTRA:-}; do
    name=${extra%%:*}
    for route in $ROUTES; do
        echo "/$route: actix-jwt-ext / $name = $(ratio "${PER_REQUEST[actix-jwt-ext.$route]}" "${PER_REQUEST[$name.$route]}") x"
    done
done
if [ -n "${PER_REQUEST[actix-jwt-ext.admin]:-}" ] && [ -n "${PER_REQUEST[actix-jwt-ext.protected]:-}" ]; then
    echo "/admin:     role requirement / /protected   = $(ratio "${PER_REQUEST[actix-jwt-ext.admin]}" "${PER_REQUEST[actix-jwt-ext.protected]}") x"
fi
if [ -n "${PER_REQUEST[actix-jwt-ext.open]:-}" ]; then
    echo "/open:      actix-jwt-ext / bare-actix      = $(ratio "${PER_REQUEST[actix-jwt-ext.open]}" "${PER_REQUEST[bare-actix.open]}") x"
    echo "/open:      handwritten-jwt / bare-actix    = $(ratio "${PER_REQUEST[handwritten-jwt.open]}" "${PER_REQUEST[bare-actix.open]}") x"
fi

# The profile of GET /protected.
if [[ " $ROUTES " == *" protected "* ]]; then
    for name in actix-jwt-ext handwritten-jwt; do
        callgrind_annotate --inclusive=yes --threshold=100 "$OUT/$name.protected.$N2.out" \
            >"$OUT/$name.protected.$N2.inclusive.txt" 2>/dev/null
        callgrind_annotate --threshold=100 "$OUT/$name.protected.$N2.out" \
            >"$OUT/$name.protected.$N2.self.txt" 2>/dev/null
        callgrind_annotate --inclusive=yes --threshold=100 "$OUT/$name.protected.$N1.out" \
            >"$OUT/$name.protected.$N1.inclusive.txt" 2>/dev/null
        callgrind_annotate --threshold=100 "$OUT/$name.protected.$N1.out" \
            >"$OUT/$name.protected.$N1.self.txt" 2>/dev/null
        python3 bench/profile_diff.py \
            "$OUT/$name.protected.$N1.inclusive.txt" "$OUT/$name.protected.$N2.inclusive.txt" \
            "$((N2 - N1))" 100000 >"$OUT/$name.protected.per-request.inclusive.txt"
        python3 bench/profile_diff.py --by-function \
            "$OUT/$name.protected.$N1.self.txt" "$OUT/$name.protected.$N2.self.txt" \
            "$((N2 - N1))" 100000 >"$OUT/$name.protected.per-request.self.txt"
    done
    echo
    echo "profile files in $OUT:"
    echo "  actix-jwt-ext.protected.$N2.inclusive.txt      callgrind_annotate --inclusive=yes, N2 run"
    echo "  <server>.protected.per-request.{inclusive,self}.txt  per-request instructions of every function"
    echo
    echo "== actix-jwt-ext GET /protected: top $TOP functions, inclusive, callgrind_annotate of the N2 run"
    awk '/file:function/ { on = 1; getline; next } on && NF { print; if (++n >= '"$TOP"') exit }' \
        "$OUT/actix-jwt-ext.protected.$N2.inclusive.txt" | cut -c1-200
    echo
    echo "== actix-jwt-ext GET /protected: per request (N2 run - N1 run) / $((N2 - N1)), inclusive"
    head -n "$((TOP + 1))" "$OUT/actix-jwt-ext.protected.per-request.inclusive.txt" | cut -c1-200
    echo
    echo "== actix-jwt-ext GET /protected: per request, self"
    head -n "$((TOP + 1))" "$OUT/actix-jwt-ext.protected.per-request.self.txt" | cut -c1-200
    echo
    echo "== handwritten-jwt GET /protected: per request, inclusive"
    head -n "$((TOP + 1))" "$OUT/handwritten-jwt.protected.per-request.inclusive.txt" | cut -c1-200
fi
