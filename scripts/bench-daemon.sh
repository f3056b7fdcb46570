#!/usr/bin/env bash
# Measures the daemon against its targets and prints a Markdown table, as
# recorded in docs/BENCHMARKS.md.
#
# Usage: scripts/bench-daemon.sh   (from anywhere in the repository)
#
# 1. BenchmarkFileToItem of package daemon: the time from the last write of
#    a new file to its media item, with settle_time 1s.
# 2. An idle daemon watching a tree of tiny photos that a one-shot sync
#    uploaded before. Once its first pass is done, the script reads the CPU
#    time it uses over IDLE_SECONDS (utime + stime from /proc/PID/stat) and
#    its memory (VmRSS and the peak VmHWM from /proc/PID/status). The
#    daemon talks to a separate `photosync emulator` process on 127.0.0.1,
#    so the numbers do not include the emulator's.
#
# Environment (defaults in brackets):
#   PHOTOSYNC_BENCH_TREE_FILES  photos in the watched tree [100000]
#   IDLE_SECONDS                length of the idle measurement [60]
#   BENCHTIME                   -benchtime of BenchmarkFileToItem [20x]
#
# Everything it writes goes to one temporary directory, removed at exit.
set -euo pipefail

cd "$(dirname "$0")/.."

tree_files=${PHOTOSYNC_BENCH_TREE_FILES:-100000}
idle_seconds=${IDLE_SECONDS:-60}
benchtime=${BENCHTIME:-20x}

work=$(mktemp -d "${TMPDIR:-/tmp}/photosync-bench-daemon.XXXXXX")
emulator_pid="" daemon_pid=""
cleanup() {
	for pid in $daemon_pid $emulator_pid; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

log() { echo "bench-daemon.sh: $*" >&2; }
fail() {
	log "$*"
	exit 1
}

# cpu_ticks PID: prints the process's user plus system CPU time in clock
# ticks, from fields 14 and 15 of /proc/PID/stat. The fields count from 1,
# which is correct because the command name in field 2 has no spaces.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# status_kib PID FIELD: prints a memory field of /proc/PID/status in KiB.
status_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

log "building"
go build -o "$work/photosync" ./cmd/photosync
go build -o "$work/benchtree" ./bench/cmd/benchtree

started=$(date -u '+%Y-%m-%d %H:%M UTC')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

log "running BenchmarkFileToItem (-benchtime $benchtime)"
go test -run '^$' -bench FileToItem -benchtime "$benchtime" ./daemon/ | tee "$work/go-bench.txt" >&2
latency_median=$(awk '/^BenchmarkFileToItem/ { for (i = 4; i <= NF; i++) if ($i == "ms-median") print $(i - 1) }' "$work/go-bench.txt")
latency_p90=$(awk '/^BenchmarkFileToItem/ { for (i = 4; i <= NF; i++) if ($i == "ms-p90") print $(i - 1) }' "$work/go-bench.txt")

log "writing $tree_files photos"
"$work/benchtree" -root "$work/tree" -dirs 20 -files "$tree_files" -side 16 >&2

"$work/photosync" emulator --daily-quota -1 --log-level warn >"$work/emulator.url" 2>"$work/emulator.log" &
emulator_pid=$!
for _ in $(seq 100); do
	[[ -s $work/emulator.url ]] && break
	sleep 0.1
done
emulator_url=$(head -1 "$work/emulator.url")
[[ $emulator_url == http://127.0.0.1:* ]] || fail "emulator did not start: $(cat "$work/emulator.log")"

umask 077
cat >"$work/client_secret.json" <<JSON
{"installed": {"client_id": "photosync-bench.apps.googleusercontent.com", "client_secret": "bench"}}
JSON
cat >"$work/token.json" <<JSON
{"access_token": "", "refresh_token": "bench"}
JSON
cat >"$work/config.yaml" <<YAML
state_dir: $work/state
socket: $work/photosync.sock
api:
  endpoint: $emulator_url/
  token_url: $emulator_url/token
  credentials_file: $work/client_secret.json
  token_file: $work/token.json
folders:
  - path: $work/tree
settle_time: 1s
quota:
  # The emulator's quota is off; uploading the tree needs more than one
  # day of Google's default.
  daily_limit: 10000000
log:
  level: warn
  format: json
YAML
umask 022
ps_cmd=("$work/photosync" --config "$work/config.yaml")

log "uploading the tree with one sync"
"${ps_cmd[@]}" sync >"$work/sync.out" 2>"$work/sync.err" || fail "sync failed: $(cat "$work/sync.out" "$work/sync.err")"

log "starting the daemon"
"${ps_cmd[@]}" daemon 2>"$work/daemon.log" &
daemon_pid=$!
ready_start=$EPOCHREALTIME
for _ in $(seq 6000); do
	if status=$("${ps_cmd[@]}" status --json 2>/dev/null) &&
		jq -e --argjson n "$tree_files" \
			'.folders[0] | .state == "idle" and .last_scan != null and .in_sync == $n' <<<"$status" >/dev/null; then
		break
	fi
	kill -0 "$daemon_pid" 2>/dev/null || fail "daemon exited: $(cat "$work/daemon.log")"
	sleep 0.1
done
first_pass_s=$(awk -v a="$ready_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
jq -e '.folders[0].state == "idle"' <<<"$status" >/dev/null || fail "daemon did not finish its first pass: $status"

log "measuring the idle daemon for $idle_seconds s"
ticks_per_s=$(getconf CLK_TCK)
before=$(cpu_ticks "$daemon_pid")
sleep "$idle_seconds"
after=$(cpu_ticks "$daemon_pid")
cpu_percent=$(awk -v d=$((after - before)) -v hz="$ticks_per_s" -v s="$idle_seconds" \
	'BEGIN { printf "%.2f", 100 * d / hz / s }')
rss_mib=$(awk -v k="$(status_kib "$daemon_pid" VmRSS)" 'BEGIN { printf "%.0f", k / 1024 }')
hwm_mib=$(awk -v k="$(status_kib "$daemon_pid" VmHWM)" 'BEGIN { printf "%.0f", k / 1024 }')

kill -TERM "$daemon_pid"
stop_code=0
wait "$daemon_pid" || stop_code=$?
daemon_pid=""
((stop_code == 0)) || fail "daemon exited with $stop_code after SIGTERM: $(tail -5 "$work/daemon.log")"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print v < t ? "met" : "missed" }'; }

cat <<MD

Run of $started, $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')),
$(go version | cut -d' ' -f3-), load average $load_before at the start and $load_after at the end.

| measure | value | target | result |
| --- | --- | --- | --- |
| last write to media item, median ($benchtime) | $latency_median ms | under 2000 ms (settle 1 s + 1 s) | $(verdict "$latency_median" 2000) |
| last write to media item, 90th percentile | $latency_p90 ms | - | - |
| first pass of the daemon over $tree_files synced files | $first_pass_s s | - | - |
| CPU of the idle daemon over $idle_seconds s | $cpu_percent % of one core | under 1 % | $(verdict "$cpu_percent" 1) |
| memory of the idle daemon (VmRSS, peak VmHWM) | $rss_mib MiB, peak $hwm_mib MiB | - | - |
MD
