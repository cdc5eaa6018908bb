"""A real flow through the Python client generated from openapi/openapi.json.

Usage: flow.py BASE_URL API_KEY MAX_CONTENT_SIZE (the client package
`faultline_client` must be importable). Exits non-zero on any mismatch.
"""

import json
import sys
import time
from datetime import datetime

from faultline_client import AuthenticatedClient
from faultline_client.api.artifacts import analyze, get_cached_result
from faultline_client.api.jobs import (
    get_job,
    get_job_result,
    list_job_events,
    list_jobs,
    send_feedback,
    stream_job_events,
)
from faultline_client.models import (
    AnalysisResult,
    AnalyzeRequest,
    CachedResult,
    ChartType,
    EventPage,
    EventType,
    EventView,
    FeedbackAccepted,
    FeedbackRequest,
    Finding,
    JobList,
    JobResult,
    JobStatus,
    JobView,
    Problem,
    Severity,
)

base, key, max_size = sys.argv[1], sys.argv[2], int(sys.argv[3])
client = AuthenticatedClient(base_url=base, token=key, timeout=60, raise_on_unexpected_status=True)
spec = (
    "openapi: 3.0.3\ninfo:\n  title: Python client flow %d\n  version: '1'\n"
    "paths:\n  /users:\n    get:\n      responses:\n        '200':\n          description: ok\n"
) % time.time_ns()


def follow(job_id: str) -> list[EventView]:
    """Reads the SSE stream until the server closes it after the terminal event."""
    events, data = [], None
    with client.get_httpx_client().stream("GET", f"/jobs/{job_id}/events/stream") as resp:
        assert resp.status_code == 200, resp.status_code
        for line in resp.iter_lines():
            if line.startswith("data:"):
                data = line[5:].strip()
            elif line == "" and data is not None:
                events.append(EventView.from_dict(json.loads(data)))
                data = None
    return events


submitted = analyze.sync(client=client, body=AnalyzeRequest(content=spec, content_type="openapi-yaml"))
assert isinstance(submitted, JobView), submitted
job = submitted.job_id
streamed = follow(job)
assert streamed[0].type_ == "queued" and streamed[-1].type_ == "completed", [e.type_ for e in streamed]
# Event types and times are typed by the spec (an enum, a date-time).
assert all(isinstance(e.type_, EventType) and isinstance(e.time, datetime) for e in streamed), streamed

result = get_job_result.sync(client=client, job_id=job)
assert isinstance(result, JobResult), result
# The seed's result shape, typed by the spec.
report = result.result
assert isinstance(report, AnalysisResult), report
score = report.production_readiness_score
assert isinstance(score, int) and 0 <= score <= 100, score
assert all(isinstance(f, Finding) and f.severity in list(Severity) for f in report.findings), report.findings
# Beyond the seed's fields: the rule and where it fired, typed too.
assert all(f.rule_id.startswith("FL-") and isinstance(f.location.line, int) for f in report.findings), report.findings
assert report.artifact_type == "openapi-yaml", report.artifact_type
assert all(c.type_ in list(ChartType) for c in report.charts), report.charts
assert isinstance(report.suggested_next_steps, list)

# The generated call for the stream hands over its text (the job has
# finished, so the server sends the whole log and closes).
text = stream_job_events.sync(client=client, job_id=job)
assert isinstance(text, str), text
types = [line[len("event: ") :] for line in text.splitlines() if line.startswith("event: ")]
assert types == [e.type_ for e in streamed], types

page = list_job_events.sync(client=client, job_id=job)
assert isinstance(page, EventPage), page
assert [e.id for e in page.events] == [e.id for e in streamed]

listing = list_jobs.sync(client=client, limit=50)
assert isinstance(listing, JobList), listing
assert job in [j.job_id for j in listing.jobs]

hit = analyze.sync(client=client, body=AnalyzeRequest(content=spec, content_type="openapi-yaml"))
assert isinstance(hit, JobView) and hit.status is JobStatus.COMPLETED and hit.cached, hit
assert isinstance(hit.created_at, datetime) and hit.created_at <= hit.updated_at, hit
cached = get_cached_result.sync(client=client, content_hash=hit.content_hash)
assert isinstance(cached, CachedResult) and cached.result.production_readiness_score == score, cached

accepted = send_feedback.sync(client=client, body=FeedbackRequest(job_id=job, is_useful=True, comment="clear"))
assert isinstance(accepted, FeedbackAccepted) and accepted.accepted, accepted

missing = get_job.sync(client=client, job_id="01ARZ3NDEKTSV4RRFFQ69G5FAV")
assert isinstance(missing, Problem) and missing.status == 404 and missing.code == "JOB_NOT_FOUND", missing
too_big = analyze.sync(client=client, body=AnalyzeRequest(content="x" * (max_size + 1), content_type="markdown"))
assert isinstance(too_big, Problem) and too_big.status == 413, too_big
assert too_big.code == "CONTENT_TOO_LARGE", too_big

print(f"python client flow ok: job {job}, {len(streamed)} events streamed, score {score}")
