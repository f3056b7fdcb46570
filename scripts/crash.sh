#!/bin/sh
# crash.sh runs the crash trials of the reliability suite many times. Each
# kind is killed with SIGKILL at TRIALS seeded random moments, restarted,
# and checked: the one-shot sync and the daemon over an upload-only, a
# download-only and a two-way folder, and the one-shot sync inside
# resumable upload sessions. TestCrashLargeDownloadSync kills the one-shot
# sync inside the throttled body of a large download. The figures in
# docs/RELIABILITY.md come from this script.
#
# Usage: scripts/crash.sh [TRIALS [SEED [PATTERN]]]
#   (defaults: 200 trials, seed 1, every crash test)
#
# PATTERN is a go test -run pattern that picks some of the tests, such as
# 'TestCrashTwoWay'. Set LONG=1 to also run the fault cases that wait past
# the client's one-minute request timeout.
set -eu

trials=${1:-200}
seed=${2:-1}
pattern=${3:-'TestCrash|TestSlowAnswer'}
long=false
if [ "${LONG:-0}" = 1 ]; then
	long=true
fi

cd "$(dirname "$0")/.."
# The eight crash tests take about 18 seconds per trial together on a
# shared 2-core machine (an estimate from the runs in docs/RELIABILITY.md);
# the timeout leaves room for a loaded machine.
go test -count=1 -timeout "$((trials * 40 + 600))s" -v \
	-run "$pattern" ./reliability/ \
	-args -reliability.trials="$trials" -reliability.seed="$seed" -reliability.long="$long"
