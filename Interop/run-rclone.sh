#!/usr/bin/env bash
# Runs rclone's drive backend against the emulator: bash Interop/run-rclone.sh
# rclone hard-codes Google's URLs, so it goes through a CONNECT proxy to the emulator's TLS listener,
# which presents a certificate for Google's hosts signed by a throw-away CA given to rclone as --ca-cert.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v rclone >/dev/null || { echo "interop skipped: rclone is not installed (apt-get install rclone)"; exit 0; }
swift build --product drivesync >/dev/null
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$work"' EXIT

source Interop/test-ca.sh
make_test_ca "$work"

.build/debug/drivesync emulator --in-memory --user rclone@example.com --token rclone-token \
    --tls-cert "$work/server.pem" --tls-key "$work/server.key" >"$work/emulator.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/emulator.out" ] && break; sleep 0.1; done
base=$(head -1 "$work/emulator.out")
emulator_port=${base##*:}
proxy_port=$((emulator_port + 1))
python3 Interop/connect_proxy.py "$proxy_port" "$emulator_port" >"$work/proxy.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q ready "$work/proxy.out" 2>/dev/null && break; sleep 0.1; done

export HTTPS_PROXY="http://127.0.0.1:$proxy_port"
export RCLONE_CONFIG_EMU_TYPE=drive
export RCLONE_CONFIG_EMU_SCOPE=drive
export RCLONE_CONFIG_EMU_CLIENT_ID=interop
export RCLONE_CONFIG_EMU_CLIENT_SECRET=interop
export RCLONE_CONFIG_EMU_TOKEN='{"access_token":"rclone-token","token_type":"Bearer","refresh_token":"none","expiry":"2099-01-01T00:00:00Z"}'
rc() { rclone --config /dev/null --ca-cert "$work/ca.pem" --low-level-retries 5 --retries 1 "$@"; }
# check DESCRIPTION COMMAND...: runs the command; a failure stops the script with the description.
check() {
    local description=$1
    shift
    if "$@"; then echo "ok - $description"; else echo "FAILED: $description"; exit 1; fi
}
admin() { curl -sS --cacert "$work/ca.pem" -X POST --data "$2" "https://127.0.0.1:$emulator_port/emulator/admin/$1" >/dev/null; }

mkdir -p "$work/src/sub"
echo "small file" >"$work/src/a.txt"
head -c 3000000 /dev/urandom >"$work/src/sub/big.bin"
rc copy "$work/src" emu:interop --drive-upload-cutoff 1M --drive-chunk-size 1M
check "multipart upload and download" test "$(rc cat emu:interop/a.txt)" = "small file"
check "resumable upload (chunked) and download" cmp <(rc cat emu:interop/sub/big.bin) "$work/src/sub/big.bin"
rc lsjson -R emu:interop >"$work/listing.json"
check "recursive listing" python3 -c 'import json,sys; names=sorted(e["Path"] for e in json.load(open(sys.argv[1]))); assert names==["a.txt","sub","sub/big.bin"], names' "$work/listing.json"

# A 503 on the second chunk of a resumable upload: rclone asks for the range and resumes.
head -c 3000000 /dev/urandom >"$work/src/sub/again.bin"
admin faults '{"method":"PUT","count":1,"path":"/upload/drive/v3/files","action":{"partialChunk":{"persistBytes":100000,"status":503}}}'
rc copy "$work/src" emu:interop --drive-upload-cutoff 1M --drive-chunk-size 1M
check "resumable upload resumed after an injected 503" cmp <(rc cat emu:interop/sub/again.bin) "$work/src/sub/again.bin"
check "rclone check (sizes and MD5s) agrees" rc check "$work/src" emu:interop

# rclone reads the changes feed; it reports changes under folders it knows, so write to the root.
(sleep 4; echo "later" >"$work/later.txt"; rc copyto "$work/later.txt" emu:later.txt) &
timeout 20 rclone --config /dev/null --ca-cert "$work/ca.pem" test changenotify emu: --poll-interval 1s -v >"$work/notify.log" 2>&1 || true
cat "$work/notify.log" >&2
check "changes feed (rclone test changenotify)" grep -q "later.txt" "$work/notify.log"
echo "all rclone checks passed"
