// Cairn's admin console: plain DOM, no framework, no third-party code. Every figure comes from the v1 API
// with the admin token the operator enters (kept in this tab's sessionStorage only), or from /metrics.
// Text from the server is only ever set as textContent, never parsed as HTML.
"use strict";

const TOKEN_KEY = "cairn.console.token";
const main = document.getElementById("main");

// ---------- small helpers ----------
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function show(...nodes) {
  main.replaceChildren(...nodes);
}

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * JSON.parse's reviver: an integer past 2^53 (SQLite's are 64-bit) becomes a BigInt from its own digits, not the
 * nearest double (9007199254740993 shown as ...992). Browsers without the reviver's source text keep the double.
 */
function exactIntegers(key, value, context) {
  if (typeof value === "number" && !Number.isSafeInteger(value) && context && typeof context.source === "string"
      && /^-?[0-9]+$/.test(context.source)) {
    return BigInt(context.source);
  }
  return value;
}

/** Calls the v1 API as the admin; an answer other than 2xx throws ApiError with the API's code and message. */
async function api(method, path, body) {
  const headers = { Authorization: "Bearer " + token() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, "network", "The edge cannot be reached: " + e.message);
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text, exactIntegers) : null; } catch (e) { json = null; }
  if (!response.ok) {
    const err = json && json.error ? json.error : {};
    if (response.status === 401 && path !== "/v1/migrations") { logout("Your session ended: the edge refused the token (" + (err.message || "unauthorized") + ")."); }
    throw new ApiError(response.status, err.code || "http_" + response.status, err.message || text || response.statusText);
  }
  return json;
}

function errorBox(e) {
  const code = e instanceof ApiError ? e.code : "error";
  const status = e instanceof ApiError && e.status ? " (" + e.status + ")" : "";
  return el("div", { class: "error", role: "alert" }, el("code", { text: code }), status + ": ", e.message);
}

function bytes(n) {
  if (n === null || n === undefined) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
}

function ago(iso) {
  if (!iso) return "never";
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (s < 60) return s + " s ago";
  if (s < 3600) return Math.round(s / 60) + " min ago";
  if (s < 86400) return Math.round(s / 3600) + " h ago";
  return Math.round(s / 86400) + " d ago";
}

function tierBadge(tier) {
  return el("span", { class: "tier tier-" + tier, text: tier });
}

function table(columns, rows, onRow) {
  return el("table", {},
    el("thead", {}, el("tr", {}, columns.map((c) => el("th", { text: c })))),
    el("tbody", {}, rows.map((r) => el("tr", onRow ? { class: "link", onclick: () => onRow(r.source) } : {},
      r.cells.map((c) => el("td", {}, c))))));
}

// ---------- log in ----------
function viewLogin(message) {
  const input = el("input", { id: "token", type: "password", autocomplete: "off", size: 40, placeholder: "admin token" });
  const status = el("div", {});
  const form = el("form", { class: "card login", onsubmit: async (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    try {
      await probeAdmin();
      location.hash = "#/tenants";
      route();
    } catch (e) {
      sessionStorage.removeItem(TOKEN_KEY);
      status.replaceChildren(errorBox(e));
    }
  } },
    el("h1", { text: "Log in" }),
    el("p", { class: "muted", text: "The admin token: `./cairn dev` prints where it is; `cairn serve` reads CAIRN_ADMIN_TOKEN." }),
    el("div", { class: "row" }, el("label", {}, "Admin token", input), el("button", { id: "login", type: "submit", text: "Log in" })),
    message ? el("div", { class: "error", role: "alert", text: message }) : null,
    status);
  document.getElementById("nav").hidden = true;
  show(form);
  input.focus();
}

/** Admin-only and cheap: 401 for a wrong token, 403 for a tenant's key, 200 (or 501 without a catalog) for the admin. */
async function probeAdmin() {
  try {
    await api("GET", "/v1/migrations");
  } catch (e) {
    if (e.status === 401) throw new ApiError(401, e.code, "the edge refused this token: " + e.message);
    if (e.status === 403) throw new ApiError(403, e.code, "this is a tenant's API key; the console needs the admin token");
    if (e.status !== 501) throw e;
  }
}

function logout(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  stopCharts();
  location.hash = "#/login";
  viewLogin(message);
}

