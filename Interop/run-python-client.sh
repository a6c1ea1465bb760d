#!/usr/bin/env bash
# Runs Google's Python client against a fresh emulator process: bash Interop/run-python-client.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c "import googleapiclient" 2>/dev/null; then
    # PyPI may be out of reach; the interop check is then skipped, never failed.
    pip install -q google-api-python-client 2>/dev/null || { echo "interop skipped: google-api-python-client could not be installed"; exit 0; }
fi
swift build --product drivesync >/dev/null
work=$(mktemp -d)
.build/debug/drivesync emulator --in-memory --user py@example.com --token py-token >"$work/out" 2>&1 &
server=$!
trap 'kill $server; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/out" ] && break; sleep 0.1; done
python3 Interop/python_client.py "$(head -1 "$work/out")" py-token
