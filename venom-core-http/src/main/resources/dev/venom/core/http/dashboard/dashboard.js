/* Venom Core dashboard: talks to the same-origin /api/v1 HTTP API. Live updates come from the
   Server-Sent Events stream, read with fetch() (not EventSource) so an API key header can be sent.
   Plain ES2020, no dependencies; all data is rendered with textContent / DOM APIs. */
"use strict";

(() => {
  const STATUSES = ["PENDING", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED"];
  const ACTIVE = new Set(["PENDING", "PROCESSING"]);
  const PAGE_SIZE = 50;
  const KEY_STORAGE = "venom.apiKey";
  // A safety-net re-read besides the live events, every `?refresh=<seconds>` (default 10; 0 turns it off).
  const REFRESH_MS = (() => {
    const asked = Number(new URLSearchParams(location.search).get("refresh") ?? "10");
    return Number.isFinite(asked) && asked >= 0 ? asked * 1000 : 10000;
  })();
  const $ = (id) => document.getElementById(id);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // ---------------------------------------------------------------- helpers

  /** Runs fn at most once per `ms`; calls made meanwhile collapse into one trailing call. */
  function throttle(fn, ms) {
    let timer = null;
    let last = 0;
    return () => {
      if (timer !== null) return;
      const run = () => { timer = null; last = Date.now(); fn(); };
      timer = setTimeout(run, Math.max(0, last + ms - Date.now()));
    };
  }

  function fmtTime(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    // Swedish formatting is ISO-like ("2026-11-27 10:00:00"), in the browser's own time zone.
    return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString("sv-SE");
  }

  const truncate = (text, max) => {
    const s = text == null ? "" : String(text);
    return s.length > max ? s.slice(0, max - 1) + "…" : s;
  };

  function setMessage(el, text, state) {
    el.textContent = text;
    if (state) el.dataset.state = state;
    else delete el.dataset.state;
  }

  function setBadge(el, status) {
    el.className = "badge badge-" + String(status).toLowerCase();
    el.textContent = status;
  }

  // ------------------------------------------------ API access with optional key

  let apiKey = "";
  try { apiKey = sessionStorage.getItem(KEY_STORAGE) || ""; } catch { /* storage unavailable */ }
  let keyPrompt = null;

  /** Shows the in-page key form; resolves once the user has entered a key. Shared by all callers. */
  function askForKey(rejected) {
    if (keyPrompt) return keyPrompt;
    keyPrompt = new Promise((resolve) => {
      const form = $("api-key-form");
      const message = $("api-key-message");
      setMessage(message, rejected ? "The key was rejected, please try another one." : "", rejected ? "error" : "");
      form.hidden = false;
      $("api-key").focus();
      form.onsubmit = (e) => {
        e.preventDefault();
        const key = $("api-key").value.trim();
        if (!key) return setMessage(message, "Please enter a key.", "error");
        apiKey = key;
        try { sessionStorage.setItem(KEY_STORAGE, key); } catch { /* keep it in memory only */ }
        $("api-key").value = "";
        form.hidden = true;
        keyPrompt = null;
        resolve();
      };
    });
    return keyPrompt;
  }

  /** fetch() that sends the API key when known and, on 401, asks for one and retries. */
  async function api(path, options = {}) {
    for (;;) {
      const usedKey = apiKey;
      const headers = new Headers(options.headers);
      if (usedKey) headers.set("Authorization", "Bearer " + usedKey);
      const res = await fetch(path, { ...options, headers });
      if (res.status !== 401) return res;
      if (apiKey === usedKey) await askForKey(Boolean(usedKey)); // else a new key arrived meanwhile
    }
  }

  /** Human-readable error from a {"detail": ...} body (string, or a list of validation errors). */
  async function errorText(res) {
    let body = null;
    try { body = await res.json(); } catch { /* not JSON */ }
    const detail = body && body.detail;
    if (Array.isArray(detail)) {
      return detail.map((err) => {
        const loc = Array.isArray(err.loc) && err.loc.length ? err.loc[err.loc.length - 1] : "";
        return loc === "" ? String(err.msg) : `${loc}: ${err.msg}`;
      }).join("\n");
    }
    if (typeof detail === "string" && detail) return detail;
    return `HTTP ${res.status} ${res.statusText || ""}`.trim();
  }

  async function getJson(path) {
    const res = await api(path);
    if (!res.ok) throw new Error(await errorText(res));
    return res.json();
  }

  // ----------------------------------------------------------------- counts

  async function refreshCounts() {
    try {
      const { counts = {} } = await getJson("/api/v1/stats");
      for (const s of STATUSES) $("count-" + s).textContent = String(counts[s] ?? 0);
    } catch { /* the next event or the periodic refresh will try again */ }
  }
  const countsSoon = throttle(refreshCounts, 500);

  // ------------------------------------------------------------- task table

  const table = {
    filter: "",
    queue: "",          // only this queue's tasks, when set
    cursors: [null],    // cursor of each page visited; the last one is the current page
    nextCursor: null,   // from the Link rel="next" header
    moreMaybe: false,   // a task was created after a full last page: allow "next" anyway
    rows: new Map(),    // task id -> <tr> of the current page
    count: 0,
    seq: 0,
    paging: false,
  };

  const matchesFilter = (status) => !table.filter || table.filter.split(",").includes(status);
  const QUEUE_NAME = /^[a-z0-9_-]{1,64}$/;

  function pageUrl(cursor) {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (table.filter) query.set("status", table.filter);
    if (table.queue) query.set("queue", table.queue);
    if (cursor) query.set("cursor", cursor);
    return "/api/v1/tasks?" + query;
  }

  function nextCursorFrom(link) {
    const m = link && /<([^>]*)>\s*;\s*rel="?next"?/i.exec(link);
    return m ? new URL(m[1], location.href).searchParams.get("cursor") : null;
  }

  async function loadPage() {
    const seq = ++table.seq;
    try {
      const res = await api(pageUrl(table.cursors[table.cursors.length - 1]));
      if (!res.ok) throw new Error(await errorText(res));
      const tasks = await res.json();
      if (seq !== table.seq) return;
      table.nextCursor = nextCursorFrom(res.headers.get("Link"));
      table.moreMaybe = false;
      renderRows(tasks);
      setMessage($("tasks-message"), "");
    } catch (err) {
      if (seq === table.seq) setMessage($("tasks-message"), "Could not load tasks: " + err.message, "error");
    }
    updatePager();
  }
  const pageSoon = throttle(loadPage, 500);

  function cell(tr, cls, text = "") {
    const td = tr.insertCell();
    td.className = cls;
    td.textContent = text;
    return td;
  }

  function makeRow(task) {
    const tr = document.createElement("tr");
    tr.dataset.taskId = task.id;
    tr.classList.toggle("selected", task.id === detail.id);
    cell(tr, "id", String(task.id).slice(0, 8)).title = task.id;
    const badge = document.createElement("span");
    setBadge(badge, task.status);
    cell(tr, "status").append(badge);
    cell(tr, "queue", task.queue ?? "default");
    cell(tr, "content", truncate(task.content, 80)).title = truncate(task.content, 500);
    cell(tr, "created", fmtTime(task.created_at)).title = task.created_at || "";
    cell(tr, "attempts", `${task.attempts ?? 0}/${task.max_attempts ?? "?"}`);
    cell(tr, "priority", String(task.priority ?? ""));
    return tr;
  }

  function renderRows(tasks) {
    const fragment = document.createDocumentFragment();
    table.rows.clear();
    for (const task of tasks) {
      const tr = makeRow(task);
      table.rows.set(task.id, tr);
      fragment.append(tr);
    }
    $("tasks").tBodies[0].replaceChildren(fragment);
    table.count = tasks.length;
    $("tasks-empty").hidden = tasks.length > 0;
  }

  function updatePager() {
    const page = table.cursors.length;
    $("page-info").textContent = `Page ${page}`;
    $("prev-page").disabled = page <= 1;
    $("next-page").disabled = !table.nextCursor && !table.moreMaybe;
  }

  async function turnPage(forward) {
    if (table.paging) return;
    table.paging = true;
    try {
      if (forward) {
        if (!table.nextCursor) await loadPage(); // "moreMaybe": re-read to learn the next cursor
        if (!table.nextCursor) return;
        table.cursors.push(table.nextCursor);
        table.nextCursor = null;
      } else {
        if (table.cursors.length <= 1) return;
        table.cursors.pop();
      }
      await loadPage();
    } finally {
      table.paging = false;
    }
  }

  function setFilter(status) {
    table.filter = status;
    table.cursors = [null];
    table.nextCursor = null;
    $("status-filter").value = status;
    for (const btn of document.querySelectorAll(".count")) btn.classList.toggle("active", btn.dataset.status === status);
    loadPage();
  }

  function setQueueFilter(queue) {
    const name = queue.trim();
    if (name && !QUEUE_NAME.test(name)) {
      setMessage($("tasks-message"), "A queue name is 1 to 64 of a-z, 0-9, _ and -", "error");
      return;
    }
    table.queue = name;
    table.cursors = [null];
    table.nextCursor = null;
    loadPage();
  }

  /** New tasks matching the filter exist: they land on the last page (oldest-first order). */
  function maybeNewRows() {
    if (table.nextCursor || table.moreMaybe) return;
    if (table.count < PAGE_SIZE) {
      pageSoon();
    } else {
      table.moreMaybe = true;
      updatePager();
    }
  }

  // ----------------------------------------------------------- detail panel

  const detail = { id: null, task: null, seq: 0, loading: false, again: false };

  function fillText(id, text) { $(id).textContent = text == null ? "" : String(text); }

  function renderDetail(task) {
    detail.task = task;
    fillText("detail-id", task.id);
    setBadge($("detail-status"), task.status);
    fillText("detail-content", task.content);
    const result = task.result;
    fillText("detail-result", result !== null && typeof result === "object" ? JSON.stringify(result, null, 2) : result);
    fillText("detail-attempts", `${task.attempts ?? 0} of ${task.max_attempts ?? "?"}`);
    fillText("detail-priority", task.priority);
    fillText("detail-queue", task.queue);
    fillText("detail-created", fmtTime(task.created_at));
    fillText("detail-run-at", fmtTime(task.run_at));
    fillText("detail-updated", fmtTime(task.updated_at));
    fillText("detail-finished", fmtTime(task.finished_at));
    fillText("detail-timeout", task.timeout_ms == null ? "" : `${task.timeout_ms} ms`);
    fillText("detail-idempotency-key", task.idempotency_key);
    const requires = Object.entries(task.requires || {});
    fillText("detail-requires", requires.map(([name, value]) => `${name}=${value}`).join(", "));
    const progress = task.progress;
    const shown = $("detail-progress");
    shown.replaceChildren();
    if (progress) {
      const bar = document.createElement("progress");
      bar.id = "detail-progress-bar";
      bar.max = 100;
      bar.value = progress.percent;
      const text = document.createElement("span");
      text.textContent = `${progress.percent}%${progress.message ? " " + progress.message : ""}`;
      shown.append(bar, " ", text);
    }
    const waiting = new Set(task.waiting_on || []);
    taskLinks($("detail-depends-on"), (task.depends_on || []).map(id => ({ id, note: waiting.has(id) ? "waiting" : "" })));
    const ol = $("detail-logs");
    const stick = ol.scrollHeight - ol.scrollTop - ol.clientHeight < 8;
    const top = ol.scrollTop;
    ol.replaceChildren();
    appendLogs(task.logs || []);
    ol.scrollTop = stick ? ol.scrollHeight : top;
    $("cancel").disabled = !ACTIVE.has(task.status);
  }

  /** Fills {@code dd} with a link per task, each opening that task here, and its note ("waiting", a status). */
  function taskLinks(dd, tasks) {
    dd.replaceChildren();
    tasks.forEach(({ id, note }, i) => {
      const link = document.createElement("a");
      link.href = "#" + id;
      link.className = "task-link";
      link.dataset.taskId = id;
      link.textContent = id.slice(0, 8);
      link.title = id;
      link.addEventListener("click", event => {
        event.preventDefault();
        openDetail(id);
      });
      if (i > 0) dd.append(", ");
      dd.append(link);
      if (note) dd.append(` (${note})`);
    });
  }

  /** Lists the tasks that depend on the open one (a separate read: only the server knows them all). */
  async function loadDependents(id, seq) {
    try {
      const dependents = await getJson("/api/v1/tasks/" + encodeURIComponent(id) + "/dependents");
      if (seq === detail.seq) {
        taskLinks($("detail-dependents"), dependents.map(task => ({ id: task.id, note: task.status.toLowerCase() })));
      }
    } catch (err) {
      if (seq === detail.seq) $("detail-dependents").textContent = err.message;
    }
  }

  function appendLogs(lines) {
    const ol = $("detail-logs");
    const atBottom = ol.scrollHeight - ol.scrollTop - ol.clientHeight < 8;
    const fragment = document.createDocumentFragment();
    for (const line of lines) {
      const li = document.createElement("li");
      li.textContent = line;
      fragment.append(li);
    }
    ol.append(fragment);
    if (atBottom) ol.scrollTop = ol.scrollHeight;
  }

  /** Re-reads the open task; one request at a time, with one more after it if asked for meanwhile. */
  async function loadDetail() {
    const id = detail.id;
    if (!id) return;
    if (detail.loading) {
      detail.again = true;
      return;
    }
    detail.loading = true;
    const seq = detail.seq;
    try {
      const task = await getJson("/api/v1/tasks/" + encodeURIComponent(id));
      if (seq === detail.seq) {
        renderDetail(task);
        loadDependents(id, seq);
      }
    } catch (err) {
      if (seq === detail.seq) setMessage($("detail-message"), err.message, "error");
    } finally {
      detail.loading = false;
      if (detail.again) {
        detail.again = false;
        loadDetail();
      }
    }
  }

  function openDetail(id) {
    if (detail.id !== id) {
      detail.seq++;
      detail.task = null;
      for (const el of $("detail").querySelectorAll("dd, pre, code")) el.textContent = "";
      $("detail-logs").replaceChildren();
      $("detail-status").textContent = "";
      $("cancel").disabled = true;
    }
    detail.id = id;
    for (const [rowId, tr] of table.rows) tr.classList.toggle("selected", rowId === id);
    setMessage($("detail-message"), "");
    $("detail").hidden = false;
    loadDetail();
  }

  function closeDetail() {
    detail.id = null;
    detail.task = null;
    detail.seq++;
    $("detail").hidden = true;
    for (const tr of table.rows.values()) tr.classList.remove("selected");
  }

  async function cancelTask() {
    const id = detail.id;
    if (!id) return;
    const message = $("detail-message");
    $("cancel").disabled = true;
    setMessage(message, "Cancelling…");
    try {
      const res = await api(`/api/v1/tasks/${encodeURIComponent(id)}/cancel`, { method: "POST" });
      if (!res.ok) throw new Error(await errorText(res));
      const task = await res.json();
      if (id !== detail.id) return;
      renderDetail(task);
      setMessage(message, task.status === "CANCELLED" ? "Cancelled." : `Cancel requested (now ${task.status}).`, "ok");
      const badge = table.rows.get(id)?.querySelector(".status .badge");
      if (badge) setBadge(badge, task.status);
      countsSoon();
    } catch (err) {
      if (id !== detail.id) return;
      setMessage(message, err.message, "error");
      loadDetail(); // show the task's actual state (e.g. it had already ended)
    }
  }

  // ----------------------------------------------------------------- queues

  function fmtAge(ms) {
    if (ms == null) return "";
    if (ms < 1000) return `${ms} ms`;
    if (ms < 120000) return `${Math.round(ms / 1000)} s`;
    return `${Math.round(ms / 60000)} min`;
  }

  function queueButton(label, action, cls = "") {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.dataset.action = action;
    if (cls) button.className = cls;
    return button;
  }

  async function loadQueues() {
    try {
      const { paused_all: pausedAll, queues = [] } = await getJson("/api/v1/queues");
      $("queues-paused-all").hidden = !pausedAll;
      const fragment = document.createDocumentFragment();
      for (const queue of queues) {
        const tr = document.createElement("tr");
        tr.dataset.queue = queue.name;
        cell(tr, "name", queue.name);
        const state = document.createElement("span");
        state.className = "badge";
        state.dataset.status = queue.paused ? "CANCELLED" : "COMPLETED";
        state.textContent = queue.paused ? "paused" : "running";
        cell(tr, "state").append(state);
        cell(tr, "limit", queue.limit === 0 ? "remote" : String(queue.limit));
        cell(tr, "running", String(queue.running));
        cell(tr, "pending", String(queue.pending));
        cell(tr, "processing", String(queue.processing));
        cell(tr, "age", fmtAge(queue.oldest_pending_age_ms));
        const actions = cell(tr, "queue-actions");
        actions.append(queue.paused ? queueButton("Resume", "resume") : queueButton("Pause", "pause"),
          queueButton("Purge", "purge", "danger"));
        fragment.append(tr);
      }
      $("queues").tBodies[0].replaceChildren(fragment);
    } catch (err) {
      setMessage($("queues-message"), "Could not load queues: " + err.message, "error");
    }
  }
  const queuesSoon = throttle(loadQueues, 500);

  // ----------------------------------------------------------------- schedules

  async function loadSchedules() {
    try {
      const schedules = await getJson("/api/v1/schedules");
      const fragment = document.createDocumentFragment();
      for (const schedule of schedules) {
        const tr = document.createElement("tr");
        tr.dataset.schedule = schedule.name;
        cell(tr, "name", schedule.name);
        cell(tr, "when", schedule.cron != null ? `${schedule.cron} (${schedule.timezone})`
          : `every ${fmtAge(schedule.every_ms)}`);
        const state = document.createElement("span");
        state.className = "badge";
        state.dataset.status = schedule.paused ? "CANCELLED" : "COMPLETED";
        state.textContent = schedule.paused ? "paused" : "active";
        cell(tr, "state").append(state);
        cell(tr, "next", (schedule.next_run_times || []).slice(0, 3).map(fmtTime).join(", "));
        const last = cell(tr, "last");
        if (schedule.last_task_id) {
          const link = document.createElement("a");
          link.href = "#" + schedule.last_task_id;
          link.className = "task-link";
          link.dataset.taskId = schedule.last_task_id;
          link.textContent = fmtTime(schedule.last_run_at);
          link.addEventListener("click", event => {
            event.preventDefault();
            openDetail(schedule.last_task_id);
          });
          last.append(link);
        }
        cell(tr, "schedule-actions").append(schedule.paused ? queueButton("Resume", "resume")
          : queueButton("Pause", "pause"));
        fragment.append(tr);
      }
      $("schedules").tBodies[0].replaceChildren(fragment);
      $("schedules-empty").hidden = schedules.length > 0;
      setMessage($("schedules-message"), "");
    } catch (err) {
      setMessage($("schedules-message"), "Could not load schedules: " + err.message, "error");
    }
  }
  const schedulesSoon = throttle(loadSchedules, 1000);

  async function scheduleAction(name, action) {
    const message = $("schedules-message");
    try {
      const res = await api(`/api/v1/schedules/${encodeURIComponent(name)}/${action}`, { method: "POST" });
      if (!res.ok) throw new Error(await errorText(res));
      setMessage(message, `Schedule ${name} ${action === "pause" ? "paused" : "resumed"}.`, "ok");
    } catch (err) {
      setMessage(message, err.message, "error");
    }
    loadSchedules();
  }

  // ----------------------------------------------------------------- workers

  async function loadWorkers() {
    try {
      const { workers = [] } = await getJson("/api/v1/workers");
      const fragment = document.createDocumentFragment();
      for (const worker of workers) {
        const tr = document.createElement("tr");
        tr.dataset.worker = worker.worker_id;
        cell(tr, "name", worker.worker_id);
        cell(tr, "labels", Object.entries(worker.labels || {}).map(([k, v]) => `${k}=${v}`).join(", "));
        cell(tr, "queues", (worker.queues || []).join(", "));
        cell(tr, "seen", fmtTime(worker.last_seen));
        cell(tr, "in-flight", String(worker.in_flight));
        cell(tr, "completed", String(worker.completed));
        cell(tr, "failed", String(worker.failed));
        fragment.append(tr);
      }
      $("workers").tBodies[0].replaceChildren(fragment);
      $("workers-empty").hidden = workers.length > 0;
      setMessage($("workers-message"), "");
    } catch (err) {
      setMessage($("workers-message"), "Could not load workers: " + err.message, "error");
    }
  }
  const workersSoon = throttle(loadWorkers, 1000);

  async function queueAction(path, question) {
    if (question && !window.confirm(question)) return;
    const message = $("queues-message");
    try {
      const res = await api(path, { method: "POST" });
      if (!res.ok) throw new Error(await errorText(res));
      const answer = await res.json();
      setMessage(message, answer.message ?? (answer.purged != null ? `Purged ${answer.purged} task(s)` : "Done"), "ok");
    } catch (err) {
      setMessage(message, err.message, "error");
    }
    loadQueues();
    countsSoon();
    pageSoon();
  }

  // ----------------------------------------------------------- task submission

  function buildTaskBody() {
    const body = { content: $("content").value };
    for (const [inputId, field] of [["priority", "priority"], ["max-attempts", "max_attempts"], ["timeout-ms", "timeout_ms"]]) {
      const value = $(inputId).value.trim(); // empty = server default
      if (value !== "") body[field] = Number(value);
    }
    const queue = $("queue").value.trim();
    if (queue) {
      if (!QUEUE_NAME.test(queue)) throw new Error("queue: 1 to 64 of a-z, 0-9, _ and -");
      body.queue = queue;
    }
    const runAt = $("run-at").value; // local time, e.g. 2024-05-01T12:30
    if (runAt) {
      const date = new Date(runAt);
      if (Number.isNaN(date.getTime())) throw new Error("run_at: not a valid date/time");
      body.run_at = date.toISOString();
    }
    return body;
  }

  async function submitTask(event) {
    event.preventDefault();
    const message = $("form-message");
    const headers = { "Content-Type": "application/json" };
    const idempotencyKey = $("idempotency-key").value.trim();
    if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
    $("submit").disabled = true;
    try {
      const body = JSON.stringify(buildTaskBody());
      setMessage(message, "Submitting…");
      const res = await api("/api/v1/tasks", { method: "POST", headers, body });
      if (!res.ok) throw new Error(await errorText(res));
      const { task_id: id } = await res.json();
      setMessage(message, `Created ${id}`, "ok");
      $("content").value = "";
      countsSoon();
      if (matchesFilter("PENDING")) maybeNewRows();
      openDetail(id);
    } catch (err) {
      setMessage(message, err.message, "error");
    } finally {
      $("submit").disabled = false;
    }
  }

  // ------------------------------------------------------------ live events

  /** Incremental text/event-stream parser; onEvent({event, data, id}) per dispatched event. */
  function createSseParser(onEvent, onRetry = () => {}) {
    const eol = /\r\n|\r|\n/g;
    let buffer = "";
    let skipLeadingLF = false; // the previous chunk ended in "\r", maybe half of "\r\n"
    let data = [];
    let type = "";
    let lastId = null;

    function line(text) {
      if (text === "") { // blank line: dispatch (also data-less named events, e.g. a bare reset)
        if (data.length || type) onEvent({ event: type || "message", data: data.join("\n"), id: lastId });
        data = [];
        type = "";
        return;
      }
      if (text[0] === ":") return; // comment / keep-alive
      const colon = text.indexOf(":");
      const field = colon < 0 ? text : text.slice(0, colon);
      let value = colon < 0 ? "" : text.slice(colon + 1);
      if (value[0] === " ") value = value.slice(1);
      if (field === "data") data.push(value);
      else if (field === "event") type = value;
      else if (field === "id" && !value.includes("\0")) lastId = value;
      else if (field === "retry" && /^\d+$/.test(value)) onRetry(Number(value));
    }

    return (chunk) => {
      buffer += chunk;
      if (skipLeadingLF && buffer[0] === "\n") buffer = buffer.slice(1);
      skipLeadingLF = false;
      let start = 0;
      let match;
      eol.lastIndex = 0;
      while ((match = eol.exec(buffer)) !== null) {
        if (match[0] === "\r" && match.index === buffer.length - 1) skipLeadingLF = true;
        line(buffer.slice(start, match.index));
        start = eol.lastIndex;
      }
      buffer = buffer.slice(start);
    };
  }

  let lastEventId = null;

  function setConnection(live, reason = "") {
    const el = $("connection");
    const state = live ? "live" : "reconnecting";
    el.textContent = state;
    el.dataset.state = state;
    el.title = reason;
  }

  // Events are coalesced here and applied at most once per animation frame.
  const pending = { counts: false, created: false, statuses: new Map(), detail: false, queues: false };
  let flushQueued = false;

  function queueEvent(type, e) {
    if (type === "task.created") {
      pending.counts = true;
      if (matchesFilter(e.status || "PENDING")) pending.created = true;
    } else if (type === "task.status") {
      pending.counts = true;
      if (table.rows.has(e.task_id) || e.task_id === detail.id) pending.statuses.set(e.task_id, e.status);
      else if (table.filter && matchesFilter(e.status)) pending.created = true; // may join the filtered list
    } else if (type === "task.log" || type === "task.progress") {
      if (e.task_id === detail.id) pending.detail = true;
    } else if (type === "queue.paused" || type === "queue.resumed" || type === "queue.purged") {
      pending.queues = true;
      pending.counts = true;
    } else {
      return;
    }
    if (flushQueued) return;
    flushQueued = true;
    if (document.hidden) setTimeout(flush, 250); // rAF does not fire in background tabs
    else requestAnimationFrame(flush);
  }

  function flush() {
    flushQueued = false;
    if (pending.counts) countsSoon();
    if (pending.counts || pending.queues) {
      queuesSoon();
      workersSoon();
    }
    if (pending.created) schedulesSoon(); // a schedule's task: its last run moved
    if (pending.created) maybeNewRows();
    for (const [id, status] of pending.statuses) {
      const badge = table.rows.get(id)?.querySelector(".status .badge");
      if (badge) setBadge(badge, status);
      if (id === detail.id && detail.task?.status !== status) {
        if (detail.task) {
          detail.task.status = status;
          setBadge($("detail-status"), status);
          $("cancel").disabled = !ACTIVE.has(status);
        }
        pending.detail = true; // refresh attempts / result / finished time
      }
    }
    // The open task is re-read rather than patched, so its logs are always exactly the server's.
    if (pending.detail) loadDetail();
    pending.counts = pending.created = pending.detail = pending.queues = false;
    pending.statuses.clear();
  }

  function refreshAll() {
    countsSoon();
    queuesSoon();
    workersSoon();
    schedulesSoon();
    pageSoon();
    if (detail.id) loadDetail();
  }

  function handleSse(ev) {
    if (ev.id) lastEventId = ev.id;
    if (ev.event === "reset") return refreshAll();
    let data = null;
    try { data = JSON.parse(ev.data); } catch { /* handled below */ }
    if (ev.event === "error") return setConnection(false, data?.detail || "stream error");
    if (data && typeof data === "object") queueEvent(ev.event === "message" ? data.type : ev.event, data);
  }

  async function streamEvents() {
    let delay = 1000;
    for (;;) {
      try {
        const headers = { Accept: "text/event-stream" };
        if (lastEventId !== null) headers["Last-Event-ID"] = lastEventId;
        const res = await api("/api/v1/events", { headers, cache: "no-store" });
        if (!res.ok || !res.body) throw new Error(await errorText(res));
        setConnection(true);
        delay = 1000;
        if (lastEventId === null) refreshAll(); // nothing to replay: catch up on what we missed
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        const parse = createSseParser(handleSse);
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parse(decoder.decode(value, { stream: true }));
        }
        if ($("connection").dataset.state === "live") setConnection(false, "stream ended"); // keep an error's reason
      } catch (err) {
        setConnection(false, err.message);
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 10000);
    }
  }

  // ------------------------------------------------------------------- wiring

  $("task-form").addEventListener("submit", submitTask);
  $("status-filter").addEventListener("change", (e) => setFilter(e.target.value));
  $("queue-filter").addEventListener("change", (e) => setQueueFilter(e.target.value));
  $("pause-all").addEventListener("click", () => queueAction("/api/v1/queue/pause"));
  $("resume-all").addEventListener("click", () => queueAction("/api/v1/queue/resume"));
  $("emergency-stop").addEventListener("click", () => queueAction("/api/v1/queue/emergency-stop",
    "Emergency stop: pause every queue, cancel every running task and purge every pending one?"));
  $("queues").tBodies[0].addEventListener("click", (e) => {
    const button = e.target.closest("button[data-action]");
    const name = button?.closest("tr[data-queue]")?.dataset.queue;
    if (!name) return;
    const path = `/api/v1/queues/${encodeURIComponent(name)}/${button.dataset.action}`;
    queueAction(path, button.dataset.action === "purge"
      ? `Purge queue ${name}: cancel every task waiting in it?` : null);
  });
  $("schedules").tBodies[0].addEventListener("click", (e) => {
    const button = e.target.closest("button[data-action]");
    const name = button?.closest("tr[data-schedule]")?.dataset.schedule;
    if (name) scheduleAction(name, button.dataset.action);
  });
  $("prev-page").addEventListener("click", () => turnPage(false));
  $("next-page").addEventListener("click", () => turnPage(true));
  $("cancel").addEventListener("click", cancelTask);
  $("detail-close").addEventListener("click", closeDetail);
  $("tasks").tBodies[0].addEventListener("click", (e) => {
    const tr = e.target.closest("tr[data-task-id]");
    if (tr) openDetail(tr.dataset.taskId);
  });
  for (const btn of document.querySelectorAll(".count")) {
    btn.addEventListener("click", () => setFilter(table.filter === btn.dataset.status ? "" : btn.dataset.status));
  }

  refreshCounts();
  loadQueues();
  loadWorkers();
  loadSchedules();
  loadPage();
  streamEvents();
  if (REFRESH_MS > 0) {
    setInterval(() => {
      refreshCounts();
      loadQueues();
      loadWorkers();
      loadSchedules();
      loadPage();
      if (detail.task && ACTIVE.has(detail.task.status)) loadDetail();
    }, REFRESH_MS);
  }
})();
