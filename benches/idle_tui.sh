#!/usr/bin/env bash
# The idle TUI on `large`, as README "An idle TUI on a large, busy cluster"
# measures it: one simulator, the TUI open on the Overview against it
# through a kubeconfig (so the simulator's own cost stays out), then the
# TUI's CPU over WINDOW seconds after SETTLE seconds, and its RSS every 30 s.
#
#   benches/idle_tui.sh [BIN] [SETTLE] [WINDOW]
#
# BIN defaults to target/release/egscope (build it first:
# `cargo build --release`, or `--profile profiling` for perf). Needs tmux.
# Run two builds one after the other on the same machine to compare them.
set -euo pipefail
BIN=$(realpath "${1:-target/release/egscope}")
SETTLE=${2:-100}
WINDOW=${3:-60}
DIR=$(mktemp -d)
trap 'tmux kill-session -t egscope-idle 2>/dev/null || true; kill "$SIM" ${PID:-} 2>/dev/null || true; rm -rf "$DIR"' EXIT
"$BIN" sim --scenario large --kubeconfig-out "$DIR/kc.yaml" >"$DIR/sim.out" 2>&1 &
SIM=$!
for _ in $(seq 100); do [ -s "$DIR/kc.yaml" ] && break; sleep 0.2; done
tmux new-session -d -s egscope-idle -x 200 -y 50 \
  "KUBECONFIG=$DIR/kc.yaml HOME=$DIR $BIN 2>/dev/null"
sleep 2
PID=$(pgrep -f "^$BIN$" | head -1)
rss() { echo $(( $(awk '/VmRSS/ {print $2}' /proc/"$PID"/status) / 1024 )); }
cpu() { awk '{print $14 + $15}' /proc/"$PID"/stat; }
t=2; trace=""
while [ "$t" -lt "$SETTLE" ]; do sleep 30; t=$((t + 30)); trace="$trace ${t}s:$(rss)MB"; done
a=$(cpu); r0=$(rss)
sleep "$WINDOW"
b=$(cpu); r1=$(rss)
ticks=$(getconf CLK_TCK)
echo "idle TUI on large: $(python3 -c "print(round(($b - $a) * 100 / $ticks / $WINDOW, 1))") % of a core over ${WINDOW}s after ${SETTLE}s; RSS $r0 -> $r1 MB; RSS trace$trace"
