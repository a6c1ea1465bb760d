#!/usr/bin/env bash
# Drive push notifications end to end: `drivesync serve` opens a channel on the emulator (its own process)
# addressed to itself; CHANGES files are created on the emulator one every SPACING seconds, and the time
# from each change to its `file.changed` event on /drive/events, and to its signed delivery at a notify
# receiver, is measured (p50, p99). Then 1,000 genuine notifications are sent to the webhook within one
# second and the `changes.list` calls they cause are counted.
#
#   bash Benchmarks/push.sh [CHANGES] [SPACING] [debug|release]
set -euo pipefail
cd "$(dirname "$0")/.."
changes=${1:-500}
spacing=${2:-0.25}
configuration=${3:-release}
source Benchmarks/common.sh "$configuration"

start_emulator --data "$work/emulator"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
receiver_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
secret=benchmark-secret-0123456789
cat >>"$work/config.ini" <<EOF
default = true

[service]
public_url = http://127.0.0.1:$port

[notify app]
url = http://127.0.0.1:$receiver_port/hook
secret = $secret
events = file.changed
EOF
export DRIVESYNC_HOME="$work/home"
key=$("$binary" serve keys create bench --config "$work/config.ini" 2>/dev/null)
"$binary" serve --port "$port" --config "$work/config.ini" >"$work/serve" 2>&1 &
service=$!
trap 'kill "$server" "$service" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 200); do grep -q "listening on" "$work/serve" && break; sleep 0.1; done

python3 - "$url" "http://127.0.0.1:$port" "$key" "$receiver_port" "$secret" "$changes" "$spacing" "$configuration" <<'PY'
import hashlib, hmac, http.server, json, statistics, sys, threading, time, urllib.request
emulator, service, key, receiver_port, secret, changes, spacing, build = sys.argv[1:]
changes, spacing = int(changes), float(spacing)

def call(url, method="GET", body=None, headers=None):
    request = urllib.request.Request(url, method=method, data=body, headers=headers or {})
    with urllib.request.urlopen(request, timeout=90) as response:
        return response.status, response.read()

def channels():
    return json.loads(call(emulator + "/emulator/admin/channels")[1])

deadline = time.time() + 30
while not channels() and time.time() < deadline:
    time.sleep(0.1)
channel = channels()[0]

made, seen_event, seen_delivery = {}, {}, {}
lock = threading.Lock()

class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        fields = dict(part.split("=", 1) for part in self.headers["DriveSync-Signature"].split(","))
        expected = hmac.new(secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected, fields["v1"]):
            name = json.loads(body)["data"].get("name", "")
            with lock:
                seen_delivery.setdefault(name, time.time())
        self.send_response(200)
        self.end_headers()
    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", int(receiver_port)), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()

def follow():
    since = json.loads(call(f"{service}/drive/events?since=0&timeout=0", headers={"Authorization": f"Bearer {key}"})[1])["last_id"]
    while True:
        page = json.loads(call(f"{service}/drive/events?since={since}&timeout=30", headers={"Authorization": f"Bearer {key}"})[1])
        since = page["last_id"]
        now = time.time()
        with lock:
            for event in page["events"]:
                if event["type"] == "file.changed":
                    seen_event.setdefault(event["data"].get("name", ""), now)

threading.Thread(target=follow, daemon=True).start()
time.sleep(1)
drive = {"Authorization": "Bearer bench", "Content-Type": "application/json"}
for index in range(changes):
    name = f"change-{index:04d}.txt"
    made[name] = time.time()
    call(emulator + "/drive/v3/files", "POST", json.dumps({"name": name}).encode(), drive)
    time.sleep(spacing)
deadline = time.time() + 30
while time.time() < deadline:
    with lock:
        if len(seen_event) >= changes and len(seen_delivery) >= changes:
            break
    time.sleep(0.2)

def report(label, seen):
    latencies = sorted(seen[name] - made[name] for name in made if name in seen)
    if not latencies:
        print(f"{label}: nothing arrived")
        return
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"{label}: {len(latencies)}/{changes} arrived, p50 {statistics.median(latencies) * 1000:.0f} ms, "
          f"p99 {p99 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")

print(f"build: {build}, {changes} changes one every {spacing} s, notification_delay 0.5 s")
report("change -> /drive/events", seen_event)
report("change -> notify receiver", seen_delivery)

# The storm: 1,000 genuine notifications within one second, after a change so each run has work.
call(emulator + "/drive/v3/files", "POST", json.dumps({"name": "storm.txt"}).encode(), drive)
time.sleep(3)
call(emulator + "/emulator/admin/calls", "DELETE")
headers = {"X-Goog-Channel-ID": channel["id"], "X-Goog-Channel-Token": channel["token"], "X-Goog-Resource-State": "change"}
def storm(lane):
    for index in range(50):
        call(service + "/drive/webhook", "POST", b"", dict(headers, **{"X-Goog-Message-Number": str(10_000 + lane * 50 + index)}))
threads = [threading.Thread(target=storm, args=(lane,)) for lane in range(20)]
started = time.time()
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
took = time.time() - started
time.sleep(4)
counts = json.loads(call(emulator + "/emulator/admin/calls")[1])
print(f"1,000 notifications in {took:.2f} s: {counts.get('changes.list', 0)} changes.list runs")
PY
