#!/usr/bin/env bash
# The test command: installs what the build needs (SQLite headers for GRDB), then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! dpkg -s libsqlite3-dev >/dev/null 2>&1; then
    echo "Installing libsqlite3-dev (GRDB links the system SQLite)..."
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libsqlite3-dev
fi

swift build --build-tests
swift test "$@"
