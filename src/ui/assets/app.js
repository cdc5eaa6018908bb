// Faultline UI: the little JavaScript the server-rendered pages need.
// Submission, live job updates over Server-Sent Events, the timeline
// scrubber, findings filters, copy, and the runs refresh. Every API call
// goes through apiFetch, which sends the API key (kept in sessionStorage
// only) as a bearer header when the server asked for one.
"use strict";

const KEY = "faultline.apiKey";
// Marks the script's own page loads, which the server checks like API reads.
const PAGE_HEADERS = { Accept: "text/html", "X-Faultline-Page": "1" };
const TERMINAL = new Set(["completed", "failed", "cancelled"]);
const STATUS_OF = {
  queued: "queued", retry_scheduled: "queued", started: "running", progress: "running",
  completed: "completed", cache_hit: "completed", failed: "failed", cancelled: "cancelled",
};

function authHeaders(extra) {
  const headers = Object.assign({}, extra || {});
  const key = sessionStorage.getItem(KEY);
  if (key) headers.Authorization = "Bearer " + key;
  return headers;
}

// Shows the key panel and resolves once a key is entered.
function askForKey() {
  const panel = document.getElementById("key-panel");
  const form = document.getElementById("key-form");
  const input = document.getElementById("api-key");
  panel.hidden = false;
  input.focus();
  return new Promise((resolve) => {
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      sessionStorage.setItem(KEY, input.value.trim());
      input.value = "";
      panel.hidden = true;
      resolve();
    }, { once: true });
  });
}

async function apiFetch(url, opts) {
  opts = opts || {};
  for (;;) {
    const resp = await fetch(url, Object.assign({}, opts, { headers: authHeaders(opts.headers) }));
    if (resp.status !== 401) return resp;
    sessionStorage.removeItem(KEY);
    await askForKey();
  }
}

async function problemText(resp) {
  try {
    const p = await resp.json();
    return (p.detail || p.title || resp.statusText) + (p.code ? " (" + p.code + ")" : "");
  } catch (_) {
    return resp.status + " " + resp.statusText;
  }
}

// ---------- analyse page ----------

