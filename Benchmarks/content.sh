#!/usr/bin/env bash
# The content pipeline's figures (Benchmarks/README.md): files indexed per second from the embedded drive
# (small text files, docx), query latency over generated documents on SQLite and PostgreSQL (simple and
# filtered), and peak memory while extracting a 1 GiB stream (plain text, markup-heavy XML).
# Usage: bash Benchmarks/content.sh [DOCUMENTS] [release|debug]
set -euo pipefail
cd "$(dirname "$0")/.."
documents=${1:-100000}
configuration=${2:-release}
swift build -c "$configuration" --product ContentBenchmark >/dev/null
bench=".build/$configuration/ContentBenchmark"
"$bench" index --kind text --files 1000
"$bench" index --kind docx --files 300
"$bench" memory --kind text --mebibytes 1024
"$bench" memory --kind xml --mebibytes 1024
"$bench" query --database sqlite --documents "$documents" --queries 200
source scripts/postgres.sh
start_private_postgres
"$bench" query --database "$DRIVESYNC_TEST_POSTGRES" --documents "$documents" --queries 200