// ---------- the fleet ----------
async function viewTenants(params) {
  const tier = el("select", { id: "filter-tier" }, ["", "hot", "cold"].map((t) => el("option", { value: t, text: t || "any tier" })));
  const idle = el("input", { id: "filter-idle", placeholder: "e.g. 24h", size: 8 });
  const version = el("input", { id: "filter-version", placeholder: "e.g. 3", size: 5 });
  const search = el("input", { id: "search", placeholder: "tenant name", size: 24 });
  tier.value = params.get("tier") || "";
  idle.value = params.get("idle_for") || "";
  version.value = params.get("schema_version") || "";
  search.value = params.get("q") || "";
  const status = el("div", {});
  const list = el("div", { class: "results" });
  const more = el("button", { class: "secondary", id: "more", type: "button", text: "Load more", hidden: true });
  let loaded = [];
  let cursor = null;

  function render() {
    const q = search.value.trim().toLowerCase();
    const shown = loaded.filter((t) => !q || t.tenant.toLowerCase().includes(q));
    list.replaceChildren(shown.length === 0
      ? el("p", { class: "muted", text: loaded.length === 0 ? "No tenant matches these filters." : "No loaded tenant matches \u201c" + q + "\u201d. Open it by name with Enter, or load more." })
      : table(["tenant", "tier", "size", "last access", "schema version"], shown.map((t) => ({
        source: t,
        cells: [el("span", { class: "tenant-name", text: t.tenant }), tierBadge(t.tier), bytes(t.size_bytes), ago(t.last_access_at), String(t.schema_version)],
      })), (t) => { location.hash = "#/tenants/" + encodeURIComponent(t.tenant); }));
    more.hidden = !cursor;
  }

  async function load(reset) {
    const query = new URLSearchParams();
    if (tier.value) query.set("tier", tier.value);
    if (idle.value.trim()) query.set("idle_for", idle.value.trim());
    if (version.value.trim()) query.set("schema_version", version.value.trim());
    query.set("limit", "200");
    if (!reset && cursor) query.set("cursor", cursor);
    status.replaceChildren();
    try {
      const page = await api("GET", "/v1/tenants?" + query);
      loaded = reset ? page.tenants : loaded.concat(page.tenants);
      cursor = page.next_cursor;
      render();
    } catch (e) {
      loaded = [];
      cursor = null;
      list.replaceChildren();
      status.replaceChildren(errorBox(e));
    }
  }

  const filters = el("form", { class: "row", onsubmit: (ev) => { ev.preventDefault(); load(true); } },
    el("label", {}, "Tier", tier), el("label", {}, "Idle for", idle), el("label", {}, "Schema version", version),
    el("button", { id: "apply-filters", type: "submit", text: "Filter" }));
  search.addEventListener("input", render);
  search.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && search.value.trim()) location.hash = "#/tenants/" + encodeURIComponent(search.value.trim());
  });
  more.addEventListener("click", () => load(false));
  show(el("h1", { text: "Tenants" }),
    el("div", { class: "card" }, filters, el("div", { class: "row spaced" }, el("label", {}, "Search (Enter opens by name)", search))),
    status, list, more);
  await load(true);
}

