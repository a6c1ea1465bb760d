#!/usr/bin/env bash
# The durable queue's figures (Benchmarks/README.md): jobs claimed and completed per second on PostgreSQL
# (one per transaction, and in batches of 10) and on SQLite, and enqueue-to-start latency with NOTIFY.
# PostgreSQL is a private cluster with its default settings (fsync on, synchronous_commit on).
# Usage: bash Benchmarks/queue.sh [JOBS] [release|debug]
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${1:-20000}
configuration=${2:-release}
swift build -c "$configuration" --product QueueBenchmark >/dev/null
bench=".build/$configuration/QueueBenchmark"
source scripts/postgres.sh
start_private_postgres
pg="$DRIVESYNC_TEST_POSTGRES"
echo "server: fsync=$(psql "$pg" -tAc 'show fsync'), synchronous_commit=$(psql "$pg" -tAc 'show synchronous_commit'), shared_buffers=$(psql "$pg" -tAc 'show shared_buffers'); $(nproc) cores"
# Each PostgreSQL throughput figure on a database of its own: a run's dead rows would slow the next.
fresh() { psql "$pg" -qc "CREATE DATABASE $1" && echo "${pg/\/postgres\?//$1?}"; }
"$bench" throughput --database "$(fresh one_per_transaction)" --jobs "$jobs" --batch 1 --workers 8
"$bench" throughput --database "$(fresh batched)" --jobs "$jobs" --batch 10 --workers 8
"$bench" throughput --database sqlite --jobs "$jobs" --batch 1 --workers 4
"$bench" throughput --database sqlite --jobs "$jobs" --batch 10 --workers 4
"$bench" latency --database "$pg" --jobs 2000 --workers 4
"$bench" latency --database sqlite --jobs 2000 --workers 4
