#!/usr/bin/env bash
# A bounded soak of a release mock-courier on loopback: mixed valid and
# invalid (or hostile: 1 MB strings, 100k-element arrays) requests for a set
# time, with the outbound workspace's fault rules
# on (bounces, unroutable recipients). Prints, every 10 s, the request rate
# and the server's RSS; at the end, the answers by status for valid and
# invalid requests. Fails if the server answered any 5xx (but 501), dropped a
# connection or died. Not a test: run it by hand (bench/README.md).
#
# Usage: scripts/soak.sh [--seconds N] [--clients N] [--reset-every SECONDS] [--binary PATH]
#   defaults: 120 s, 8 clients, no reset, build-release/mock_server/mock-courier
#   (configured and built here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=120
clients=8
reset_every=0
binary=build-release/mock_server/mock-courier
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    --reset-every) reset_every="$2"; shift 2 ;;
    --binary) binary="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "soak: unknown argument $1"; exit 2 ;;
  esac
done

if [[ ! -x "$binary" ]]; then
  cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DMOCK_COURIER_BUILD_TESTS=OFF \
    -DMOCK_COURIER_BUILD_BENCH=OFF >/dev/null
  cmake --build build-release -j2 --target mock-courier
fi

ready=$(mktemp)
"$binary" --port 0 --log-format off --workspace fixtures/workspaces/conformance-outbound.json \
  >"$ready" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$ready"' EXIT
for _ in $(seq 100); do grep -q listening "$ready" && break; sleep 0.05; done
url=$(grep -o 'http://[^ ]*' "$ready")
echo "soak: $binary (pid $pid) at $url for ${seconds}s, $clients clients"

python3 - "$url" "$pid" "$seconds" "$clients" "$reset_every" <<'PY'
import collections, http.client, json, random, sys, threading, time, urllib.parse

url, pid, seconds, clients, reset_every = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
host = urllib.parse.urlparse(url)
KEY = "conformance-outbound-key"
AUTH = {"Authorization": "Bearer " + KEY, "Content-Type": "application/json"}
users = ["u-frank", "u-bounce", "u-nomail", "u-new"]

def valid(rng, n):
    user = rng.choice(users)
    choice = rng.randrange(7)
    if choice == 0:
        return "POST", "/send", AUTH, json.dumps({"message": {"to": {"user_id": user}, "template": "receipt"}})
    if choice == 1:
        return "POST", "/inbound/segment", AUTH, json.dumps({"type": "track", "event": "Order Completed", "userId": user, "messageId": f"m-{n}", "properties": {"total": rng.random() * 100, "items": [{"sku": "a"}]}})
    if choice == 2:
        return "POST", "/inbound/segment", AUTH, json.dumps({"type": "identify", "userId": user, "messageId": f"i-{n}", "traits": {"plan": rng.choice(["pro", "free"])}})
    if choice == 3:
        return "GET", f"/profiles/{user}", AUTH, None
    if choice == 4:
        return "POST", "/_mock/clock/advance", {"Content-Type": "application/json"}, json.dumps({"by": "10 minutes"})
    if choice == 5:
        return "GET", "/messages?recipient=" + user, AUTH, None
    return "GET", "/_mock/health", {}, None

def invalid(rng, n):
    choice = rng.randrange(9)
    body = {"message": {"to": {"user_id": "u-frank"}, "template": "receipt", "data": {}}}
    if choice == 0:
        return "POST", "/send", AUTH, '{"message":{"data":' + "[" * 100000 + "]" * 100000 + "}}"
    if choice == 1:
        return "POST", "/send", AUTH, b'{"message":{"to":{"user_id":"a\xff"}}}'
    if choice == 2:
        return "POST", "/send", AUTH, '{"message":{"to":{"user_id":"u"},"data":{"n":1e400}}}'
    if choice == 3:
        text = json.dumps(body)
        return "POST", "/send", AUTH, text[: rng.randrange(1, len(text))]
    if choice == 4:
        return "POST", "/send", AUTH, json.dumps({"message": {"to": 7, "template": ["x"]}})
    if choice == 5:
        return "POST", "/inbound/segment", AUTH, json.dumps({"type": "track", "userId": "u", "messageId": f"h-{n}", "event": "x" * 1_000_000})
    if choice == 6:
        return "POST", "/send", {"Authorization": "Bearer nope"}, json.dumps(body)
    if choice == 7:
        return "GET", "/profiles/%FF", AUTH, None
    return "POST", "/inbound/segment", AUTH, json.dumps({"type": "track", "userId": "u", "messageId": f"l-{n}", "event": "E", "properties": {"list": list(range(100000))}})

counts = collections.Counter()
lock = threading.Lock()
stop = time.monotonic() + seconds
done = [0]

def client(index):
    rng = random.Random(index)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    n = 0
    while time.monotonic() < stop:
        n += 1
        kind = "invalid" if rng.random() < 0.3 else "valid"
        method, path, headers, body = (invalid if kind == "invalid" else valid)(rng, f"{index}-{n}")
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            key = (kind, response.status)
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        except Exception as e:
            key = (kind, "error " + type(e).__name__)
            conn.close()
            conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        with lock:
            counts[key] += 1
            done[0] += 1

def rss_kb():
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None

threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
start = time.monotonic()
for t in threads:
    t.start()
print(f"{'t (s)':>6} {'requests':>9} {'req/s':>7} {'RSS (MB)':>9}")
last, last_done, last_reset = start, 0, start
while any(t.is_alive() for t in threads):
    time.sleep(1)
    now = time.monotonic()
    if reset_every and now - last_reset >= reset_every:
        c = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        c.request("POST", "/_mock/reset", body="")
        c.getresponse().read()
        last_reset = now
    if now - last >= 10 or not any(t.is_alive() for t in threads):
        rss = rss_kb()
        print(f"{now - start:6.0f} {done[0]:9d} {(done[0] - last_done) / (now - last):7.0f} "
              f"{'dead' if rss is None else f'{rss / 1024:9.1f}'}", flush=True)
        last, last_done = now, done[0]

print("\nanswers by status")
for (kind, status), n in sorted(counts.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
    print(f"  {kind:8} {status!s:>24} {n:8d}")
bad = sum(n for (kind, status), n in counts.items()
          if not isinstance(status, int) or (status >= 500 and status != 501))
alive = rss_kb() is not None
print(f"\nsoak: {done[0]} requests, {bad} 5xx or dropped, server {'alive' if alive else 'DEAD'}")
sys.exit(0 if bad == 0 and alive else 1)
PY
