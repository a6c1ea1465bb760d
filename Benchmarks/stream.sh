#!/usr/bin/env bash
# Streaming a large file from Drive: `drivesync cat` of a 5 GiB file from an emulator in a separate
# process (plain, and with --checksum), its throughput and the client's peak resident memory, beside
# curl fetching the same bytes from the same emulator (the loopback ceiling).
#
#   bash Benchmarks/stream.sh [GIB] [debug|release]
set -euo pipefail
cd "$(dirname "$0")/.."
gib=${1:-5}
configuration=${2:-release}
source Benchmarks/common.sh "$configuration"
command -v curl >/dev/null || { echo "curl is needed: apt-get install curl" >&2; exit 1; }

mkdir -p "$work/upload"
expected=$(make_large_file "$work/upload/big.bin" "$gib")
bytes=$(stat -c %s "$work/upload/big.bin")

start_emulator --data "$work/emulator"
export DRIVESYNC_HOME="$work/home"
"$binary" copy "$work/upload" bench:Stream --config "$work/config.ini" >/dev/null
rm "$work/upload/big.bin"  # only the emulator's copy is read from here on
id=$("$binary" lsjson bench:Stream --config "$work/config.ini" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ID"])')

sync
/usr/bin/time -f '%e %M' -o "$work/curl-time" curl -sS -o /dev/null -H "Authorization: Bearer bench" "$url/drive/v3/files/$id?alt=media"
/usr/bin/time -f '%e %M' -o "$work/cat-time" "$binary" cat bench:Stream/big.bin --config "$work/config.ini" >/dev/null
/usr/bin/time -f '%e %M' -o "$work/checked-time" "$binary" cat bench:Stream/big.bin --checksum --config "$work/config.ini" >/dev/null
read -r curl_seconds _ <"$work/curl-time"
read -r cat_seconds cat_rss <"$work/cat-time"
read -r checked_seconds checked_rss <"$work/checked-time"
streamed=$("$binary" cat bench:Stream/big.bin --config "$work/config.ini" | md5sum | cut -d' ' -f1)

printf 'build: %s, file: %d MiB (MD5 %s)\n' "$configuration" $((bytes / 1048576)) "$([ "$streamed" = "$expected" ] && echo verified || echo MISMATCH)"
printf 'drivesync cat > /dev/null: %6.1f s  %6.0f MiB/s  peak RSS %d MiB\n' "$cat_seconds" "$(echo "$bytes / 1048576 / $cat_seconds" | bc -l)" $((cat_rss / 1024))
printf 'drivesync cat --checksum:  %6.1f s  %6.0f MiB/s  peak RSS %d MiB  (MD5 checked as it streams)\n' "$checked_seconds" "$(echo "$bytes / 1048576 / $checked_seconds" | bc -l)" $((checked_rss / 1024))
printf 'curl > /dev/null:          %6.1f s  %6.0f MiB/s  (the same bytes from the same emulator)\n' "$curl_seconds" "$(echo "$bytes / 1048576 / $curl_seconds" | bc -l)"
