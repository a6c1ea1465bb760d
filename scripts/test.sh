#!/usr/bin/env bash
# The test command: installs what the build needs (SQLite headers for GRDB), then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# libsqlite3-dev: GRDB links the system SQLite. openssl: the TLS test makes a certificate.
# python3: the export test checks archives with Python's zipfile. rclone: the interop check. curl: the
# service fuzz reads the OpenAPI document.
missing=()
for package in libsqlite3-dev openssl python3 rclone curl; do
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
swift test "$@"
