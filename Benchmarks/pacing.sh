#!/usr/bin/env bash
# Pacing against Drive's limits: a first sync of a generated tree (default 240 files of 1–8 KiB in 8
# folders) to an emulator started with `--limits drive` (3 sustained writes per second per user, a burst
# of 10, 12,000 queries per minute), with the account's `pacing = drive`. Prints the sync's exit status,
# the rate-limit answers the client met (each retried, none surfaced), the writes the emulator counted
# and the achieved writes per second.
#
#   bash Benchmarks/pacing.sh [FILES] [FOLDERS] [debug|release] [drive|none]
# (pacing none shows what the limits do to a client that does not pace)
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-240}
folders=${2:-8}
configuration=${3:-release}
pacing=${4:-drive}
source Benchmarks/common.sh "$configuration"

generate_small_files "$work/tree" "$files" "$folders"
start_emulator --in-memory --limits drive
export DRIVESYNC_HOME="$work/home"

reset_calls
status=0
start=$(date +%s.%N)
DRIVESYNC_LOG_LEVEL=info "$binary" sync "$work/tree" bench:Bench --config "$work/config.ini" --transfers 8 \
    >"$work/sync.out" 2>"$work/sync.err" || status=$?
end=$(date +%s.%N)
seconds=$(echo "$end - $start" | bc -l)
writes=$(writes)
rate_limited=$(refusals)
failed=$(grep -c '"status":"fail"' "$work/home/logs/uploads.jsonl" 2>/dev/null || true)

printf 'build: %s, tree: %d files in %d folders; emulator --limits drive; pacing = %s\n' "$configuration" "$files" "$folders" "$pacing"
printf 'sync exit status: %d (0: every file synced)\n' "$status"
printf 'failed uploads logged: %d\n' "$failed"
printf 'rate-limit answers met and retried: %d\n' "$rate_limited"
accepted=$((writes - rate_limited))
printf 'writes accepted: %d in %.1f s = %.2f writes/s (Drive allows 3/s sustained, a burst of 10)\n' "$accepted" \
    "$seconds" "$(echo "$accepted / $seconds" | bc -l)"
tail -3 "$work/sync.out"
