"""Soak driver for scripts/soak.sh: unique submissions at a steady rate for a
while, then a quiet wait past the TTLs, sampling Redis and the service
along the way. Prints one table row per sample and a verdict.

Usage: soak.py BASE_URL REDIS_PORT SERVICE_PID RATE DURATION_S SETTLE_S

A row: seconds since start, phase, submissions sent and failed so far,
Redis used_memory (MB) and keys, the service's RSS (MB) and open fds.
Exits 1 when a submission failed, or when after the quiet wait Redis holds
a key it did not hold before the load other than a shard's feed stream
(trimmed to EVENT_RETENTION) or its pruning mark: the TTLs did not bring
it back.
"""

import http.client
import json
import re
import subprocess
import sys
import threading
import time
from urllib.parse import urlparse

base, redis_port, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
rate, duration, settle = float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
url = urlparse(base)
sent = failed = 0
lock = threading.Lock()


def redis_info():
    out = subprocess.run(
        ["redis-cli", "-p", redis_port, "INFO", "memory"], capture_output=True, text=True, check=True
    ).stdout
    used = next(int(l.split(":")[1]) for l in out.splitlines() if l.startswith("used_memory:"))
    keys = int(subprocess.run(["redis-cli", "-p", redis_port, "DBSIZE"], capture_output=True, text=True, check=True).stdout)
    return used, keys


def key_names():
    out = subprocess.run(["redis-cli", "-p", redis_port, "--scan"], capture_output=True, text=True, check=True).stdout
    return set(out.split())


# Per-shard bookkeeping the first transitions create, bounded by SHARDS.
SHARD_KEYS = re.compile(r"^fl:\{[^}]*\}:(feed|jobs:pruned)$")


def service():
    with open(f"/proc/{pid}/status") as f:
        rss_kb = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    fds = len(__import__("os").listdir(f"/proc/{pid}/fd"))
    return rss_kb, fds


def sample(t0, phase):
    used, keys = redis_info()
    rss_kb, fds = service()
    with lock:
        s, f = sent, failed
    print(f"{time.time() - t0:7.0f} {phase:7} {s:9} {f:7} {used / 1e6:9.1f} {keys:8} {rss_kb / 1e3:8.1f} {fds:5}", flush=True)
    return keys


def submitter(stop, every):
    """One loop of the load: a unique OpenAPI document per request."""
    global sent, failed
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    n, next_at = 0, time.monotonic()
    while not stop.is_set():
        n += 1
        doc = (
            "openapi: 3.0.3\ninfo:\n  title: soak %s %d %d\n  version: '1'\npaths:\n"
            "  /users:\n    get:\n      responses:\n        '200':\n          description: ok\n"
        ) % (threading.current_thread().name, n, time.time_ns())
        body = json.dumps({"content": doc, "content_type": "openapi-yaml"})
        ok = False
        try:
            conn.request("POST", "/artifacts/analyze", body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            ok = resp.status == 200
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        with lock:
            sent += 1
            failed += 0 if ok else 1
        next_at += every
        time.sleep(max(0.0, next_at - time.monotonic()))


print(f"{'s':>7} {'phase':7} {'sent':>9} {'failed':>7} {'redis MB':>9} {'keys':>8} {'rss MB':>8} {'fds':>5}")
t0 = time.time()
before_keys = key_names()
before = sample(t0, "before")
loops = max(1, int(rate // 50) + 1)  # each loop sends at most ~50/s
stop = threading.Event()
# Daemons: a failed sample ends the run instead of waiting on them.
threads = [
    threading.Thread(target=submitter, args=(stop, loops / rate), name=f"t{i}", daemon=True)
    for i in range(loops)
]
for t in threads:
    t.start()
end = time.time() + duration
while time.time() < end:
    time.sleep(min(15, max(0.0, end - time.time())))
    sample(t0, "load")
stop.set()
for t in threads:
    t.join()
achieved = sent / duration
print(f"achieved {achieved:.0f} submissions/s of {rate:.0f} asked", flush=True)
if achieved < 0.95 * rate:
    print("the service answered too slowly for the asked rate: the figures are for the achieved one")
end = time.time() + settle
while time.time() < end:
    time.sleep(min(15, max(0.0, end - time.time())))
    after = sample(t0, "quiet")
left = sorted(k for k in key_names() - before_keys if not SHARD_KEYS.match(k))
print(f"sent {sent}, failed {failed}; Redis keys {before} before the load, {after} after the quiet wait")
if left:
    print(f"{len(left)} keys outlived their lifetimes, e.g. {left[:10]}")
sys.exit(1 if failed or left else 0)
