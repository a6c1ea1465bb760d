# Shared by the benchmark scripts that compare drivesync with rsync: builds the binary, makes a work
# folder removed at exit, and times commands.
#   source Benchmarks/common.sh CONFIGURATION
command -v rsync >/dev/null || { echo "rsync is needed: apt-get install rsync" >&2; exit 1; }
swift build -c "$1" --product drivesync >/dev/null
binary="$PWD/.build/$1/drivesync"
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

# Runs a command quietly; prints its wall-clock seconds.
timed() { /usr/bin/time -f '%e' -o "$work/time" "$@" >/dev/null; cat "$work/time"; }

# Starts `drivesync emulator` (arguments: --in-memory or --data DIR, --limits drive, --tls-cert/--tls-key)
# with user bench, token bench; sets $server and $url and writes $work/config.ini naming it as account
# bench, paced as $pacing says (default none: the emulator runs without Drive's limits unless asked, so
# throughput is measured), trusting $ca_certificate when set.
start_emulator() {
    "$binary" emulator "$@" --user bench@example.com --token bench >"$work/out" 2>&1 &
    server=$!
    for _ in $(seq 100); do [ -s "$work/out" ] && break; sleep 0.1; done
    url=$(head -1 "$work/out")
    printf '[account bench]\nendpoint = %s\naccess_token = bench\npacing = %s\n' "$url" "${pacing:-none}" >"$work/config.ini"
    [ -z "${ca_certificate:-}" ] || printf 'ca_certificate = %s\n' "$ca_certificate" >>"$work/config.ini"
}

# The Drive API calls the emulator has answered since they were last reset, as JSON by method.
calls_by_method() { curl -sS ${ca_certificate:+--cacert "$ca_certificate"} "$url/emulator/admin/calls"; }

# The Drive API calls the emulator has answered since they were last reset (reset_calls).
calls() { calls_by_method | python3 -c 'import json,sys; print(sum(json.load(sys.stdin).values()))'; }
reset_calls() { curl -sS ${ca_certificate:+--cacert "$ca_certificate"} -X DELETE "$url/emulator/admin/calls" >/dev/null; }

# The calls the emulator refused for Drive's rate limits since the counters were last reset.
refusals() {
    curl -sS ${ca_certificate:+--cacert "$ca_certificate"} "$url/emulator/admin/refusals" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["rateLimit"])'
}

# The write calls among them (what Drive's write limit counts).
writes() {
    calls_by_method | python3 -c '
import json, sys
counts = json.load(sys.stdin)
write_methods = {"files.create", "files.update", "files.delete", "files.copy", "files.emptyTrash"}
print(sum(n for method, n in counts.items() if method in write_methods or method.startswith("upload")))'
}

# Writes FILES random files of 1–8 KiB spread over FOLDERS folders (100 per group) below DIR.
#   generate_small_files DIR FILES FOLDERS
generate_small_files() {
    python3 - "$@" <<'PY'
import os, random, sys
root, files, folders = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(7)
for index in range(files):
    folder = os.path.join(root, f"group{index % folders // 100:02d}", f"folder{index % folders:04d}")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"file{index:06d}.txt"), "wb") as handle:
        handle.write(random.randbytes(random.randint(1024, 8192)))
PY
}

# Writes a file of GIB gibibytes of incompressible blocks to PATH and prints its MD5.
#   make_large_file PATH GIB
make_large_file() {
    python3 - "$1" "$2" <<'PY'
import os, sys
block = os.urandom(1 << 20)
with open(sys.argv[1], "wb") as handle:
    for index in range(int(sys.argv[2]) * 1024):
        handle.write(block[index % 997:] + block[:index % 997])
PY
    md5sum "$1" | cut -d' ' -f1
}
