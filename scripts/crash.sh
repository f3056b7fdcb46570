#!/bin/sh
# crash.sh runs the crash trials of the reliability suite many times: the
# one-shot sync and the daemon are each killed with SIGKILL at TRIALS
# seeded random moments, restarted, and checked. The figures in
# docs/RELIABILITY.md come from this script.
#
# Usage: scripts/crash.sh [TRIALS [SEED]]   (defaults: 200 trials, seed 1)
#
# Set LONG=1 to also run the fault cases that wait past the client's
# one-minute request timeout.
set -eu

trials=${1:-200}
seed=${2:-1}
long=false
if [ "${LONG:-0}" = 1 ]; then
	long=true
fi

cd "$(dirname "$0")/.."
# Each trial takes about two seconds per mode on a shared 2-core machine;
# the timeout leaves room for a loaded machine.
go test -count=1 -timeout "$((trials * 20 + 600))s" -v \
	-run 'TestCrash|TestSlowAnswer' ./reliability/ \
	-args -reliability.trials="$trials" -reliability.seed="$seed" -reliability.long="$long"
