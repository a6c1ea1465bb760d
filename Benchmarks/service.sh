#!/usr/bin/env bash
# The service under load: a large download through GET /drive/files/{id}/content beside `drivesync cat` of
# the same file from the same emulator (a separate process), with the service's peak resident memory;
# then requests per second and p99 latency of a cached listing and of /health/live under wrk on loopback.
#
#   bash Benchmarks/service.sh [GIB] [debug|release]
set -euo pipefail
cd "$(dirname "$0")/.."
gib=${1:-5}
configuration=${2:-release}
source Benchmarks/common.sh "$configuration"
for tool in curl wrk; do
    command -v "$tool" >/dev/null || { echo "$tool is needed: apt-get install $tool" >&2; exit 1; }
done

mkdir -p "$work/upload"
expected=$(make_large_file "$work/upload/big.bin" "$gib")
bytes=$(stat -c %s "$work/upload/big.bin")

start_emulator --data "$work/emulator"
export DRIVESYNC_HOME="$work/home"
"$binary" copy "$work/upload" bench:Stream --config "$work/config.ini" >/dev/null
rm "$work/upload/big.bin"
id=$("$binary" lsjson bench:Stream --config "$work/config.ini" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ID"])')

key=$("$binary" serve keys create bench --config "$work/config.ini" 2>/dev/null)
"$binary" serve --port 0 --config "$work/config.ini" >"$work/serve" 2>&1 &
service=$!
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; kill "$service" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 200); do grep -q "listening on" "$work/serve" && break; sleep 0.1; done
base=$(grep -o 'http://[^ ]*' "$work/serve" | head -1)
auth="Authorization: Bearer $key"

sync
/usr/bin/time -f '%e %M' -o "$work/cat-time" "$binary" cat bench:Stream/big.bin --config "$work/config.ini" >/dev/null
/usr/bin/time -f '%e' -o "$work/service-time" curl -sS -o /dev/null -H "$auth" "$base/drive/files/$id/content"
served=$(curl -sS -H "$auth" "$base/drive/files/$id/content" | md5sum | cut -d' ' -f1)
service_rss=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$service/status")
read -r cat_seconds cat_rss <"$work/cat-time"
read -r service_seconds <"$work/service-time"

# A listing the cache answers (the first request fills it), then the liveness probe.
curl -sS -o /dev/null -H "$auth" "$base/drive/files?path=Stream"
wrk -t2 -c32 -d10s --latency -H "$auth" "$base/drive/files?path=Stream" >"$work/wrk-listing"
wrk -t2 -c32 -d10s --latency "$base/health/live" >"$work/wrk-live"
rate() { awk '/Requests\/sec/ {print $2}' "$1"; }
p99() { awk '$1 == "99%" {print $2}' "$1"; }

mib=$((bytes / 1048576))
printf 'build: %s, file: %d MiB (MD5 %s through the service)\n' "$configuration" "$mib" "$([ "$served" = "$expected" ] && echo verified || echo MISMATCH)"
printf 'drivesync cat > /dev/null:          %6.1f s  %6.0f MiB/s  peak RSS %d MiB\n' "$cat_seconds" "$(echo "$mib / $cat_seconds" | bc -l)" $((cat_rss / 1024))
printf 'GET /drive/files/{id}/content:      %6.1f s  %6.0f MiB/s  service peak RSS %d MiB (%.0f%% of cat'"'"'s throughput)\n' "$service_seconds" "$(echo "$mib / $service_seconds" | bc -l)" "$service_rss" "$(echo "100 * $cat_seconds / $service_seconds" | bc -l)"
printf 'cached listing (wrk -t2 -c32 10 s): %8s requests/s  p99 %s\n' "$(rate "$work/wrk-listing")" "$(p99 "$work/wrk-listing")"
printf '/health/live   (wrk -t2 -c32 10 s): %8s requests/s  p99 %s\n' "$(rate "$work/wrk-live")" "$(p99 "$work/wrk-live")"
