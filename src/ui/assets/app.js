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

// Shows the key panel (saying so when the last key was refused) and
// resolves once a key is entered.
function askForKey(refused) {
  const panel = document.getElementById("key-panel");
  const form = document.getElementById("key-form");
  const input = document.getElementById("api-key");
  document.getElementById("key-refused").textContent = refused ? "That key was refused; enter another." : "";
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
    const refused = sessionStorage.getItem(KEY) !== null;
    sessionStorage.removeItem(KEY);
    await askForKey(refused);
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

// A preview of the server's detection (src/analysis/detect.rs) for `auto`:
// OpenAPI by a root `openapi`/`swagger` key with a version (outside code
// fences), architecture by a diagram; `null` when only the server's fuller
// rules (component vocabulary, design-doc shape) can tell.
function detectType(text) {
  const body = text.replace(/^\uFEFF/, "");
  if (/^\s*\{/.test(body)) return /"(openapi|swagger)"\s*:/.test(body) ? "openapi-json" : null;
  let fence = null;
  for (const line of body.split("\n")) {
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (m) {
      if (fence === null) fence = m[1];
      else if (m[1][0] === fence[0] && m[1].length >= fence.length && !line.trim().slice(m[1].length)) fence = null;
      continue;
    }
    if (fence === null && /^["']?(openapi|swagger)["']?\s*:\s*["']?\d/.test(line)) return "openapi-yaml";
  }
  const lower = body.toLowerCase();
  if (lower.includes("```mermaid") || lower.includes("@startuml")) return "architecture";
  return null;
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

  const showDetected = () => {
    const kind = detectType(content.value);
    const text = kind ? "Detected: " + kind : "Detected on the server: Markdown or architecture";
    detected.textContent = content.value.trim()
      ? text + (type.value === "auto" ? "" : " (overridden)")
      : "";
  };
  const load = async (f) => {
    if (!f) return;
    if (f.size > maxBytes) {
      error.hidden = false;
      error.textContent = f.name + " is " + f.size + " bytes; the limit is " + maxBytes + ".";
      return;
    }
    content.value = await f.text();
    error.hidden = true;
    status.textContent = "Loaded " + f.name + ".";
    showDetected();
  };
  content.addEventListener("input", showDetected);
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
    const body = { content: content.value, content_type: type.value };
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

// A refusal that reconnecting will not change (4xx other than 429).
class StreamRefused extends Error {}

const sleep = (ms, signal) => new Promise((resolve) => {
  const t = setTimeout(resolve, ms);
  signal?.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
});

// Resolves when the tab is shown again (or `signal` aborts).
const shown = (signal) => new Promise((resolve) => {
  const check = () => {
    if (document.hidden && !signal.aborted) return;
    document.removeEventListener("visibilitychange", check);
    resolve();
  };
  document.addEventListener("visibilitychange", check);
  signal.addEventListener("abort", check, { once: true });
});

// Retry-After in ms, or `fallback`.
function retryAfter(resp, fallback) {
  const s = Number(resp.headers.get("Retry-After"));
  return Number.isFinite(s) && s > 0 ? s * 1000 : fallback;
}

// Follows a job's events until onEvent returns true (the terminal event),
// resuming after the last id whenever the stream breaks: after a 503 or 429
// (honouring Retry-After) or a network error, for as long as the page is
// open, telling `onState` while it reconnects. It lets go of the connection
// while the tab is hidden and resumes when it is shown: browsers allow six
// connections per host over HTTP/1.1, and six open job pages would
// otherwise starve every other page and the Cancel button.
async function followStream(url, onEvent, signal, onState) {
  let lastId = null;
  let wait = 1000;
  const again = async (why) => {
    onState("Reconnecting… (" + why + ")");
    await sleep(wait, signal);
    wait = Math.min(wait * 2, 15000);
  };
  while (!signal.aborted) {
    if (document.hidden) { await shown(signal); continue; }
    const attempt = new AbortController();
    const stop = () => attempt.abort();
    const onHide = () => { if (document.hidden) attempt.abort(); };
    signal.addEventListener("abort", stop, { once: true });
    document.addEventListener("visibilitychange", onHide);
    try {
      const headers = lastId ? { "Last-Event-ID": lastId, Accept: "text/event-stream" } : { Accept: "text/event-stream" };
      const resp = await apiFetch(url, { headers, signal: attempt.signal });
      if (resp.status === 204) return; // the job has finished: nothing more will come
      if (resp.status === 503 || resp.status === 429) {
        const why = await problemText(resp);
        wait = retryAfter(resp, wait);
        await again(why);
        continue;
      }
      if (!resp.ok || !resp.body) throw new StreamRefused(await problemText(resp));
      onState("");
      wait = 1000;
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
      // Closed before the terminal event (or hidden): resume after the last id.
      if (!document.hidden) await sleep(500, signal);
    } catch (e) {
      if (e instanceof StreamRefused) throw e;
      if (signal.aborted || document.hidden) continue; // hidden: resumed when shown
      await again("connection lost");
    } finally {
      signal.removeEventListener("abort", stop);
      document.removeEventListener("visibilitychange", onHide);
    }
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
      if (TERMINAL.has(type) || type === "cache_hit") {
        note.textContent = "Finished: loading the report…";
        showReport(live);
        return true;
      }
      return false;
    }, controller.signal, (state) => { note.textContent = state; })
      .catch((e) => { note.textContent = "Live updates unavailable: " + e.message; });
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
    let resp;
    try {
      resp = await apiFetch("/jobs/" + encodeURIComponent(button.dataset.job), { method: "DELETE" });
    } catch (_) {
      status.textContent = "Could not reach the server; try again.";
      button.disabled = false;
      return;
    }
    if (resp.ok) {
      status.textContent = "Cancelling…";
    } else if (resp.status === 409) {
      // Already finished (or cancelled by a call whose answer was lost): show it.
      status.textContent = "The job has already finished; loading it…";
      location.reload();
    } else if (resp.status === 503) {
      // The cancel may still have been recorded: the live updates will say.
      status.textContent = "Not confirmed: " + (await problemText(resp)) + ". The status above updates if it took effect.";
      button.disabled = false;
    } else {
      status.textContent = "Not cancelled: " + (await problemText(resp));
      button.disabled = false;
    }
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
  const hadFocus = main.contains(document.activeElement);
  main.replaceChildren(...Array.from(fresh.childNodes).map((n) => document.adoptNode(n)));
  main.dataset.ready = "1";
  const note = live.querySelector("#live-status");
  if (note) note.textContent = "Finished.";
  // Focus inside the swapped part would fall back to the page: move it to
  // the heading of what was loaded.
  if (hadFocus && !main.contains(document.activeElement)) {
    const heading = main.querySelector("h2, h1");
    if (heading) { heading.tabIndex = -1; heading.focus(); }
  }
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
  initKeyedLinks(document);
  const job = root.dataset.job;
  const scrubber = document.getElementById("scrubber");
  const label = document.getElementById("scrub-label");
  const seq = document.getElementById("state-seq");
  const pre = document.getElementById("state-json");
  const source = document.getElementById("state-source");
  const states = JSON.parse(document.getElementById("replay-states").textContent);
  const rows = Array.from(document.querySelectorAll("#events tbody tr"));
  const markers = Array.from(document.querySelectorAll(".marker"));
  // Placed here: the Content-Security-Policy refuses inline style attributes.
  markers.forEach((m) => { m.style.left = m.dataset.left + "%"; });
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
  const note = document.getElementById("runs-status");
  const stale = (why) => { if (note) note.textContent = "Not refreshed (" + why + "); the list may be out of date."; };
  setInterval(async () => {
    if (document.hidden) return;
    try {
      const resp = await apiFetch(location.href, { headers: PAGE_HEADERS });
      if (!resp.ok) return stale(resp.status + " " + resp.statusText);
      const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
      const fresh = doc.getElementById("runs");
      if (note) note.textContent = "";
      if (!fresh || fresh.innerHTML === box.innerHTML) return;
      // Keep keyboard focus on the same link across the refresh.
      const focused = box.contains(document.activeElement) ? document.activeElement.getAttribute("href") : null;
      box.innerHTML = fresh.innerHTML;
      if (focused) box.querySelector('a[href="' + CSS.escape(focused) + '"]')?.focus();
    } catch (_) { stale("the server did not answer"); }
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
