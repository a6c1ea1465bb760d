# A private PostgreSQL cluster for tests and benchmarks; source this file, then `start_private_postgres`.
# The cluster lives in a temporary folder, listens on a free loopback port, runs as an unprivileged user
# (PostgreSQL refuses root) and is stopped and removed when the calling shell exits, whatever happened.
# It exports DRIVESYNC_TEST_POSTGRES, the URL of its `postgres` database.

private_postgres_dir=""

stop_private_postgres() {
    if [ -n "$private_postgres_dir" ] && [ -d "$private_postgres_dir" ]; then
        $private_postgres_run "$private_postgres_bin/pg_ctl" -D "$private_postgres_dir/data" -m fast -w stop \
            >/dev/null 2>&1 || true
        rm -rf "$private_postgres_dir"
        private_postgres_dir=""
    fi
}

# Extra arguments are server settings, e.g. `-c fsync=off`.
start_private_postgres() {
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        echo "Installing postgresql..."
        if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql
    fi
    private_postgres_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    private_postgres_dir=$(mktemp -d /tmp/drivesync-postgres.XXXXXX)
    private_postgres_run=""
    if [ "$(id -u)" -eq 0 ]; then
        chown nobody "$private_postgres_dir"
        private_postgres_run="runuser -u nobody --"
    fi
    trap stop_private_postgres EXIT
    local port
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    (cd "$private_postgres_dir" && $private_postgres_run "$private_postgres_bin/initdb" -D "$private_postgres_dir/data" \
        -U drivesync --auth=trust -E UTF8 --locale=C.UTF-8 >"$private_postgres_dir/initdb.log" 2>&1) || {
        cat "$private_postgres_dir/initdb.log"
        return 1
    }
    local settings="-p $port -k $private_postgres_dir -c listen_addresses=127.0.0.1 -c max_connections=300 $*"
    (cd "$private_postgres_dir" && $private_postgres_run "$private_postgres_bin/pg_ctl" -D "$private_postgres_dir/data" \
        -o "$settings" -l "$private_postgres_dir/server.log" -w start >/dev/null) || {
        cat "$private_postgres_dir/server.log"
        return 1
    }
    export DRIVESYNC_TEST_POSTGRES="postgres://drivesync@127.0.0.1:$port/postgres?sslmode=disable"
    echo "PostgreSQL $("$private_postgres_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($private_postgres_dir)"
}
