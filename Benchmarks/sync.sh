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

python3 - "$work/tree" "$files" "$folders" <<'PY'
import os, random, sys
root, files, folders = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(7)
for index in range(files):
    folder = os.path.join(root, f"group{index % folders // 100:02d}", f"folder{index % folders:04d}")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"file{index:06d}.txt"), "wb") as handle:
        handle.write(random.randbytes(random.randint(1024, 8192)))
PY
bytes=$(du -sb "$work/tree" | cut -f1)

"$binary" emulator --in-memory --user bench@example.com --token bench >"$work/out" 2>&1 &
server=$!
for _ in $(seq 100); do [ -s "$work/out" ] && break; sleep 0.1; done
url=$(head -1 "$work/out")
printf '[account bench]\nendpoint = %s\naccess_token = bench\n' "$url" >"$work/config.ini"
export DRIVESYNC_HOME="$work/home"

calls() { curl -sS "$url/emulator/admin/calls" | python3 -c 'import json,sys; print(sum(json.load(sys.stdin).values()))'; }
# Runs a sync; prints "seconds peak_rss_kib".
timed_sync() {
    /usr/bin/time -f '%e %M' -o "$work/time" "$binary" sync "$work/tree" bench:Bench --config "$work/config.ini" --transfers 16 >/dev/null
    cat "$work/time"
}

curl -sS -X DELETE "$url/emulator/admin/calls" >/dev/null
read -r first_seconds first_rss < <(timed_sync)
first_calls=$(calls)
curl -sS -X DELETE "$url/emulator/admin/calls" >/dev/null
read -r again_seconds again_rss < <(timed_sync)
again_calls=$(calls)
curl -sS -X DELETE "$url/emulator/admin/calls" >/dev/null
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
