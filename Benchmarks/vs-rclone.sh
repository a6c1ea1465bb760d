#!/usr/bin/env bash
# DriveSync and rclone side by side on one emulator, both over HTTPS to its TLS listener (rclone through
# a CONNECT proxy, as Interop/run-rclone.sh does; DriveSync trusting the test CA with ca_certificate):
# a first sync of a generated tree, a no-change re-sync, an incremental re-sync (100 files edited, 50
# removed, 50 added), one large file, and a smaller tree under Drive's limits (`--limits drive`, each tool
# pacing as it does against Google). Prints each tool's wall time, CPU (user + system), peak RSS, the
# emulator's calls and CPU for the run; under the limits, the rate-limit answers each tool met.
#
#   bash Benchmarks/vs-rclone.sh [FILES] [FOLDERS] [LARGE_GIB] [LIMITED_FILES] [debug|release]
# Defaults: 20,000 files in 1,000 folders, 5 GiB, 600 files, release. LARGE_GIB 0 leaves the large file out.
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-20000}
folders=${2:-1000}
large_gib=${3:-5}
limited_files=${4:-600}
configuration=${5:-release}
command -v rclone >/dev/null || { echo "rclone is needed: apt-get install rclone" >&2; exit 1; }
source Benchmarks/common.sh "$configuration"
source Interop/test-ca.sh
make_test_ca "$work"
ca_certificate="$work/ca.pem"
proxy=""
trap 'kill $server $proxy 2>/dev/null; rm -rf "$work"' EXIT
export DRIVESYNC_HOME="$work/home"
transfers=8
clock_ticks=$(getconf CLK_TCK)

# Starts the emulator (arguments as start_emulator's) on TLS, and the proxy rclone reaches it through.
start_tls_emulator() {
    [ -z "$server" ] || kill $server $proxy
    start_emulator "$@" --tls-cert "$work/server.pem" --tls-key "$work/server.key"
    printf '[defaults]\nremovals = trash\nreplaced = revision\n' >>"$work/config.ini"
    local proxy_port=$((${url##*:} + 1))
    python3 Interop/connect_proxy.py "$proxy_port" "${url##*:}" >"$work/proxy.out" 2>&1 &
    proxy=$!
    for _ in $(seq 100); do grep -q ready "$work/proxy.out" 2>/dev/null && break; sleep 0.1; done
    export HTTPS_PROXY="http://127.0.0.1:$proxy_port"
}

export RCLONE_CONFIG_EMU_TYPE=drive RCLONE_CONFIG_EMU_SCOPE=drive RCLONE_CONFIG_EMU_CLIENT_ID=bench
export RCLONE_CONFIG_EMU_CLIENT_SECRET=bench
export RCLONE_CONFIG_EMU_TOKEN='{"access_token":"bench","token_type":"Bearer","refresh_token":"none","expiry":"2099-01-01T00:00:00Z"}'
# Drive's own pacer off (as DriveSync's pacing = none), except under the limits.
rclone_unpaced=(--drive-pacer-min-sleep 0 --drive-pacer-burst 1000)
rclone_sync=(rclone --config /dev/null --ca-cert "$ca_certificate" sync --transfers $transfers --checkers 8)
drivesync_sync=("$binary" sync --config "$work/config.ini" --transfers $transfers --checkers 8)

emulator_cpu() { awk -v ticks="$clock_ticks" '{ printf "%.2f", ($14 + $15) / ticks }' "/proc/$server/stat"; }

# measure PHASE TOOL COMMAND...: runs the command with the emulator's counters reset and prints a row.
measure() {
    local phase=$1 tool=$2
    shift 2
    reset_calls
    local before status=0
    before=$(emulator_cpu)
    /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" >"$work/$tool.out" 2>"$work/$tool.err" || status=$?
    read -r seconds user system rss < <(tail -1 "$work/time")
    printf '%-26s %-9s %8.1fs %8.1fs %5d MiB %8d %9.1fs  %s\n' "$phase" "$tool" "$seconds" \
        "$(echo "$user + $system" | bc -l)" $((rss / 1024)) "$(calls)" "$(echo "$(emulator_cpu) - $before" | bc -l)" \
        "$([ $status = 0 ] && echo ok || echo "exit $status")"
}

# Both tools on one phase: DriveSync to bench:DriveSync/NAME, rclone to emu:rclone/NAME.
both() {
    local phase=$1 source=$2 name=$3
    measure "$phase" drivesync "${drivesync_sync[@]}" "$source" "bench:DriveSync/$name" --delete
    measure "$phase" rclone "${rclone_sync[@]}" "$source" "emu:rclone/$name" "${rclone_unpaced[@]}"
}

generate_small_files "$work/tree" "$files" "$folders"
start_tls_emulator --in-memory
echo "tree: $files files in $folders folders, $(($(du -sb "$work/tree" | cut -f1) / 1048576)) MiB; build: $configuration; --transfers $transfers"
printf '%-26s %-9s %9s %9s %9s %8s %10s  %s\n' phase tool time CPU "peak RSS" calls "emu CPU" status
both "first sync" "$work/tree" tree
# The first no-change run reads the feed's record of both first syncs; the second is the steady state.
both "no-change re-sync" "$work/tree" tree
both "no-change, steady" "$work/tree" tree

# 100 files edited, 50 removed, 50 added, spread over the tree.
python3 - "$work/tree" <<'PY'
import os, random, sys
root = sys.argv[1]
paths = sorted(os.path.join(d, f) for d, _, names in os.walk(root) for f in names)
random.seed(11)
chosen = random.sample(paths, 150)
for path in chosen[:100]:
    with open(path, "ab") as handle:
        handle.write(random.randbytes(512))
for path in chosen[100:]:
    os.remove(path)
for index in range(50):
    with open(os.path.join(os.path.dirname(chosen[index]), f"added{index:03d}.txt"), "wb") as handle:
        handle.write(random.randbytes(2048))
PY
both "incremental (200 changed)" "$work/tree" tree

if [ "$large_gib" -gt 0 ]; then
    mkdir -p "$work/large"
    make_large_file "$work/large/large.bin" "$large_gib" >/dev/null
    both "$large_gib GiB file" "$work/large" large
    rm -rf "$work/large"
fi

# Under Drive's limits each tool paces as it would against Google: DriveSync's pacing = drive, rclone's
# own pacer. The emulator counts the calls it refused for the limits.
pacing=drive start_tls_emulator --in-memory --limits drive
generate_small_files "$work/limited" "$limited_files" 20
# limited TOOL COMMAND...: a row, then the tool's refusals and the rate of writes the emulator accepted.
limited() {
    local tool=$1
    shift
    measure "$limited_files files, limits on" "$tool" "$@"
    local refused accepted seconds
    refused=$(refusals)
    accepted=$(($(writes) - refused))
    seconds=$(tail -1 "$work/time" | cut -d' ' -f1)
    printf '  %-9s %d rate-limit answers; %d writes accepted, %.2f writes/s\n' "$tool" "$refused" "$accepted" \
        "$(echo "$accepted / $seconds" | bc -l)"
}
limited drivesync "${drivesync_sync[@]}" "$work/limited" bench:DriveSync/limited
limited rclone "${rclone_sync[@]}" "$work/limited" emu:rclone/limited
