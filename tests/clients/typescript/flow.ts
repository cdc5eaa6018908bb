// A real flow through openapi-fetch typed by openapi-typescript from
// openapi/openapi.json: `tsc` checks every call against the spec, then this
// runs against a server. Usage: node dist/flow.js BASE_URL API_KEY MAX_CONTENT_SIZE
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema.js";

type EventView = components["schemas"]["EventView"];
type Problem = components["schemas"]["Problem"];
type JobStatus = components["schemas"]["JobStatus"];
type EventType = components["schemas"]["EventType"];

// The spec's enums reach the types (tsc fails if these were plain strings).
// @ts-expect-error: not a job status
const notAStatus: JobStatus = "done";
// @ts-expect-error: not an event type
const notAnEventType: EventType = "finished";
void [notAStatus, notAnEventType];

const [base, key, maxSize] = [process.argv[2], process.argv[3], Number(process.argv[4])];
const client = createClient<paths>({ baseUrl: base, headers: { Authorization: `Bearer ${key}` } });

function check(ok: boolean, what: string, detail?: unknown): asserts ok {
  if (!ok) throw new Error(`${what}: ${JSON.stringify(detail)}`);
}

/** Reads the SSE stream until the server closes it after the terminal event. */
async function follow(jobId: string): Promise<EventView[]> {
  const resp = await fetch(`${base}/jobs/${jobId}/events/stream`, { headers: { Authorization: `Bearer ${key}` } });
  check(resp.ok, "stream status", resp.status);
  const text = await resp.text();
  return text
    .split("\n\n")
    .map((block) => block.split("\n").find((l) => l.startsWith("data:")))
    .filter((l): l is string => l !== undefined)
    .map((l) => JSON.parse(l.slice(5)) as EventView);
}

const spec = `openapi: 3.0.3\ninfo:\n  title: TypeScript client flow ${Date.now()}-${process.pid}\n  version: '1'\npaths:\n  /users:\n    get:\n      responses:\n        '200':\n          description: ok\n`;

const submitted = await client.POST("/artifacts/analyze", { body: { content: spec, content_type: "openapi-yaml" } });
check(submitted.data !== undefined, "submit", submitted.error);
const job = submitted.data.job_id;
const streamed = await follow(job);
check(streamed[0]?.type === "queued" && streamed.at(-1)?.type === "completed", "stream", streamed.map((e) => e.type));

const result = await client.GET("/jobs/{job_id}/result", { params: { path: { job_id: job } } });
check(result.data !== undefined, "result", result.error);
const report = result.data.result; // typed by the spec: AnalysisResult
const score = report.production_readiness_score;
check(report.charts.every((c) => ["line", "bar", "pie"].includes(c.type)), "chart types", report.charts);
check(Number.isInteger(score) && score >= 0 && score <= 100, "score", score);
// Beyond the seed's fields: the rule and where it fired, typed too.
const ruleIds: string[] = report.findings.map((f) => f.rule_id ?? "");
check(ruleIds.every((id) => id.startsWith("FL-")), "rule ids", ruleIds);
const lines: (number | undefined)[] = report.findings.map((f) => f.location?.line);
check(lines.some((l) => typeof l === "number"), "finding lines", lines);

// The generated call for the stream, read as text (the job has finished, so
// the server sends the whole log and closes).
const sse = await client.GET("/jobs/{job_id}/events/stream", { params: { path: { job_id: job } }, parseAs: "text" });
check(typeof sse.data === "string", "stream as text", sse.error);
const sseTypes = sse.data.split("\n").filter((l) => l.startsWith("event: ")).map((l) => l.slice(7));
check(sseTypes.join() === streamed.map((e) => e.type).join(), "streamed types", sseTypes);

const page = await client.GET("/jobs/{job_id}/events", { params: { path: { job_id: job }, query: { limit: 1000 } } });
check(page.data !== undefined, "events", page.error);
check(page.data.events.map((e) => e.id).join() === streamed.map((e) => e.id).join(), "event ids");

const listing = await client.GET("/jobs", { params: { query: { limit: 50, status: "completed" } } });
check(listing.data !== undefined, "list", listing.error);
check(listing.data.jobs.some((j) => j.job_id === job), "listed", listing.data);

const hit = await client.POST("/artifacts/analyze", { body: { content: spec, contentType: "openapi-yaml" } });
check(hit.data?.status === "completed" && hit.data.cached, "cache hit", hit.data);
const cached = await client.GET("/artifacts/{content_hash}", { params: { path: { content_hash: hit.data.content_hash } } });
check(cached.data !== undefined, "cached", cached.error);

const missing = await client.GET("/jobs/{job_id}", { params: { path: { job_id: "01ARZ3NDEKTSV4RRFFQ69G5FAV" } } });
const notFound: Problem | undefined = missing.error;
check(missing.response.status === 404 && notFound?.code === "JOB_NOT_FOUND", "404", notFound);
const tooBig = await client.POST("/artifacts/analyze", { body: { content: "x".repeat(maxSize + 1), content_type: "markdown" } });
const problem: Problem | undefined = tooBig.error;
check(tooBig.response.status === 413 && problem?.code === "CONTENT_TOO_LARGE", "413", problem);

console.log(`typescript client flow ok: job ${job}, ${streamed.length} events streamed, score ${score}`);
