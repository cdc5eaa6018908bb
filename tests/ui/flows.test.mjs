// End-to-end flows of the web UI in Debian's headless Chromium, driven by
// playwright-core. scripts/test-ui.sh starts Redis and `faultline api` (no
// workers) and passes BASE, FAULTLINE_BIN and REDIS_URL; this file starts a
// worker itself once a job page is open, so the page must show the job's
// progress live. Screenshots go to test-output/ui/.
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const BASE = process.env.BASE;
const SHOTS = process.env.SHOTS || "test-output/ui";
const SPEC = readFileSync(new URL("./fixtures/pets.yaml", import.meta.url), "utf8");
const BROKEN = "openapi: 3.0.3\npaths: [unclosed\n";
const WAIT = { timeout: 30_000 };

let browser; // a persistent context on a new, empty profile directory
let worker;

before(async () => {
  assert.ok(BASE, "BASE must name the running faultline api");
  mkdirSync(SHOTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), "faultline-chromium-"));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
  worker?.kill("SIGTERM");
});

function startWorker() {
  if (worker) return;
  worker = spawn(process.env.FAULTLINE_BIN, ["worker"], {
    env: { ...process.env, LOG_LEVEL: "warn" },
    stdio: ["ignore", "inherit", "inherit"],
  });
}

// What the Content-Security-Policy refused on any page of the current test.
let violations = [];

afterEach(() => {
  const seen = violations;
  violations = [];
  assert.deepEqual(seen, [], "the Content-Security-Policy refused something");
});

async function newPage(width = 1200) {
  const page = await browser.newPage();
  await page.setViewportSize({ width, height: 900 });
  page.on("pageerror", (e) => assert.fail("page error: " + e.message));
  await page.addInitScript(() => document.addEventListener("securitypolicyviolation", (e) => {
    console.error("Content-Security-Policy violation: " + e.violatedDirective + " " + e.blockedURI);
  }));
  page.on("console", (m) => {
    if (/Content.Security.Policy/i.test(m.text())) violations.push(page.url() + ": " + m.text());
  });
  return page;
}

async function submit(page, content, type, base = BASE) {
  await page.goto(base + "/");
  await page.getByLabel("Artifact text").fill(content);
  if (type) await page.getByLabel("Type", { exact: true }).selectOption(type);
  await page.getByRole("button", { name: "Analyse" }).click();
  await page.waitForURL(/\/ui\/jobs\/[0-9A-Z]{26}$/, WAIT);
  return page.url().split("/").pop();
}

