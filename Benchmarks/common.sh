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
