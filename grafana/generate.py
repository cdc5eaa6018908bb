#!/usr/bin/env python3
"""Writes grafana/dashboards/*.json, the two Faultline dashboards.

The dashboards are data: this script only keeps their layout, datasource
references and template variables uniform. Edit a panel here, run
`python3 grafana/generate.py`, commit both. The observability check
(`scripts/test-observability.sh`) fails when the committed JSON differs.
"""

import json
import pathlib

DS = {"type": "prometheus", "uid": "${datasource}"}
I = 'instance=~"$instance"'


def rate(metric, labels="", by=None, window="$__rate_interval"):
    sel = f"{{{I}{',' + labels if labels else ''}}}"
    inner = f"rate({metric}{sel}[{window}])"
    return f"sum by ({by}) ({inner})" if by else f"sum({inner})"


def quantiles(metric, by="le", labels=""):
    sel = f"{{{I}{',' + labels if labels else ''}}}"
    return [
        (f"histogram_quantile({q}, sum by ({by}) (rate({metric}_bucket{sel}[$__rate_interval])))",
         f"p{int(q * 100)}" + (" {{" + by.split(", ")[1] + "}}" if ", " in by else ""))
        for q in (0.5, 0.95, 0.99)
    ]


HIT_RATIO = (
    f'sum(rate(faultline_cache_lookups_total{{{I},result="hit"}}[$__rate_interval]))'
    f" / sum(rate(faultline_cache_lookups_total{{{I}}}[$__rate_interval]))"
)
# Over the dashboard's time range: the "now" figure, and the one CI checks
# against the workload's known share of duplicates.
HIT_RATIO_RANGE = (
    f'sum(increase(faultline_cache_lookups_total{{{I},result="hit"}}[$__range]))'
    f" / sum(increase(faultline_cache_lookups_total{{{I}}}[$__range]))"
)
BACKLOG = "sum(max by (shard) (faultline_work_lag{%s}))" % I


def panel(title, description, unit, targets, kind="timeseries", w=12, h=8, bars=False, min_interval=None):
    """`bars`: drawn as bars (counts per interval); `min_interval`: the
    shortest $__interval (and query step) Grafana may pick for the panel."""
    return {
        "title": title,
        "description": description,
        "unit": unit,
        "targets": targets,
        "kind": kind,
        "w": w,
        "h": h,
        "bars": bars,
        "min_interval": min_interval,
    }


