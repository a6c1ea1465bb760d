#!/usr/bin/env bash
# Pulls of a generated tree (default 20,000 files in 1,000 folders, 1–8 KiB each) from an emulator in a
# separate process: the first pull, then no-change pulls, with their Drive API calls and the client's
# peak resident memory. The tree is put on the emulator with drivesync sync first.
#
#   bash Benchmarks/pull.sh [FILES] [FOLDERS] [debug|release]
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-20000}
folders=${2:-1000}
configuration=${3:-release}
source Benchmarks/common.sh "$configuration"
command -v curl >/dev/null || { echo "curl is needed: apt-get install curl" >&2; exit 1; }

generate_small_files "$work/tree" "$files" "$folders"

start_emulator --in-memory
export DRIVESYNC_HOME="$work/home"
"$binary" sync "$work/tree" bench:Tree --config "$work/config.ini" --transfers 16 >/dev/null

# Runs a pull; prints "seconds peak_rss_kib calls".
timed_pull() {
    reset_calls
    /usr/bin/time -f '%e %M' -o "$work/time" "$binary" pull bench:Tree "$work/pulled" --config "$work/config.ini" --transfers 16 >/dev/null
    echo "$(cat "$work/time") $(calls)"
}
read -r first_seconds first_rss first_calls < <(timed_pull)
read -r again_seconds again_rss again_calls < <(timed_pull)
read -r steady_seconds steady_rss steady_calls < <(timed_pull)
diff -r -x .drivesync "$work/tree" "$work/pulled" >/dev/null && same=identical || same=DIFFERENT
rsync_first=$(timed rsync -a "$work/tree/" "$work/rsync/")
rsync_again=$(timed rsync -a "$work/tree/" "$work/rsync/")

printf 'build: %s, tree: %d files in %d folders (pulled tree %s to the source)\n' "$configuration" "$files" "$folders" "$same"
printf 'first pull:     %6.1f s  %6d API calls  peak RSS %d MiB\n' "$first_seconds" "$first_calls" $((first_rss / 1024))
printf 'no-change pull: %6.2f s  %6d API calls  peak RSS %d MiB  (right after the first)\n' "$again_seconds" "$again_calls" $((again_rss / 1024))
printf 'no-change pull: %6.2f s  %6d API calls  peak RSS %d MiB  (steady state)\n' "$steady_seconds" "$steady_calls" $((steady_rss / 1024))
printf 'rsync -a:       %6.1f s first, %.2f s no change (local disk to local disk)\n' "$rsync_first" "$rsync_again"
