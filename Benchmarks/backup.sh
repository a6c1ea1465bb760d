#!/usr/bin/env bash
# Backups on a generated tree (default 20,000 files in 1,000 folders, about 3 GB): first snapshot,
# no-change snapshot, first versioned and a second versioned after 1% of the files changed, each beside
# rsync -a (and rsync --link-dest for versions) on the same tree in the same run.
#
#   bash Benchmarks/backup.sh [FILES] [FOLDERS] [MEAN_KIB] [debug|release]
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-20000}
folders=${2:-1000}
mean_kib=${3:-150}
configuration=${4:-release}
source Benchmarks/common.sh "$configuration"

python3 - "$work/tree" "$files" "$folders" "$mean_kib" <<'PY'
import os, random, sys
root, files, folders, mean = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
random.seed(11)
block = os.urandom(1 << 20)
for index in range(files):
    folder = os.path.join(root, f"group{index % folders // 100:02d}", f"folder{index % folders:04d}")
    os.makedirs(folder, exist_ok=True)
    size = random.randint(1, 2 * mean) * 1024
    offset = random.randint(0, (1 << 20) - 1)
    with open(os.path.join(folder, f"file{index:06d}.bin"), "wb") as handle:
        while size > 0:
            piece = block[offset:offset + size] or block[:size]
            handle.write(piece)
            size -= len(piece)
            offset = 0
PY
bytes=$(du -sb "$work/tree" | cut -f1)
change_one_percent() {
    python3 - "$work/tree" "$files" <<'PY'
import os, sys
root, files = sys.argv[1], int(sys.argv[2])
paths = sorted(os.path.join(d, f) for d, _, names in os.walk(root) for f in names)
for path in paths[::100]:
    with open(path, "ab") as handle: handle.write(b"changed")
PY
}

mkdir -p "$work/rsync-versions"
sync
snapshot_first=$(timed "$binary" backup snapshot "$work/tree" --to "$work/snapshot")
rsync_first=$(timed rsync -a --delete "$work/tree/" "$work/rsync-mirror/")
# The no-change runs are short: five of each, alternating, and the median of each.
median() { sort -n | sed -n 3p; }
for run in 1 2 3 4 5; do
    timed "$binary" backup snapshot "$work/tree" --to "$work/snapshot" >>"$work/again-drivesync"
    timed rsync -a --delete "$work/tree/" "$work/rsync-mirror/" >>"$work/again-rsync"
done
snapshot_again=$(median <"$work/again-drivesync")
rsync_again=$(median <"$work/again-rsync")
versioned_first=$(timed "$binary" backup versioned "$work/tree" --to "$work/versions")
rsync_v1=$(timed rsync -a "$work/tree/" "$work/rsync-versions/1/")
change_one_percent
versioned_second=$(timed "$binary" backup versioned "$work/tree" --to "$work/versions")
rsync_v2=$(timed rsync -a --link-dest="$work/rsync-versions/1/" "$work/tree/" "$work/rsync-versions/2/")
second_version=$(ls "$work/versions" | grep -v json | tail -1)
used=$(du -sb "$work/versions" | cut -f1)

printf 'build: %s, tree: %d files in %d folders, %d MiB\n' "$configuration" "$files" "$folders" $((bytes / 1048576))
printf 'snapshot, first:            %6.1f s   rsync -a --delete:         %6.1f s\n' "$snapshot_first" "$rsync_first"
printf 'snapshot, no change:        %6.2f s   rsync -a --delete:         %6.2f s  (medians of 5)\n' "$snapshot_again" "$rsync_again"
printf 'versioned, first:           %6.1f s   rsync -a:                  %6.1f s\n' "$versioned_first" "$rsync_v1"
printf 'versioned, 1%% changed:      %6.1f s   rsync -a --link-dest:      %6.1f s\n' "$versioned_second" "$rsync_v2"
printf 'two versions on disk: %d MiB (the second costs only what changed: %s)\n' $((used / 1048576)) "$second_version"
