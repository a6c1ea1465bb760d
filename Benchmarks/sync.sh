#!/usr/bin/env bash
# The sync engine on a generated tree (default 20,000 files in 1,000 folders, 1–8 KiB each): first sync
# and no-change sync against an emulator in a separate process, Drive API calls per file, the client's
# peak resident memory; rsync -a on the same tree in the same run for comparison.
#
#   bash Benchmarks/sync.sh [FILES] [FOLDERS] [debug|release]
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-20000}
folders=${2:-1000}
configuration=${3:-release}
source Benchmarks/common.sh "$configuration"

generate_small_files "$work/tree" "$files" "$folders"
bytes=$(du -sb "$work/tree" | cut -f1)

start_emulator --in-memory
export DRIVESYNC_HOME="$work/home"

# Runs a sync; prints "seconds peak_rss_kib".
timed_sync() {
    /usr/bin/time -f '%e %M' -o "$work/time" "$binary" sync "$work/tree" bench:Bench --config "$work/config.ini" --transfers 16 >/dev/null
    cat "$work/time"
}

reset_calls
read -r first_seconds first_rss < <(timed_sync)
first_calls=$(calls)
reset_calls
read -r again_seconds again_rss < <(timed_sync)
again_calls=$(calls)
reset_calls
read -r steady_seconds steady_rss < <(timed_sync)
steady_calls=$(calls)
rsync_first=$(timed rsync -a "$work/tree/" "$work/rsync/")
rsync_again=$(timed rsync -a "$work/tree/" "$work/rsync/")

printf 'build: %s, tree: %d files in %d folders, %d MiB\n' "$configuration" "$files" "$folders" $((bytes / 1048576))
printf 'first sync:     %6.1f s  %6d API calls (%.2f per file)  peak RSS %d MiB\n' "$first_seconds" "$first_calls" \
    "$(echo "$first_calls / $files" | bc -l)" $((first_rss / 1024))
printf 'no-change sync: %6.1f s  %6d API calls  peak RSS %d MiB  (right after the first: its own changes are in the feed)\n' \
    "$again_seconds" "$again_calls" $((again_rss / 1024))
printf 'no-change sync: %6.1f s  %6d API calls  peak RSS %d MiB  (steady state)\n' "$steady_seconds" "$steady_calls" $((steady_rss / 1024))
printf 'rsync -a:       %6.1f s first, %.1f s no change (local disk to local disk)\n' "$rsync_first" "$rsync_again"
