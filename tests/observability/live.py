#!/usr/bin/env python3
"""Proves the dashboards and alert rules against a real Prometheus (stdlib only).

Starts redis-server, `faultline serve` and Prometheus (scraping every second,
loading grafana/alerts.yml) on free loopback ports, runs a workload with a
known share of duplicate submissions (UNIQUE new artifacts, then REPEATS
resubmissions of them once analysed: cache hits), then runs every PromQL
expression of the dashboards and of the rules through the HTTP API:

- dashboard queries must succeed and return at least one series;
- rules must be loaded and healthy; each rule's full expression must run, and
  each operand of its top-level comparisons and `and`/`unless` (the
  expression without its thresholds) must return data;
- the dashboards' cache-hit-rate expressions must equal REPEATS / (UNIQUE +
  REPEATS) within TOLERANCE;
- after this healthy workload no alert is pending or firing (a long queue
  wait or analysis must not look like a stuck entry, for one).

Usage: live.py FAULTLINE_BINARY
"""

import concurrent.futures
import json
import os
import pathlib
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
UNIQUE, REPEATS, REJECTED = 40, 60, 2
TOLERANCE = 0.02
# What Grafana would put in; windows long enough to cover the whole workload.
SUBSTITUTIONS = {
    "$__rate_interval": "3m",
    "$__interval": "1m",  # the panels' shortest (min interval)
    "$__range": "10m",
    "$instance": ".*",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_for(what, check, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, ValueError):  # not listening yet, or not ready (non-JSON answer)
            pass
        time.sleep(0.2)
    sys.exit(f"observability check: timed out waiting for {what}")


def spec(n):
    return (f"openapi: 3.0.3\ninfo:\n  title: Observability {n}\n  version: '1.0'\npaths:\n"
            f"  /items/{n}:\n    get:\n      responses:\n        '200':\n          description: ok\n")


def submit(base, content):
    status, body = http("POST", f"{base}/artifacts/analyze",
                        {"content": content, "content_type": "openapi-yaml"})
    return status, (json.loads(body) if body else {})


def workload(base):
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        first = list(pool.map(lambda n: submit(base, spec(n)), range(UNIQUE)))
        assert all(s == 200 for s, _ in first), first
        jobs = [b["job_id"] for _, b in first]

        def done(job):
            return json.loads(http("GET", f"{base}/jobs/{job}")[1]).get("status") == "completed"
        wait_for("the unique submissions to complete", lambda: all(done(j) for j in jobs))
        again = list(pool.map(lambda i: submit(base, spec(i % UNIQUE)), range(REPEATS)))
        hits = sum(1 for s, b in again if s == 200 and b.get("status") == "completed")
        assert hits == REPEATS, f"{hits} of {REPEATS} repeats were answered from the cache"
        for _ in range(REJECTED):
            status, _ = submit(base, "   ")
            assert status == 422, status


class Prometheus:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"

    def query(self, expr):
        url = f"{self.base}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        status, body = http("GET", url)
        reply = json.loads(body)
        if reply.get("status") != "success":
            return None, reply.get("error", body)
        return reply["data"], None


def substitute(expr):
    for k, v in SUBSTITUTIONS.items():
        expr = expr.replace(k, v)
    return expr


def operands(expr):
    """Splits at top-level comparisons and `and`/`unless`: the thresholds and
    conditions an alert combines. Nested parentheses stay whole."""
    parts, depth, quote, start, i = [], 0, None, 0, 0
    while i < len(expr):
        c = expr[i]
        if quote:
            quote = None if c == quote and expr[i - 1] != "\\" else quote
        elif c in "\"'":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0:
            m = re.match(r"(>=|<=|==|!=|>|<|\band\b|\bunless\b)", expr[i:])
            if m and not (m.group(0)[0].isalpha() and i > 0 and expr[i - 1].isalnum()):
                parts.append(expr[start:i])
                i += len(m.group(0))
                start = i
                continue
        i += 1
    parts.append(expr[start:])
    out = []
    for p in (p.strip() for p in parts):
        p = re.sub(r"^scalar\((.*)\)$", r"\1", p, flags=re.S)
        if not re.fullmatch(r"[0-9.e+-]+", p):
            out.append(p)
    return out


def scalar(data):
    result = data["result"]
    return float(result[0]["value"][1] if data["resultType"] == "vector" else result[1])


def check(prom):
    errors, ran = [], 0
    ratio_exprs = []
    for f in sorted((ROOT / "grafana" / "dashboards").glob("*.json")):
        for p in json.loads(f.read_text())["panels"]:
            for t in p["targets"]:
                expr = substitute(t["expr"])
                data, err = prom.query(expr)
                ran += 1
                if err:
                    errors.append(f"{f.name} {p['title']!r}: query error {err}: {expr}")
                elif not data["result"]:
                    errors.append(f"{f.name} {p['title']!r}: empty result: {expr}")
                if p["title"].startswith("Cache hit rate"):
                    ratio_exprs.append(expr)
    expected = REPEATS / (UNIQUE + REPEATS)
    if not ratio_exprs:
        errors.append("no cache hit rate panel found")
    for expr in ratio_exprs:
        data, err = prom.query(expr)
        got = scalar(data) if data and data["result"] else None
        if got is None or abs(got - expected) > TOLERANCE:
            errors.append(f"cache hit rate {got} != {expected} ± {TOLERANCE}: {expr}")
        else:
            print(f"cache hit rate {got:.4f} (expected {expected}): {expr}")
    status, body = http("GET", f"{prom.base}/api/v1/rules")
    rules = [r for g in json.loads(body)["data"]["groups"] for r in g["rules"]]
    if len(rules) < 8:
        errors.append(f"only {len(rules)} rules loaded")
    parts = 0
    for r in rules:
        if r.get("health") != "ok":
            errors.append(f"rule {r['name']}: health {r.get('health')} {r.get('lastError')}")
        if r.get("type") == "alerting" and r.get("state") != "inactive":
            errors.append(f"rule {r['name']}: {r.get('state')} after a healthy workload")
        _, err = prom.query(r["query"])
        ran += 1
        if err:
            errors.append(f"rule {r['name']}: query error {err}")
        for part in operands(r["query"]):
            data, err = prom.query(part)
            ran += 1
            parts += 1
            if err or not data["result"]:
                errors.append(f"rule {r['name']}: operand {err or 'empty'}: {part}")
    print(f"{ran} queries run ({len(rules)} rules, {parts} rule operands); {len(errors)} problems")
    return errors


def main():
    binary = sys.argv[1]
    began = time.monotonic()
    procs = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            redis_port, app_port, prom_port = free_port(), free_port(), free_port()
            procs.append(subprocess.Popen(
                ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL))
            env = dict(os.environ, REDIS_URL=f"redis://127.0.0.1:{redis_port}/0", HOST="127.0.0.1",
                       PORT=str(app_port), LOG_LEVEL="warn")
            procs.append(subprocess.Popen([binary, "serve"], env=env))
            app = f"http://127.0.0.1:{app_port}"
            wait_for("faultline", lambda: http("GET", f"{app}/readyz")[0] == 200)

            config = pathlib.Path(tmp) / "prometheus.yml"
            config.write_text(json.dumps({
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [str(ROOT / "grafana" / "alerts.yml")],
                "scrape_configs": [{"job_name": "faultline",
                                    "static_configs": [{"targets": [f"127.0.0.1:{app_port}"]}]}],
            }))
            procs.append(subprocess.Popen(
                ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={tmp}/data",
                 f"--web.listen-address=127.0.0.1:{prom_port}", "--log.level=warn"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            prom = Prometheus(prom_port)
            wait_for("prometheus", lambda: http("GET", f"{prom.base}/-/ready")[0] == 200)
            # The first scrape stores every counter at zero, so rates see the workload.
            wait_for("the first scrape", lambda: (prom.query("faultline_cache_lookups_total")[0] or {}).get("result"))

            lint = subprocess.run(["promtool", "check", "metrics"], input=http("GET", f"{app}/metrics")[1],
                                  capture_output=True, text=True)
            if lint.returncode != 0:
                sys.exit(f"promtool check metrics:\n{lint.stdout}{lint.stderr}")

            workload(app)
            total = UNIQUE + REPEATS

            def scraped():
                data, _ = prom.query("sum(faultline_cache_lookups_total)")
                return data and data["result"] and float(data["result"][0]["value"][1]) == total
            wait_for("Prometheus to scrape the workload", scraped)
            # Let the rules evaluate on the scraped data.
            time.sleep(2.5)
            errors = check(prom)
        finally:
            # Prometheus, then Faultline (graceful), then Redis.
            for p in reversed(procs):
                p.terminate()
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
    for e in errors:
        print(f"observability check: {e}", file=sys.stderr)
    print(f"live observability check took {time.monotonic() - began:.1f} s")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