OVERVIEW = [
    panel("Cache hit rate (time range)",
          "Share of submissions answered from the cache over the selected time range: hits / all cache lookups.",
          "percentunit", [(HIT_RATIO_RANGE, "hit rate")], kind="stat", w=6, h=6),
    panel("Cache hit rate",
          "Share of submissions answered from the cache (cache_hit / all lookups; single-flight attaches count as misses).",
          "percentunit", [(HIT_RATIO, "hit rate")], w=18, h=6),
    panel("Submissions per second",
          "POST /artifacts/analyze by outcome: cache_hit, cache_miss (queued), single_flight (attached to a running analysis), rejected (refused for the request itself: malformed, empty, binary, too large, unknown content type).",
          "reqps", [(rate("faultline_submissions_total", by="outcome"), "{{outcome}}")]),
    panel("Job outcomes per second",
          "Completed, failed, dead-lettered, retried, reclaimed and cancelled jobs, and invalid ones (failed because the analyser found the content invalid: the client's error, not counted as failed or dead-lettered).",
          "ops", [(rate("faultline_jobs_total", by="outcome"), "{{outcome}}")]),
    panel("End-to-end latency",
          "Queued to terminal state (p50, p95, p99), cache hits excluded.",
          "s", quantiles("faultline_job_end_to_end_seconds")),
    panel("Queue wait",
          "Queued to the first attempt starting (p50, p95, p99); retries and takeovers are not recorded.",
          "s", quantiles("faultline_job_queue_wait_seconds")),
    panel("Backlog and lag",
          "Work entries not yet delivered (lag), delivered but unacknowledged (pending), and retries waiting for their backoff, summed over shards.",
          "short", [
              (BACKLOG, "lag"),
              ("sum(max by (shard) (faultline_work_pending{%s}))" % I, "pending"),
              ("sum(max by (shard) (faultline_delayed_retries{%s}))" % I, "delayed retries"),
          ]),
    panel("Longest idle pending entry",
          "Longest time an unacknowledged work entry has gone without its worker's heartbeat (XPENDING idle), against the visibility timeout after which it is reclaimed.",
          "s", [
              ("max(faultline_work_pending_max_idle_seconds{%s})" % I, "longest idle"),
              ("max(faultline_visibility_timeout_seconds{%s})" % I, "visibility timeout"),
          ]),
    panel("Failures and dead letters",
          "Failed and dead-lettered jobs per second (invalid content excluded: see Job outcomes), retries, and entries in the dead-letter streams (those of invalid content included).",
          "short", [
              (rate("faultline_jobs_total", 'outcome=~"failed|dead_lettered|retried"', by="outcome"), "{{outcome}}/s"),
              ("sum(max by (shard) (faultline_stream_length{%s,stream=\"dead\"}))" % I, "dead-letter entries"),
          ]),
    # Counts per step: increase over $__interval, the query step, so the
    # windows neither overlap nor leave gaps whatever the zoom; at least a
    # minute, so each window holds several scrapes.
    panel("Reclaimed jobs",
          "Entries taken over from a worker that stopped responding (idle past the visibility timeout): each bar counts those of one interval (the query step, 1 minute at least).",
          "short", [("sum(increase(faultline_jobs_total{%s,outcome=\"reclaimed\"}[$__interval]))" % I, "reclaimed")],
          bars=True, min_interval="1m"),
    panel("Analysis step durations (p95)",
          "95th percentile of each analysis step: normalizing, running heuristics, synthesizing.",
          "s", [("histogram_quantile(0.95, sum by (le, step) (rate(faultline_analysis_step_duration_seconds_bucket{%s}[$__rate_interval])))" % I, "{{step}}")]),
    panel("Findings by severity",
          "Findings of completed analyses per second, by severity.",
          "short", [(rate("faultline_findings_total", by="severity"), "{{severity}}")]),
    panel("HTTP requests by status",
          "API requests per second by route and status.",
          "reqps", [(rate("faultline_http_requests_total", by="route, status"), "{{route}} {{status}}")], w=24),
]

WORKER_REDIS = [
    panel("Worker slots in use",
          "Analyses running now against WORKER_CONCURRENCY, per worker process (only processes that run a worker report slots).",
          "short", [
              ("sum by (instance) (faultline_worker_busy_slots{%s})" % I, "busy {{instance}}"),
              ("sum by (instance) (faultline_worker_slots{%s})" % I, "capacity {{instance}}"),
          ]),
    panel("Worker utilisation",
          "Busy slots over all slots of the selected worker processes.",
          "percentunit", [("sum(faultline_worker_busy_slots{%s}) / sum(faultline_worker_slots{%s})" % (I, I), "utilisation")]),
    panel("Consumer-group lag per shard",
          "Entries not yet delivered to any worker (XINFO GROUPS lag).",
          "short", [("max by (shard) (faultline_work_lag{%s})" % I, "shard {{shard}}")]),
    panel("Pending entries per shard",
          "Entries delivered but not acknowledged (XPENDING).",
          "short", [("max by (shard) (faultline_work_pending{%s})" % I, "shard {{shard}}")]),
    panel("Pending idle per shard",
          "Longest time an unacknowledged entry of each shard has gone without its worker's heartbeat; past the visibility timeout it is reclaimed.",
          "s", [("max by (shard) (faultline_work_pending_max_idle_seconds{%s})" % I, "shard {{shard}}")]),
    panel("Oldest pending entry's queue age per shard",
          "Time since each shard's oldest unacknowledged entry was queued: its queue wait plus its run so far (not what reclaim goes by).",
          "s", [("max by (shard) (faultline_work_oldest_pending_age_seconds{%s})" % I, "shard {{shard}}")]),
    panel("Stream lengths",
          "Entries in the work, dead-letter and feed streams, summed over shards.",
          "short", [("sum by (stream) (max by (stream, shard) (faultline_stream_length{%s}))" % I, "{{stream}}")]),
    panel("Redis call latency (p99)",
          "99th percentile latency of each Redis call (Lua functions and reads), seen from this client.",
          "s", [("histogram_quantile(0.99, sum by (le, command) (rate(faultline_redis_command_duration_seconds_bucket{%s}[$__rate_interval])))" % I, "{{command}}")]),
    panel("Redis calls per second",
          "Redis calls per second by function or read.",
          "ops", [(rate("faultline_redis_command_duration_seconds_count", by="command"), "{{command}}")]),
    panel("Redis and worker errors",
          "Failed Redis calls by function, worker errors by operation, and transitions refused by the Lua functions by code.",
          "ops", [
              (rate("faultline_redis_errors_total", by="command"), "redis {{command}}"),
              (rate("faultline_worker_errors_total", by="operation"), "worker {{operation}}"),
              (rate("faultline_refusals_total", by="code"), "refused {{code}}"),
          ]),
    panel("Analysis duration",
          "Time in the analyser per attempt (p50, p95, p99).",
          "s", quantiles("faultline_analysis_duration_seconds")),
    panel("HTTP latency (p95) by route",
          "95th percentile of API request latency per route.",
          "s", [("histogram_quantile(0.95, sum by (le, route) (rate(faultline_http_request_duration_seconds_bucket{%s}[$__rate_interval])))" % I, "{{route}}")]),
    panel("Build",
          "Running versions per process (faultline_build_info).",
          "none", [("max by (instance, version) (faultline_build_info{%s})" % I, "{{instance}} {{version}}")]),
]