// ---------- one tenant ----------
async function viewTenant(name) {
  const head = el("div", {});
  const keys = el("div", {});
  const snaps = el("div", {});
  const sql = el("textarea", { id: "sql", spellcheck: "false" });
  sql.value = "SELECT name FROM sqlite_schema WHERE type = 'table'";
  const output = el("div", { id: "sql-output", class: "results" });

  async function run(write) {
    output.replaceChildren(el("p", { class: "muted", text: "Running…" }));
    try {
      const answer = await api("POST", "/v1/tenants/" + encodeURIComponent(name) + (write ? "/execute" : "/query"), { sql: sql.value });
      if (write) {
        const r = answer.results[answer.results.length - 1] || {};
        output.replaceChildren(el("p", { class: "ok", text: "Applied at bookmark " + answer.bookmark + ": " + (r.changes || 0) + " row(s) changed." }),
          r.columns ? resultTable(r.columns, r.rows) : null);
      } else {
        output.replaceChildren(el("p", { class: "muted", text: answer.rows.length + " row(s) at bookmark " + answer.bookmark }),
          resultTable(answer.columns, answer.rows));
      }
    } catch (e) {
      output.replaceChildren(errorBox(e));
    }
  }

  show(el("h1", {}, "Tenant ", el("span", { id: "tenant-title", text: name })), head,
    el("h2", { text: "SQL" }),
    el("div", { class: "card" }, sql, el("div", { class: "row spaced" },
      el("button", { id: "run-query", type: "button", onclick: () => run(false), text: "Run query (read)" }),
      el("button", { id: "run-execute", class: "secondary", type: "button", onclick: () => run(true), text: "Execute (write)" }))),
    output,
    el("h2", { text: "Data keys" }), keys,
    el("h2", { text: "Snapshots" }), snaps);

  const t = encodeURIComponent(name);
  try {
    const info = await api("GET", "/v1/tenants/" + t);
    const migrations = Object.entries(info.migrations || {}).map(([set, m]) => set + " v" + m.version).join(", ");
    head.replaceChildren(el("div", { class: "card" }, el("dl", {},
      el("dt", { text: "tier" }), el("dd", {}, tierBadge(info.tier)),
      el("dt", { text: "size" }), el("dd", { text: bytes(info.size_bytes) }),
      el("dt", { text: "bookmark" }), el("dd", { text: info.bookmark }),
      el("dt", { text: "schema version" }), el("dd", { text: String(info.schema_version) + (migrations ? " (" + migrations + ")" : "") }),
      el("dt", { text: "created" }), el("dd", { text: info.created_at }),
      el("dt", { text: "last write" }), el("dd", { text: info.last_write_at || "never" }),
      el("dt", { text: "last access" }), el("dd", { text: info.last_access_at ? info.last_access_at + " (" + ago(info.last_access_at) + ")" : "never" }))));
  } catch (e) {
    head.replaceChildren(errorBox(e));
    return;
  }
  api("GET", "/v1/tenants/" + t + "/data-keys").then((k) => {
    keys.replaceChildren(table(["id", "created", "KEK version"], k.data_keys.map((d) => ({ source: d, cells: [d.id, d.created_at, String(d.kek_version)] }))),
      el("p", { class: "muted", text: "The last key seals new writes and snapshots; key material never leaves the key vault." }));
  }).catch((e) => keys.replaceChildren(e.status === 501 ? el("p", { class: "muted", text: "Encryption is off on this edge: no data keys." }) : errorBox(e)));
  api("GET", "/v1/tenants/" + t + "/history").then((h) => {
    const r = h.restorable || {};
    snaps.replaceChildren(el("p", { class: "muted", text: "Restorable from " + (r.earliest || "—") + " to " + (r.latest || "—") + (r.limited_by ? " (limited by " + r.limited_by + ")" : "") }),
      h.snapshots.length === 0 ? el("p", { class: "muted", text: "No snapshot yet." })
        : table(["taken", "bookmark", "size", "key"], h.snapshots.map((s) => ({ source: s, cells: [s.taken_at, s.bookmark, bytes(s.size_bytes), s.key] }))));
  }).catch((e) => snaps.replaceChildren(errorBox(e)));
}

function resultTable(columns, rows) {
  if (!columns || columns.length === 0) return el("p", { class: "muted", text: "No columns." });
  return el("table", { id: "result-table" },
    el("thead", {}, el("tr", {}, columns.map((c) => el("th", { text: c })))),
    el("tbody", {}, rows.map((r) => el("tr", {}, r.map((v) => el("td", { text: v === null ? "NULL" : typeof v === "object" ? JSON.stringify(v) : String(v) }))))));
}

