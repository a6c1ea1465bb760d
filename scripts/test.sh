#!/usr/bin/env bash
# The test command: installs what the build needs (SQLite headers for GRDB), starts a private PostgreSQL
# for the queue's tests, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# libsqlite3-dev: GRDB links the system SQLite. openssl: the TLS test makes a certificate.
# python3: the export test checks archives with Python's zipfile. rclone: the interop check. curl: the
# service fuzz reads the OpenAPI document. poppler-utils: pdftotext, which the content index runs on PDFs.
missing=()
for package in libsqlite3-dev openssl python3 rclone curl poppler-utils; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing ${missing[*]}..."
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# The repository's .swift-format; swift-format ships with the toolchain.
swift format lint --strict --recursive Sources Tests Benchmarks Package.swift

swift build --build-tests
# Google's own Python client against the emulator, unchanged (skipped when PyPI is out of reach).
bash Interop/run-python-client.sh
# rclone's drive backend against the emulator, through a CONNECT proxy to its TLS listener.
bash Interop/run-rclone.sh
# The service fuzzed from its OpenAPI document (schemathesis; skipped when PyPI is out of reach).
bash scripts/fuzz-service.sh
# The PostgreSQL tests' server: a private cluster in a temporary folder, stopped and removed on exit
# (installs Debian's postgresql when missing). fsync is off: these tests need correctness, not durability.
source scripts/postgres.sh
start_private_postgres -c fsync=off
# The chaos test (three worker processes killed and restarted while 10,000 jobs run) loads both cores for
# a couple of minutes; it runs on its own first so the timing-sensitive tests of the suite do not share them.
if [ $# -eq 0 ]; then
    swift test --skip-build --filter QueueChaosTests
    swift test --skip-build --skip QueueChaosTests
else
    swift test "$@"
fi