// Polls a condition on this side (the test's own state), for up to 30 s.
async function until(condition) {
  for (let i = 0; i < 300 && !condition(); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(condition(), "timed out waiting for " + condition);
}

let jobId;

test("a queued job is cancelled from its page and the page follows it", async () => {
  assert.equal(worker, undefined, "runs before any worker starts");
  const page = await newPage();
  await submit(page, SPEC.replace("Pets", "Cancelled pets"), "openapi-yaml");
  assert.equal(await page.locator("#job-status").textContent(), "queued");
  await page.getByRole("button", { name: "Cancel job" }).click();
  await page.getByText("This job was cancelled").waitFor(WAIT);
  assert.equal(await page.locator("#job-status").textContent(), "cancelled");
  const live = await page.locator("#live-events li strong").allTextContents();
  assert.deepEqual(live, ["queued", "cancelled"]);
});

test("live updates come back after a 503, let go of the stream while hidden and resume after the last event", async () => {
  assert.equal(worker, undefined, "runs before any worker starts");
  const page = await newPage();
  // The first stream request is refused as an overloaded server would; the
  // others reach the server, and we keep the Last-Event-ID each one sends.
  let refused = false;
  const resumedAfter = [];
  await page.route("**/events/stream", (route) => {
    if (!refused) {
      refused = true;
      return route.fulfill({
        status: 503,
        headers: { "Retry-After": "1", "Content-Type": "application/problem+json" },
        body: JSON.stringify({ title: "Service Unavailable", status: 503, detail: "test outage" }),
      });
    }
    resumedAfter.push(route.request().headers()["last-event-id"] ?? null);
    return route.continue();
  });
  const id = await submit(page, SPEC.replace("Pets", "Hidden pets"), "openapi-yaml");
  await page.locator("#live-status", { hasText: "Reconnecting… (test outage" }).waitFor(WAIT);
  await until(() => resumedAfter.length > 0);
  assert.deepEqual(resumedAfter, [null], "one retry after the 503, from the start");
  await page.locator("#live-status:empty").waitFor({ state: "attached", ...WAIT });

  // Hidden: the open stream is dropped and nothing reconnects.
  const dropped = page.waitForEvent("requestfailed", { predicate: (r) => r.url().endsWith("/events/stream"), ...WAIT });
  await page.evaluate(() => {
    Object.defineProperty(document, "hidden", { configurable: true, get: () => window.hiddenForTest === true });
    window.hiddenForTest = true;
    document.dispatchEvent(new Event("visibilitychange"));
  });
  await dropped;
  const cancel = await page.request.delete(BASE + "/jobs/" + id);
  assert.equal(cancel.status(), 202, await cancel.text());
  await page.waitForTimeout(1500);
  assert.equal(resumedAfter.length, 1, "no stream while hidden");

  // Shown again: one stream, resumed after the `queued` event, so the page
  // gets `cancelled` once and nothing twice.
  await page.evaluate(() => {
    window.hiddenForTest = false;
    document.dispatchEvent(new Event("visibilitychange"));
  });
  await page.getByText("This job was cancelled").waitFor(WAIT);
  assert.equal(resumedAfter.length, 2, "one stream after the tab is shown");
  assert.match(resumedAfter[1] ?? "", /^\d+-\d+$/, "resumed after an entry id");
  const live = await page.locator("#live-events li strong").allTextContents();
  assert.deepEqual(live, ["queued", "cancelled"]);
});

test("a submitted spec shows live progress, then the score, a chart and a finding", async () => {
  const page = await newPage();
  await page.goto(BASE + "/");
  await page.getByLabel("Artifact text").fill(SPEC);
  await assert.doesNotReject(page.getByText("Detected: openapi-yaml").waitFor(WAIT));
  await page.screenshot({ path: join(SHOTS, "1-analyse.png"), fullPage: true });
  await page.getByRole("button", { name: "Analyse" }).click();
  await page.waitForURL(/\/ui\/jobs\/[0-9A-Z]{26}$/, WAIT);
  jobId = page.url().split("/").pop();
  // No worker runs yet: the job waits in the queue and the page follows it.
  assert.equal(await page.locator("#job-status").textContent(), "queued");
  await page.locator("#live-events li", { hasText: "queued" }).waitFor(WAIT);
  await page.screenshot({ path: join(SHOTS, "2-job-queued.png"), fullPage: true });
  startWorker();
  await page.locator("#live-events li", { hasText: "started" }).waitFor(WAIT);
  await page.locator("#score").waitFor(WAIT);
  const live = await page.locator("#live-events li strong").allTextContents();
  assert.deepEqual([live[0], live.at(-1)], ["queued", "completed"], live.join(","));
  assert.ok(live.includes("progress"), "progress events arrive live: " + live.join(","));
  assert.equal(await page.locator("#job-status").textContent(), "completed");
  const score = Number(await page.locator("#score").textContent());
  assert.ok(score >= 0 && score <= 100, "score " + score);
  assert.match(await page.locator("#band").textContent(), /ready|needs work/);
  assert.ok((await page.locator("figure svg[role=img] title").count()) >= 1, "a chart");
  const finding = page.locator(".finding").first();
  await assert.doesNotReject(finding.getByText("Rationale").waitFor(WAIT));
  assert.match(await finding.locator(".location").textContent(), /line \d+/);
  // Category filter: unchecking Security hides its findings.
  const security = await page.locator('.finding[data-category="Security"]').count();
  assert.ok(security > 0);
  await page.getByRole("checkbox", { name: "Security" }).uncheck();
  assert.equal(await page.locator('.finding[data-category="Security"]:visible').count(), 0);
  await page.getByRole("checkbox", { name: "Security" }).check();
  await page.screenshot({ path: join(SHOTS, "3-job-report.png"), fullPage: true });
  const svg = await page.request.get(BASE + `/ui/jobs/${jobId}/charts/0.svg`);
  assert.equal(svg.headers()["content-type"], "image/svg+xml");
});

test("the timeline scrubs to the first event and back, with the replay verdict", async () => {
  assert.ok(jobId, "needs the first flow's job");
  const page = await newPage();
  await page.goto(BASE + `/ui/jobs/${jobId}`);
  await page.getByRole("link", { name: "Timeline and replay" }).click();
  await page.locator("#verdict").getByText("Consistent").waitFor(WAIT);
  const scrubber = page.getByLabel("Event to inspect");
  const last = await scrubber.getAttribute("max");
  await scrubber.focus();
  await page.keyboard.press("Home");
  await page.locator("#state-source", { hasText: "replay?at=1." }).waitFor(WAIT);
  assert.equal(await page.locator("#state-seq").textContent(), "1");
  assert.equal(JSON.parse(await page.locator("#state-json").textContent()).status, "queued");
  await page.screenshot({ path: join(SHOTS, "4-timeline-first.png"), fullPage: true });
  await page.keyboard.press("End");
  await page.locator("#state-source", { hasText: `replay?at=${last}.` }).waitFor(WAIT);
  assert.equal(JSON.parse(await page.locator("#state-json").textContent()).status, "completed");
  // The markers are placed by the script (the policy refuses inline styles).
  const lefts = await page.locator(".marker").evaluateAll((ms) => ms.map((m) => parseFloat(m.style.left)));
  assert.ok(lefts.length >= 3 && lefts.every((l) => l >= 0 && l <= 100), lefts.join(","));
  assert.ok(lefts.at(-1) > lefts[0], "later events further right: " + lefts.join(","));
  // Picking an event in the table selects it too.
  await page.locator("#events .pick").nth(1).click();
  await page.locator("#state-source", { hasText: "replay?at=2." }).waitFor(WAIT);
  assert.equal(await scrubber.inputValue(), "2");
});

test("an uploaded file the analyser rejects shows its error", async () => {
  const page = await newPage();
  startWorker();
  await page.goto(BASE + "/");
  await page.getByLabel("Upload a file").setInputFiles({
    name: "broken.yaml", mimeType: "text/yaml", buffer: Buffer.from(BROKEN),
  });
  await page.getByText("Loaded broken.yaml.").waitFor(WAIT);
  assert.equal(await page.getByLabel("Artifact text").inputValue(), BROKEN);
  await page.getByLabel("Type", { exact: true }).selectOption("openapi-yaml");
  await page.getByRole("button", { name: "Analyse" }).click();
  await page.waitForURL(/\/ui\/jobs\/[0-9A-Z]{26}$/, WAIT);
  const error = page.locator("#job-error");
  await error.waitFor(WAIT);
  assert.match(await error.textContent(), /invalid YAML/);
  assert.equal(await page.locator("#job-status").textContent(), "failed");
  await page.screenshot({ path: join(SHOTS, "5-job-failed.png"), fullPage: true });
});

test("identical content dropped on the form is marked as a cache hit", async () => {
  assert.ok(jobId, "needs the first flow's job");
  const page = await newPage();
  await page.goto(BASE + "/");
  const transfer = await page.evaluateHandle((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], "pets.yaml", { type: "text/yaml" }));
    return dt;
  }, SPEC);
  await page.dispatchEvent("#drop-zone", "drop", { dataTransfer: transfer });
  await page.getByText("Loaded pets.yaml.").waitFor(WAIT);
  await page.getByRole("button", { name: "Analyse" }).click();
  await page.waitForURL(/\/ui\/jobs\/[0-9A-Z]{26}$/, WAIT);
  assert.notEqual(page.url().split("/").pop(), jobId);
  await page.locator("#cache-hit").waitFor(WAIT);
  assert.equal(await page.locator("#job-status").textContent(), "completed");
  await page.locator("#score").waitFor(WAIT);
  await page.screenshot({ path: join(SHOTS, "6-job-cache-hit.png"), fullPage: true });
});