// ---------- migrations ----------
async function viewMigrations() {
  const body = el("div", {});
  show(el("h1", { text: "Migrations" }), body);
  let sets;
  try {
    sets = (await api("GET", "/v1/migrations")).sets;
  } catch (e) {
    body.replaceChildren(errorBox(e));
    return;
  }
  if (sets.length === 0) {
    body.replaceChildren(el("p", { class: "muted", text: "No migration set yet: register one with ./cairn migrate or PUT /v1/migrations/{set}/versions/{n} (docs/migrations.md)." }));
    return;
  }
  body.replaceChildren(...sets.map((s) => {
    const runs = el("div", {});
    api("GET", "/v1/migrations/" + encodeURIComponent(s.set)).then(async (detail) => {
      const rows = [];
      for (const run of detail.runs.slice(-20).reverse()) {
        let st = {};
        try { st = await api("GET", "/v1/migrations/" + encodeURIComponent(s.set) + "/runs/" + encodeURIComponent(run.run_id)); } catch (e) { st = { phase: e.code }; }
        const phase = st.phase !== "done" ? st.phase || "—" : st.complete ? "done" : "done, waiting for cold tenants";
        rows.push({ source: run, cells: [run.run_id, String(run.target_version), run.started_at, phase,
          String(st.applied ?? "—"), String(st.failed ?? "—"), String(st.pending ?? "—"), String(st.waiting_for_cold ?? "—")] });
      }
      runs.replaceChildren(rows.length === 0 ? el("p", { class: "muted", text: "No run yet." })
        : table(["run", "target", "started", "phase", "applied", "failed", "pending", "waiting for cold"], rows));
    }).catch((e) => runs.replaceChildren(errorBox(e)));
    return el("div", { class: "card migration-set" }, el("h2", {}, "Set ", el("span", { class: "set-name", text: s.set }), " — latest version " + s.latest_version), runs);
  }));
}

// ---------- activity: charts from /metrics ----------
const HISTORY = 90; // points, one per poll
const POLL_MS = 2000;
let chartTimer = null;
let previous = null;
const series = { lag: [], writeP50: [], writeP99: [], readP50: [], readP99: [], rps: [] };

function stopCharts() {
  if (chartTimer) clearInterval(chartTimer);
  chartTimer = null;
}

/** Prometheus text → [{name, labels, value}] */
function parseMetrics(text) {
  const out = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/);
    if (!m) continue;
    const labels = {};
    if (m[3]) for (const l of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return out;
}

function buckets(samples, name) {
  return samples.filter((s) => s.name === name + "_bucket").map((s) => ({ le: s.labels.le === "+Inf" ? Infinity : Number(s.labels.le), count: s.value }))
    .sort((a, b) => a.le - b.le);
}

/** The q-quantile (ms) of what a histogram recorded between two scrapes; null when nothing was recorded. */
function quantileBetween(before, now, q) {
  if (!before || before.length !== now.length) return null;
  const inStep = now.map((b, i) => ({ le: b.le, count: b.count - before[i].count }));
  const total = inStep[inStep.length - 1].count;
  if (total <= 0) return null;
  const rank = q * total;
  let lower = 0, lowerCount = 0;
  for (const b of inStep) {
    if (b.count >= rank) {
      const upper = b.le === Infinity ? lower : b.le;
      const within = b.count - lowerCount;
      return 1000 * (lower + (upper - lower) * (within > 0 ? (rank - lowerCount) / within : 1));
    }
    lower = b.le; lowerCount = b.count;
  }
  return 1000 * lower;
}

async function sample() {
  const response = await fetch("/metrics");
  const samples = parseMetrics(await response.text());
  const now = {
    at: Date.now(),
    requests: samples.filter((s) => s.name === "cairn_edge_requests_total").reduce((a, s) => a + s.value, 0),
    write: buckets(samples, "cairn_edge_write_latency_seconds"),
    read: buckets(samples, "cairn_edge_read_latency_seconds"),
    lag: samples.filter((s) => s.name === "kafka_consumer_fetch_manager_records_lag_max" && /applier/.test(s.labels.client_id || "") && !isNaN(s.value))
      .reduce((a, s) => Math.max(a, s.value), 0),
  };
  if (previous) {
    push(series.lag, now.lag);
    push(series.rps, (now.requests - previous.requests) / ((now.at - previous.at) / 1000));
    push(series.writeP50, quantileBetween(previous.write, now.write, 0.5));
    push(series.writeP99, quantileBetween(previous.write, now.write, 0.99));
    push(series.readP50, quantileBetween(previous.read, now.read, 0.5));
    push(series.readP99, quantileBetween(previous.read, now.read, 0.99));
  }
  previous = now;
}

function push(list, value) {
  list.push(value);
  if (list.length > HISTORY) list.shift();
}

const SVG = "http://www.w3.org/2000/svg";

