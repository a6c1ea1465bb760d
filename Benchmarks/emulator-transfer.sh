#!/usr/bin/env bash
# Measures the emulator's upload and download throughput over loopback and the server's peak resident
# memory on one large transfer (default 2 GiB), with curl as the client in a separate process.
#
#   bash Benchmarks/emulator-transfer.sh [SIZE_MIB] [debug|release]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-2048}
configuration=${2:-release}

swift build -c "$configuration" --product drivesync >/dev/null
binary=".build/$configuration/drivesync"
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

"$binary" emulator --data "$work/data" --user bench@example.com --token bench >"$work/out" 2>&1 &
server=$!
for _ in $(seq 100); do [ -s "$work/out" ] && break; sleep 0.1; done
url=$(head -1 "$work/out")
rss() { awk '/^'"$1"':/ {print $2}' "/proc/$server/status"; }
baseline=$(rss VmRSS)

truncate -s "${size_mib}M" "$work/payload"
bytes=$((size_mib * 1024 * 1024))
location=$(curl -sS -D - -o /dev/null -X POST -H "Authorization: Bearer bench" \
    -H "Content-Type: application/json" -H "X-Upload-Content-Length: $bytes" \
    --data '{"name":"payload.bin"}' "$url/upload/drive/v3/files?uploadType=resumable&fields=id,size" |
    awk 'tolower($1) == "location:" {print $2}' | tr -d '\r')

start=$(date +%s.%N)
id=$(curl -sS -H "Authorization: Bearer bench" -T "$work/payload" "$location" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
upload_seconds=$(echo "$(date +%s.%N) - $start" | bc)
after_upload=$(rss VmHWM)

start=$(date +%s.%N)
curl -sS -H "Authorization: Bearer bench" -o /dev/null "$url/drive/v3/files/$id?alt=media"
download_seconds=$(echo "$(date +%s.%N) - $start" | bc)
peak=$(rss VmHWM)

printf 'build: %s, transfer: %d MiB over loopback (curl client)\n' "$configuration" "$size_mib"
printf 'upload (one resumable PUT): %.1f MiB/s (%.1f s)\n' "$(echo "$size_mib / $upload_seconds" | bc -l)" "$upload_seconds"
printf 'download (alt=media): %.1f MiB/s (%.1f s)\n' "$(echo "$size_mib / $download_seconds" | bc -l)" "$download_seconds"
printf 'server RSS: %d MiB at start, peak %d MiB after upload, peak %d MiB after download (growth %d MiB)\n' \
    $((baseline / 1024)) $((after_upload / 1024)) $((peak / 1024)) $(((peak - baseline) / 1024))