test("runs lists jobs newest first, filters by status and updates live", async () => {
  const page = await newPage();
  await page.goto(BASE + "/ui/runs");
  const rows = page.locator("#runs-table tbody tr");
  assert.ok((await rows.count()) >= 3);
  await page.screenshot({ path: join(SHOTS, "7-runs.png"), fullPage: true });
  // A new job appears on the open page without a reload.
  const before = await rows.count();
  const resp = await page.request.post(BASE + "/artifacts/analyze", {
    data: { content: "# Design\n\nA service that stores orders in Postgres.\n", content_type: "markdown" },
  });
  const { job_id } = await resp.json();
  await page.locator(`#runs-table a[href="/ui/jobs/${job_id}"]`).waitFor(WAIT);
  assert.equal(await rows.count(), before + 1);
  assert.equal(await rows.first().locator("code").textContent(), job_id, "newest first");
  await page.getByLabel("Status").selectOption("failed");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.waitForURL(/status=failed/);
  const statuses = await page.locator("#runs-table tbody .badge").allTextContents();
  assert.ok(statuses.length >= 1 && statuses.every((s) => s === "failed"), statuses.join(","));
});

test("pages read at 360 px without horizontal scrolling", async () => {
  assert.ok(jobId, "needs the first flow's job");
  const page = await newPage(360);
  for (const [path, shot] of [[`/ui/jobs/${jobId}`, "8-job-360px.png"], ["/", null], ["/ui/runs", null], [`/ui/jobs/${jobId}/timeline`, "9-timeline-360px.png"]]) {
    await page.goto(BASE + path);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${path} is ${width}px wide`);
    if (shot) await page.screenshot({ path: join(SHOTS, shot), fullPage: true });
  }
});

test("with locked reads the UI asks for a key once and keeps it in the session only", async () => {
  assert.ok(process.env.BASE_LOCKED && process.env.UI_KEY);
  const page = await newPage();
  await page.goto(process.env.BASE_LOCKED + "/ui/runs");
  const key = page.getByLabel("API key", { exact: true });
  await key.waitFor(WAIT);
  await page.screenshot({ path: join(SHOTS, "10-api-key.png"), fullPage: true });
  await key.fill("not-the-key-0123456789");
  await page.getByRole("button", { name: "Use key" }).click();
  await key.waitFor(WAIT); // refused: asked again, saying so
  await page.getByText("That key was refused").waitFor(WAIT);
  await key.fill(process.env.UI_KEY);
  await page.getByRole("button", { name: "Use key" }).click();
  await page.getByRole("heading", { name: "Recent runs" }).waitFor(WAIT);
  assert.ok((await page.locator("#runs-table tbody tr").count()) >= 1);
  assert.equal(await page.evaluate(() => sessionStorage.getItem("faultline.apiKey")), process.env.UI_KEY);
  assert.equal(await page.evaluate(() => localStorage.length), 0);
  // The next page and a submission use the kept key without asking.
  const id = await submit(page, "# Orders\n\nOrders go to Kafka; a worker writes them to Postgres.\n", "markdown", process.env.BASE_LOCKED);
  assert.match(id, /^[0-9A-Z]{26}$/);
  await page.locator("#score").waitFor(WAIT);
  assert.ok(await page.getByLabel("API key", { exact: true }).isHidden());
  // The Markdown download needs the key too: the page fetches it with it.
  const [download] = await Promise.all([
    page.waitForEvent("download", WAIT),
    page.getByRole("link", { name: "Download .md" }).click(),
  ]);
  const text = readFileSync(await download.path(), "utf8");
  assert.match(text, /Production readiness/i);
  assert.match(text, new RegExp(`/ui/jobs/${id}/charts/0\\.svg`));
  // The JSON link opens with the key too (a plain link would get a 401).
  await page.getByRole("link", { name: "JSON", exact: true }).click();
  await page.waitForFunction(() => document.body.innerText.includes('"job_id"'), null, WAIT);
  assert.ok(!(await page.content()).includes("UNAUTHORIZED"));
});

test("pages and the API docs carry the security headers and render under their policies", async () => {
  const page = await newPage();
  const resp = await page.goto(BASE + "/");
  const headers = resp.headers();
  assert.match(headers["content-security-policy"], /frame-ancestors 'none'/);
  assert.equal(headers["x-content-type-options"], "nosniff");
  assert.equal(headers["referrer-policy"], "no-referrer");
  const docs = await page.goto(BASE + "/docs");
  assert.match(docs.headers()["content-security-policy"], /script-src 'self' 'sha256-/);
  // Swagger UI (inline script and styles, allowed by hash and for styles)
  // renders the spec and expands an operation.
  await page.locator(".swagger-ui .info .title", { hasText: "Faultline" }).waitFor(WAIT);
  await page.locator(".opblock-summary-path", { hasText: "/artifacts/analyze" }).first().click();
  await page.getByRole("button", { name: "Try it out" }).first().waitFor(WAIT);
  await page.screenshot({ path: join(SHOTS, "11-docs.png") });
});