function chart(id, title, unit, lines) {
  const w = 600, h = 160, pad = 28;
  const values = lines.flatMap((l) => l.points).filter((v) => v !== null && isFinite(v));
  const max = Math.max(1, ...values) * 1.1;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 " + w + " " + h);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", title);
  for (const frac of [0, 0.5, 1]) {
    const y = h - pad - frac * (h - 2 * pad);
    const grid = document.createElementNS(SVG, "line");
    grid.setAttribute("x1", pad * 2); grid.setAttribute("x2", w - 4); grid.setAttribute("y1", y); grid.setAttribute("y2", y);
    grid.setAttribute("stroke", "#d9dee5");
    const label = document.createElementNS(SVG, "text");
    label.setAttribute("x", 2); label.setAttribute("y", y + 4); label.setAttribute("font-size", "11"); label.setAttribute("fill", "#5b6574");
    label.textContent = (max * frac).toFixed(max * frac < 10 ? 1 : 0);
    svg.append(grid, label);
  }
  for (const l of lines) {
    const pts = [];
    l.points.forEach((v, i) => {
      if (v === null || !isFinite(v)) return;
      const x = pad * 2 + (i / (HISTORY - 1)) * (w - pad * 2 - 4);
      const y = h - pad - (v / max) * (h - 2 * pad);
      pts.push(x.toFixed(1) + "," + y.toFixed(1));
    });
    const line = document.createElementNS(SVG, "polyline");
    line.setAttribute("points", pts.join(" "));
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", l.color);
    line.setAttribute("stroke-width", "2");
    line.setAttribute("class", "series");
    svg.append(line);
  }
  const latest = lines.map((l) => {
    const last = [...l.points].reverse().find((v) => v !== null && isFinite(v));
    return l.label + " " + (last === undefined ? "—" : last.toFixed(last < 10 ? 1 : 0) + " " + unit);
  }).join(" · ");
  return el("div", { class: "card chart", id },
    el("div", {}, el("strong", { text: title })), el("div", { class: "now", text: latest }), svg,
    el("div", { class: "legend" }, lines.map((l) => el("span", { class: "key-" + l.color.slice(1), text: "\u25A0 " + l.label }))));
}

function viewActivity() {
  const grid = el("div", { class: "charts", id: "charts" });
  const status = el("div", {});
  show(el("h1", { text: "Activity" }),
    el("p", { class: "muted", text: "From this edge's /metrics every 2 s, the last 3 minutes (the applier's lag when it runs in this process). Alerts belong in CloudWatch or Grafana: docs/operations.md." }),
    status, grid);
  async function tick() {
    try {
      await sample();
      status.replaceChildren();
    } catch (e) {
      status.replaceChildren(errorBox(new ApiError(0, "metrics_unavailable", "/metrics could not be read: " + e.message)));
    }
    grid.replaceChildren(
      chart("chart-lag", "Applier lag", "records", [{ label: "lag", color: "#a12c2c", points: series.lag }]),
      chart("chart-write", "Write latency", "ms", [{ label: "p50", color: "#2f6f4f", points: series.writeP50 }, { label: "p99", color: "#c07a1a", points: series.writeP99 }]),
      chart("chart-read", "Read latency", "ms", [{ label: "p50", color: "#2f6f4f", points: series.readP50 }, { label: "p99", color: "#c07a1a", points: series.readP99 }]),
      chart("chart-rps", "Requests", "/s", [{ label: "all routes", color: "#3b5ba5", points: series.rps }]));
  }
  tick();
  chartTimer = setInterval(tick, POLL_MS);
}

// ---------- routing ----------
function route() {
  stopCharts();
  if (!token()) { viewLogin(); return; }
  document.getElementById("nav").hidden = false;
  const hash = location.hash.replace(/^#/, "") || "/tenants";
  const [path, query] = hash.split("?");
  const params = new URLSearchParams(query || "");
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("current", path.startsWith(a.getAttribute("href").slice(1)));
  const tenant = path.match(/^\/tenants\/(.+)$/);
  if (tenant) viewTenant(decodeURIComponent(tenant[1]));
  else if (path === "/migrations") viewMigrations();
  else if (path === "/activity") viewActivity();
  else if (path === "/login") viewLogin();
  else viewTenants(params);
}

document.getElementById("logout").addEventListener("click", () => logout("Logged out."));
window.addEventListener("hashchange", route);
route();
