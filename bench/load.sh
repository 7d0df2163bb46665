#!/usr/bin/env bash
# HTTP load with wrk: the crate's bench_server example, handwritten-jwt and bare-actix (release
# builds, one worker each), each pinned to core 0, wrk pinned to core 1. Rounds are
# interleaved (every round runs every server once per route, in a rotating order), so drift of
# a noisy machine hits all three alike; the medians of the rounds are compared.
#
#   bash bench/load.sh                                  # 5 rounds x 2 routes x 3 servers x 4 s
#   ROUNDS=3 DURATION=3 ROUTES=protected CONNECTIONS=16 bash bench/load.sh
#
# Bounded: ROUNDS x routes x 3 x DURATION seconds of load (2 minutes by default) plus start-up.
# Needs wrk (installed with apt-get when missing and running as root), taskset and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-4}
CONNECTIONS=${CONNECTIONS:-8}
ROUTES=${ROUTES:-"protected open"}
TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
OUT=${OUT:-$TARGET_DIR/load}
export JWT_SECRET_KEY=${JWT_SECRET_KEY:-bench-secret-0123456789abcdef0123456789abcdef}
export RUST_LOG=off
export PORT=0

if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq wrk >/dev/null
    else
        echo "wrk is missing: apt-get install -y wrk" >&2
        exit 1
    fi
fi
if [ "$(nproc)" -lt 2 ]; then
    echo "note: fewer than 2 cores; server and wrk share a core" >&2
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

NAMES=(actix-jwt-ext handwritten-jwt bare-actix)
declare -A BINARY=(
    [actix-jwt-ext]=$BIN/examples/bench_server
    [handwritten-jwt]=$BIN/handwritten-jwt
    [bare-actix]=$BIN/bare-actix
)
declare -A ADDR PID
cleanup() {
    for name in "${!PID[@]}"; do
        kill -TERM "${PID[$name]}" 2>/dev/null || true
    done
}
trap cleanup EXIT

for name in "${NAMES[@]}"; do
    taskset -c 0 "${BINARY[$name]}" >"$OUT/$name.addr" 2>"$OUT/$name.log" &
    PID[$name]=$!
    for _ in $(seq 1 100); do
        ADDR[$name]=$(head -n1 "$OUT/$name.addr" 2>/dev/null || true)
        [ -n "${ADDR[$name]}" ] && break
        sleep 0.1
    done
    [ -n "${ADDR[$name]}" ] || { echo "$name did not start" >&2; cat "$OUT/$name.log" >&2; exit 1; }
done

routes=($ROUTES)
echo "load: $ROUNDS rounds x ${#routes[@]} routes x ${#NAMES[@]} servers x ${DURATION}s," \
    "wrk -t1 -c$CONNECTIONS on core $CLIENT_CORE, servers on core 0"
RESULTS=$OUT/results.tsv
: >"$RESULTS"
for round in $(seq 1 "$ROUNDS"); do
    for route in "${routes[@]}"; do
        for i in 0 1 2; do
            name=${NAMES[$(((i + round) % 3))]}
            log=$OUT/$name.$route.$round.wrk
            timeout $((DURATION + 30)) taskset -c "$CLIENT_CORE" wrk -t1 -c"$CONNECTIONS" \
                -d"${DURATION}s" -H "Authorization: Bearer $TOKEN" \
                "http://${ADDR[$name]}/$route" >"$log"
            if grep -q "Non-2xx" "$log"; then
                echo "$name /$route answered errors:" >&2
                cat "$log" >&2
                exit 1
            fi
            rps=$(awk '/^Requests\/sec:/ { print $2 }' "$log")
            printf '%s\t%s\t%s\t%s\n' "$round" "$route" "$name" "$rps" >>"$RESULTS"
            printf 'round %d  %-16s /%-10s %10.0f req/s\n' "$round" "$name" "$route" "$rps"
        done
    done
done

python3 - "$RESULTS" <<'EOF'
import statistics
import sys
from collections import defaultdict

rps = defaultdict(list)
for line in open(sys.argv[1]):
    _, route, name, value = line.split("\t")
    rps[(route, name)].append(float(value))
median = {k: statistics.median(v) for k, v in rps.items()}
print()
print(f"{'server':<16} {'route':<11} {'median req/s':>13} {'min':>10} {'max':>10}")
for (route, name), values in sorted(rps.items()):
    print(f"{name:<16} /{route:<10} {median[(route, name)]:>13.0f} {min(values):>10.0f} {max(values):>10.0f}")
print()
for route in sorted({r for r, _ in rps}):
    ours = median.get((route, "actix-jwt-ext"))
    for base in ("handwritten-jwt", "bare-actix"):
        other = median.get((route, base))
        if ours and other:
            print(f"/{route}: actix-jwt-ext / {base} = {ours / other:.3f} x req/s (higher is better)")
EOF
