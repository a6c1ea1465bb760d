#!/usr/bin/env bash
# Runs the DriveAPI client benchmark against an emulator process.
#   bash Benchmarks/driveapi.sh [SIZE_MIB] [release|debug] [CHUNK_MIB...]
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1024}
configuration=${2:-release}
shift $(( $# > 2 ? 2 : $# ))
chunks=("${@:-1 4 8 16 32}")
swift build -c "$configuration" --product drivesync >/dev/null
swift build -c "$configuration" --product DriveAPIBenchmark >/dev/null
work=$(mktemp -d)
".build/$configuration/drivesync" emulator --data "$work" --user bench@example.com --token bench >"$work/out" 2>&1 &
server=$!
trap 'kill $server; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/out" ] && break; sleep 0.1; done
echo "build: $configuration"
# shellcheck disable=SC2086
".build/$configuration/DriveAPIBenchmark" "$(head -1 "$work/out")" bench "$size" ${chunks[*]}