function detectType(text, name) {
  const lower = (name || "").toLowerCase();
  const head = text.slice(0, 4000);
  const isOpenapi = /(^|\n)\s*["']?(openapi|swagger)["']?\s*:/.test(head);
  if (lower.endsWith(".json") || /^\s*[{[]/.test(text)) return isOpenapi ? "openapi-json" : "architecture";
  if (isOpenapi) return "openapi-yaml";
  if (lower.endsWith(".md") || lower.endsWith(".markdown") || /(^|\n)#{1,3} \S/.test(head)) return "markdown";
  return "architecture";
}

function initAnalyse() {
  const form = document.getElementById("analyse-form");
  if (!form) return;
  const content = document.getElementById("content");
  const file = document.getElementById("file");
  const type = document.getElementById("content-type");
  const detected = document.getElementById("detected");
  const drop = document.getElementById("drop-zone");
  const status = document.getElementById("form-status");
  const error = document.getElementById("form-error");
  const submit = document.getElementById("submit");
  const maxBytes = Number(form.dataset.maxBytes);
  let fileName = "";

  const showDetected = () => {
    detected.textContent = content.value.trim()
      ? "Detected: " + detectType(content.value, fileName) + (type.value === "auto" ? "" : " (overridden)")
      : "";
  };
  const load = async (f) => {
    if (!f) return;
    if (f.size > maxBytes) {
      error.hidden = false;
      error.textContent = f.name + " is " + f.size + " bytes; the limit is " + maxBytes + ".";
      return;
    }
    fileName = f.name;
    content.value = await f.text();
    error.hidden = true;
    status.textContent = "Loaded " + f.name + ".";
    showDetected();
  };
  content.addEventListener("input", () => { fileName = ""; showDetected(); });
  type.addEventListener("change", showDetected);
  file.addEventListener("change", () => load(file.files[0]));
  drop.addEventListener("dragover", (ev) => { ev.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (ev) => {
    ev.preventDefault();
    drop.classList.remove("over");
    load(ev.dataTransfer.files[0]);
  });

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    const metadata = {};
    for (const name of ["repo", "team", "riskTolerance"]) {
      const v = form.elements[name].value.trim();
      if (v) metadata[name] = v;
    }
    const chosen = type.value === "auto" ? detectType(content.value, fileName) : type.value;
    const body = { content: content.value, content_type: type.value === "auto" ? "auto" : chosen };
    if (Object.keys(metadata).length) body.metadata = metadata;
    submit.disabled = true;
    status.textContent = "Submitting…";
    try {
      const resp = await apiFetch("/artifacts/analyze", {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
      });
      if (!resp.ok) throw new Error(await problemText(resp));
      const job = await resp.json();
      status.textContent = job.cached ? "Cache hit: opening the stored report…" : "Submitted; opening the job…";
      location.assign("/ui/jobs/" + encodeURIComponent(job.job_id));
    } catch (e) {
      status.textContent = "";
      error.hidden = false;
      error.textContent = "Could not submit: " + e.message;
      submit.disabled = false;
    }
  });
}

// ---------- Server-Sent Events over fetch (EventSource cannot send a bearer header) ----------

async function followStream(url, onEvent, signal) {
  let lastId = null;
  for (let tries = 0; tries < 30 && !signal.aborted; tries++) {
    const headers = lastId ? { "Last-Event-ID": lastId, Accept: "text/event-stream" } : { Accept: "text/event-stream" };
    let resp;
    try {
      resp = await apiFetch(url, { headers, signal });
    } catch (_) {
      if (signal.aborted) return;
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    if (resp.status === 204) return; // the job has finished: nothing more will come
    if (!resp.ok || !resp.body) throw new Error(await problemText(resp));
    const reader = resp.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      let chunk;
      try { chunk = await reader.read(); } catch (_) { break; }
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const msg = { id: null, event: "message", data: [] };
        for (const line of block.split("\n")) {
          if (!line || line.startsWith(":")) continue;
          const i = line.indexOf(":");
          const field = i < 0 ? line : line.slice(0, i);
          const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
          if (field === "id") msg.id = value;
          else if (field === "event") msg.event = value;
          else if (field === "data") msg.data.push(value);
        }
        if (msg.id) lastId = msg.id;
        if (msg.data.length && onEvent(msg.event, JSON.parse(msg.data.join("\n")))) return;
      }
    }
    // Closed before the terminal event: resume after the last id.
    await new Promise((r) => setTimeout(r, 500));
  }
}

// ---------- job page ----------

function initJob(root) {
  const live = root.querySelector("#live[data-stream]");
  if (live && !live.dataset.following) {
    live.dataset.following = "1";
    const list = live.querySelector("#live-events");
    const note = live.querySelector("#live-status");
    let first = true;
    const controller = new AbortController();
    followStream(live.dataset.stream, (type, ev) => {
      if (first) { list.replaceChildren(); first = false; }
      const li = document.createElement("li");
      const strong = document.createElement("strong");
      strong.textContent = type;
      li.append(strong, " " + ((ev.data && (ev.data.hint || ev.data.error)) || ""));
      list.append(li);
      const status = STATUS_OF[type];
      const badge = document.getElementById("job-status");
      if (status && badge) { badge.textContent = status; badge.className = "badge status-" + status; }
      const hint = document.getElementById("job-hint");
      if (hint && ev.data && ev.data.hint) hint.textContent = ev.data.hint;
      const attempt = document.getElementById("job-attempt");
      if (attempt && ev.attempt !== undefined) attempt.textContent = ev.attempt;
      if (TERMINAL.has(type)) {
        note.textContent = "Finished: loading the report…";
        showReport(live);
        return true;
      }
      return false;
    }, controller.signal).catch((e) => { note.textContent = "Live updates unavailable: " + e.message; });
  }
  initCancel(root);
  initFindings(root);
  initCopy(root);
  initKeyedLinks(root);
}

// DELETE /jobs/{id}; the live stream then delivers `cancelled`.
function initCancel(root) {
  const button = root.querySelector("#cancel-job");
  if (!button) return;
  button.addEventListener("click", async () => {
    const status = root.querySelector("#cancel-status");
    button.disabled = true;
    const resp = await apiFetch("/jobs/" + encodeURIComponent(button.dataset.job), { method: "DELETE" });
    status.textContent = resp.ok ? "Cancelling…" : "Not cancelled: " + (await problemText(resp));
    if (!resp.ok) button.disabled = false;
  });
}

// Loads the finished page and swaps it in, keeping the live event list.
async function showReport(live) {
  const resp = await apiFetch(location.href, { headers: PAGE_HEADERS });
  const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
  const fresh = doc.querySelector("main");
  const main = document.querySelector("main");
  if (!fresh || !main) return;
  live.querySelector("progress")?.remove();
  live.removeAttribute("data-stream");
  const anchor = fresh.querySelector(".links");
  if (anchor) anchor.after(document.adoptNode(live));
  main.replaceChildren(...Array.from(fresh.childNodes).map((n) => document.adoptNode(n)));
  main.dataset.ready = "1";
  initJob(main);
}

function initFindings(root) {
  const boxes = Array.from(root.querySelectorAll(".category-filter"));
  if (!boxes.length) return;
  const status = root.querySelector("#filter-status");
  const apply = () => {
    const shown = new Set(boxes.filter((b) => b.checked).map((b) => b.value));
    let visible = 0;
    root.querySelectorAll(".finding").forEach((f) => {
      f.hidden = !shown.has(f.dataset.category);
      if (!f.hidden) visible++;
    });
    root.querySelectorAll(".severity-group").forEach((g) => {
      g.hidden = !g.querySelector(".finding:not([hidden])");
    });
    status.textContent = "Showing " + visible + " of " + root.querySelectorAll(".finding").length + " findings.";
  };
  boxes.forEach((b) => b.addEventListener("change", apply));
}

// Downloads are plain links; with a key in the session they are fetched
// with it (a link cannot send a header), for servers whose reads need one.
function initKeyedLinks(root) {
  root.querySelectorAll("a[data-keyed]").forEach((a) => {
    a.addEventListener("click", async (ev) => {
      if (!sessionStorage.getItem(KEY)) return;
      ev.preventDefault();
      const resp = await apiFetch(a.href);
      if (!resp.ok) return;
      const url = URL.createObjectURL(await resp.blob());
      if (!a.hasAttribute("download")) return location.assign(url);
      const tmp = document.createElement("a");
      tmp.href = url;
      tmp.download = a.getAttribute("download") || "";
      document.body.append(tmp);
      tmp.click();
      tmp.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    });
  });
}

function initCopy(root) {
  const button = root.querySelector("#copy-md");
  if (!button) return;
  button.addEventListener("click", async () => {
    const text = root.querySelector("#markdown");
    const status = root.querySelector("#copy-status");
    try {
      await navigator.clipboard.writeText(text.value);
    } catch (_) {
      text.select();
      document.execCommand("copy");
    }
    status.textContent = "Copied.";
  });
}

// ---------- timeline page ----------

function initTimeline() {
  const root = document.getElementById("timeline");
  if (!root) return;
  const job = root.dataset.job;
  const scrubber = document.getElementById("scrubber");
  const label = document.getElementById("scrub-label");
  const seq = document.getElementById("state-seq");
  const pre = document.getElementById("state-json");
  const source = document.getElementById("state-source");
  const states = JSON.parse(document.getElementById("replay-states").textContent);
  const rows = Array.from(document.querySelectorAll("#events tbody tr"));
  const markers = Array.from(document.querySelectorAll(".marker"));
  let asked = 0;

  const select = async (n) => {
    n = Math.max(1, Math.min(states.length, n));
    scrubber.value = String(n);
    const row = rows[n - 1];
    const text = row.querySelector(".pick").getAttribute("aria-label").replace(/^Show the state after /, "");
    label.textContent = text;
    scrubber.setAttribute("aria-valuetext", text);
    seq.textContent = row.cells[0].textContent;
    rows.forEach((r, i) => {
      r.classList.toggle("selected", i === n - 1);
      if (i === n - 1) r.setAttribute("aria-current", "true"); else r.removeAttribute("aria-current");
    });
    markers.forEach((m) => m.classList.toggle("selected", Number(m.dataset.index) === n));
    // The folded state is in the page at once; the replay endpoint then
    // confirms it (the same fold, served by the API).
    pre.textContent = JSON.stringify(states[n - 1], null, 2);
    const ticket = ++asked;
    try {
      const resp = await apiFetch("/jobs/" + encodeURIComponent(job) + "/replay?at=" + n);
      if (!resp.ok) throw new Error(await problemText(resp));
      const body = await resp.json();
      if (ticket !== asked) return;
      pre.textContent = JSON.stringify(body.state_at, null, 2);
      source.textContent = "From GET /jobs/" + job + "/replay?at=" + n + ".";
      pre.dataset.at = String(n);
    } catch (e) {
      if (ticket === asked) source.textContent = "Folded on the server (replay endpoint: " + e.message + ").";
    }
  };
  scrubber.addEventListener("input", () => select(Number(scrubber.value)));
  document.querySelectorAll("[data-index]").forEach((el) => {
    el.addEventListener("click", () => select(Number(el.dataset.index)));
  });
}

// ---------- runs page ----------

function initRuns() {
  const box = document.querySelector('#runs[data-live="true"]');
  if (!box) return;
  // The newest page refreshes itself while visible; older pages stay put.
  setInterval(async () => {
    if (document.hidden) return;
    try {
      const resp = await apiFetch(location.href, { headers: PAGE_HEADERS });
      if (!resp.ok) return;
      const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
      const fresh = doc.getElementById("runs");
      if (fresh && fresh.innerHTML !== box.innerHTML) box.innerHTML = fresh.innerHTML;
    } catch (_) { /* the next tick retries */ }
  }, 3000);
}

// Reads need a key: the server sent an empty shell; load the page itself
// with the bearer header and swap it in.
async function initDeferred() {
  const slot = document.getElementById("deferred");
  if (!slot) return false;
  const resp = await apiFetch(slot.dataset.src, { headers: PAGE_HEADERS });
  const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
  const fresh = doc.querySelector("main");
  if (!fresh) return true;
  document.title = doc.title;
  document.querySelector("main").replaceChildren(...Array.from(fresh.childNodes).map((n) => document.adoptNode(n)));
  return true;
}

document.addEventListener("DOMContentLoaded", async () => {
  await initDeferred();
  initAnalyse();
  initJob(document);
  initTimeline();
  initRuns();
});