def dashboard(uid, title, description, panels):
    out, x, y, row_h = [], 0, 0, 0
    for n, p in enumerate(panels, start=1):
        if x + p["w"] > 24:
            x, y, row_h = 0, y + row_h, 0
        targets = [
            {"refId": chr(ord("A") + i), "expr": expr, "legendFormat": legend, "datasource": DS}
            for i, (expr, legend) in enumerate(p["targets"])
        ]
        options = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}} \
            if p["kind"] == "stat" else {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                                          "tooltip": {"mode": "multi", "sort": "none"}}
        defaults = {"unit": p["unit"]}
        if p["bars"]:
            defaults["custom"] = {"drawStyle": "bars", "fillOpacity": 80, "lineWidth": 1}
        out.append({
            "id": n,
            "type": p["kind"],
            "title": p["title"],
            "description": p["description"],
            "datasource": DS,
            "gridPos": {"h": p["h"], "w": p["w"], "x": x, "y": y},
            "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": options,
            "targets": targets,
        })
        if p["min_interval"]:
            out[-1]["interval"] = p["min_interval"]
        x += p["w"]
        row_h = max(row_h, p["h"])
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["faultline"],
        "editable": True,
        "graphTooltip": 1,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-1h", "to": "now"},
        "timepicker": {},
        "annotations": {"list": []},
        "links": [],
        "templating": {"list": [
            {
                "name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
                "current": {"text": "Prometheus", "value": "prometheus"}, "hide": 0,
            },
            {
                "name": "instance", "label": "Instance", "type": "query", "datasource": DS,
                "query": "label_values(faultline_build_info, instance)",
                "refresh": 2, "multi": True, "includeAll": True, "allValue": ".*",
                "current": {"text": "All", "value": "$__all"}, "hide": 0, "sort": 1,
            },
        ]},
        "panels": out,
    }


DASHBOARDS = {
    "overview.json": dashboard(
        "faultline-overview", "Faultline overview",
        "Cache hit rate, throughput, latency, backlog and failures of Faultline.", OVERVIEW),
    "worker-redis.json": dashboard(
        "faultline-worker-redis", "Faultline workers and Redis",
        "Worker slots, consumer-group lag and pending per shard, streams, Redis call latency and errors.",
        WORKER_REDIS),
}


def rendered():
    return {name: json.dumps(d, indent=2) + "\n" for name, d in DASHBOARDS.items()}


if __name__ == "__main__":
    folder = pathlib.Path(__file__).parent / "dashboards"
    folder.mkdir(exist_ok=True)
    for name, text in rendered().items():
        (folder / name).write_text(text)
        print(f"wrote {folder / name}")
