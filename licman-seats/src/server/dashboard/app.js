// The licman-seats dashboard: a page over the REST API (/api/v1), signed
// in with a bearer token kept for this tab only (sessionStorage). It shows
// what the token's role may see, and every refusal with the API's own
// message. Text from the store is only ever set as text (never as HTML).

const state = { token: sessionStorage.getItem("licman-token"), me: null, tab: null, pools: [] };
const $ = (selector) => document.querySelector(selector);

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body) {
  const init = { method, headers: { Authorization: `Bearer ${state.token}` } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`/api/v1${path}`, init);
  let json = null;
  try {
    json = await response.json();
  } catch {
    json = null;
  }
  if (!response.ok) {
    const error = json && json.error ? json.error : { code: String(response.status), message: response.statusText };
    throw new ApiError(response.status, error.code, error.message);
  }
  return json;
}

function show(text, kind = "error") {
  const box = $("#message");
  box.textContent = text;
  box.className = kind;
  box.hidden = false;
}

function clearMessage() {
  $("#message").hidden = true;
}

// Runs an action, showing the API's refusal if there is one; an action a
// person took (one with a `done` message) first clears the last message.
async function attempt(action, done) {
  if (done) clearMessage();
  try {
    const result = await action();
    if (done) show(done, "ok");
    return result;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      signOut();
    }
    show(e instanceof ApiError ? `${e.message} (${e.code})` : String(e));
    return undefined;
  }
}

// An element with attributes and children (strings become text nodes).
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const money = (m) => (m ? `${m.amount} ${m.currency}` : "");
const moneyList = (list) => (list || []).map(money).join(", ") || "0";
const day = (t) => (t ? String(t).slice(0, 10) : "");
const when = (t) => (t ? String(t).replace("T", " ").replace("Z", "") : "");
const badge = (text) => el("span", { class: `badge badge-${text}` }, text);

function bar(pct) {
  const value = Number(pct) || 0;
  const level = value > 90 ? "high" : value < 60 ? "low" : "mid";
  return el("span", { class: "bar", title: `${pct}%` },
    el("span", { class: `fill fill-${level}`, "data-pct": String(Math.min(100, value)) }), ` ${pct}%`);
}

// Bar widths without inline styles (the page's CSP allows none): a class per 5 %.
function sizeBars(root) {
  for (const fill of root.querySelectorAll(".fill[data-pct]")) {
    fill.classList.add(`w${Math.round(Number(fill.dataset.pct) / 5) * 5}`);
  }
}

function fillTable(selector, rows) {
  const body = $(`${selector} tbody`);
  body.replaceChildren(...rows);
  if (rows.length === 0) {
    const columns = $(`${selector} thead tr`).children.length;
    body.append(el("tr", {}, el("td", { colspan: columns, class: "empty" }, "Nothing here.")));
  }
  sizeBars(body);
}

function query(form) {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData(form)) {
    if (String(value).trim() !== "") params.set(key, String(value).trim());
  }
  return params;
}

// ------------------------------------------------------------ sign-in

async function signIn(token) {
  state.token = token;
  clearMessage();
  const me = await attempt(() => api("GET", "/me"));
  if (!me) return;
  state.me = me;
  sessionStorage.setItem("licman-token", token);
  $("#sign-in").hidden = true;
  $("#who").hidden = false;
  $("#who-name").textContent = `${me.name} (${me.role})`;
  const tabs = [...document.querySelectorAll("#tabs button")];
  for (const b of tabs) b.hidden = !b.dataset.roles.split(" ").includes(me.role);
  for (const n of document.querySelectorAll("[data-admin]")) n.hidden = me.role !== "admin";
  for (const n of document.querySelectorAll("[data-manage]")) n.hidden = !["admin", "manager"].includes(me.role);
  $("#tabs").hidden = false;
  const first = tabs.find((b) => !b.hidden);
  if (first) openTab(first.dataset.tab);
}

function signOut() {
  sessionStorage.removeItem("licman-token");
  state.token = null;
  state.me = null;
  $("#sign-in").hidden = false;
  $("#who").hidden = true;
  $("#tabs").hidden = true;
  for (const t of document.querySelectorAll(".tab")) t.hidden = true;
}

async function openTab(name) {
  state.tab = name;
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.tab === name);
  for (const t of document.querySelectorAll(".tab")) t.hidden = t.id !== `tab-${name}`;
  clearMessage();
  await loaders[name]();
}

async function loadPoolChoices() {
  if (!state.me || !["admin", "manager"].includes(state.me.role)) return;
  const page = await api("GET", "/pools?limit=1000&sort=name").catch(() => null);
  state.pools = page ? page.items : [];
  for (const select of document.querySelectorAll(".pool-select")) {
    const keep = select.value;
    const options = state.pools.map((p) => el("option", { value: p.id }, p.name));
    if (select.dataset.any) options.unshift(el("option", { value: "" }, select.dataset.any));
    select.replaceChildren(...options);
    if (keep) select.value = keep;
  }
}

// ------------------------------------------------------------ pools

async function loadPools() {
  const params = query($("#pool-filter"));
  params.set("limit", "1000");
  const page = await attempt(() => api("GET", `/pools?${params}`));
  if (!page) return;
  const admin = state.me.role === "admin";
  fillTable("#pools-table", page.items.map((p) => el("tr", { "data-pool": p.name },
    el("td", {}, p.name), el("td", {}, p.vendor), el("td", {}, p.license_type),
    el("td", { class: "num" }, `${p.allocated} / ${p.capacity}`), el("td", {}, bar(p.utilization_pct)),
    el("td", { class: "num" }, money(p.cost)), el("td", {}, badge(p.status)), el("td", {}, day(p.expires_at)),
    admin ? el("td", { class: "actions" },
      el("button", { type: "button", class: "quiet", onclick: () => editPool(p) }, "Edit"),
      p.status === "archived" ? null : el("button", { type: "button", class: "quiet", onclick: () => archivePool(p) }, "Archive"),
      el("button", { type: "button", class: "danger", onclick: () => deletePool(p) }, "Delete")) : null)));
  await loadPoolChoices();
}

let editing = null;

function editPool(p) {
  const form = $("#pool-edit");
  editing = p;
  form.hidden = false;
  $("#pool-edit-name").textContent = p.name;
  form.elements.id.value = p.id;
  form.elements.name.value = p.name;
  form.elements.capacity.value = p.capacity;
  form.elements.cost.value = p.cost.amount;
  form.elements.expires_at.value = day(p.expires_at);
  form.elements.policy.value = p.policy;
  form.elements.warning_days.value = p.warning_days;
}

async function archivePool(p) {
  if (await attempt(() => api("POST", `/pools/${encodeURIComponent(p.id)}/archive`), `Archived ${p.name}.`)) await loadPools();
}

async function deletePool(p) {
  if (!confirm(`Delete the pool ${p.name}?`)) return;
  if (await attempt(() => api("DELETE", `/pools/${encodeURIComponent(p.id)}`), `Deleted ${p.name}.`)) await loadPools();
}

// ------------------------------------------------------------ assignments

const assignmentPage = { offset: 0, limit: 25 };

async function loadAssignments() {
  await loadPoolChoices();
  const params = query($("#assignment-filter"));
  params.set("limit", assignmentPage.limit);
  params.set("offset", assignmentPage.offset);
  params.set("sort", "-assigned_at");
  const page = await attempt(() => api("GET", `/assignments?${params}`));
  if (!page) return;
  const manage = ["admin", "manager"].includes(state.me.role);
  fillTable("#assignments-table", page.items.map((a) => el("tr", {},
    el("td", {}, a.pool_name || a.pool_id), el("td", {}, a.user_email || a.user_id), el("td", {}, a.source),
    el("td", {}, badge(a.status)), el("td", {}, day(a.assigned_at)),
    manage ? el("td", { class: "actions" }, a.status === "active" ? [
      el("button", { type: "button", class: "quiet", onclick: () => endAssignment(a, null) }, "Deallocate"),
      el("button", { type: "button", class: "quiet", onclick: () => reclaimAssignment(a) }, "Reclaim"),
    ] : []) : null)));
  pager("#assignments-pager", page, assignmentPage, loadAssignments);
}

function pager(selector, page, position, reload) {
  const from = page.total === 0 ? 0 : page.offset + 1;
  const to = page.offset + page.items.length;
  $(selector).replaceChildren(
    el("button", { type: "button", class: "quiet", disabled: position.offset === 0,
      onclick: () => { position.offset = Math.max(0, position.offset - position.limit); reload(); } }, "Previous"),
    el("span", {}, ` ${from}–${to} of ${page.total} `),
    el("button", { type: "button", class: "quiet", disabled: to >= page.total,
      onclick: () => { position.offset += position.limit; reload(); } }, "Next"));
}

// Asks why; a cancelled or empty answer reclaims nothing.
function reclaimAssignment(a) {
  const reason = prompt("Why is the seat reclaimed?");
  if (reason === null || reason.trim() === "") return;
  endAssignment(a, reason.trim());
}

async function endAssignment(a, reason) {
  const path = reason === null
    ? `/assignments/${encodeURIComponent(a.id)}/deallocate`
    : `/assignments/${encodeURIComponent(a.id)}/reclaim`;
  const body = reason === null ? undefined : { reason };
  if (await attempt(() => api("POST", path, body), reason === null ? "Seat released." : "Seat reclaimed.")) await loadAssignments();
}

// ------------------------------------------------------------ leases

async function loadLeases() {
  const page = await attempt(() => api("GET", "/leases?limit=1000&sort=-checked_out_at"));
  if (!page) return;
  fillTable("#leases-table", page.items.map((l) => el("tr", {},
    el("td", {}, l.pool_name || l.pool_id), el("td", {}, l.holder), el("td", {}, badge(l.status)),
    el("td", {}, when(l.checked_out_at)), el("td", {}, when(l.expires_at)),
    el("td", {}, l.status === "active" ? el("button", { type: "button", class: "quiet",
      onclick: async () => { if (await attempt(() => api("POST", `/leases/${encodeURIComponent(l.id)}/release`), "Released.")) loadLeases(); } }, "Release") : null))));
}

// ------------------------------------------------------------ analytics

async function loadAnalytics() {
  const a = await attempt(() => api("GET", "/analytics"));
  if (!a) return;
  const s = a.summary;
  const cards = [
    ["Pools", s.total_pools], ["Capacity", s.total_capacity], ["Allocated", s.total_allocated],
    ["Available", s.total_available], ["Utilization", `${s.utilization_pct}%`],
    ["Monthly cost", moneyList(s.monthly_cost)], [`Expiring in ${a.window_days} days`, s.expiring_soon],
  ];
  $("#cards").replaceChildren(...cards.map(([label, value]) =>
    el("div", { class: "card", "data-card": label }, el("div", { class: "label" }, label), el("div", { class: "value" }, value))));
  chart(a.pools);
  fillTable("#analytics-pools", a.pools.map((p) => el("tr", {}, el("td", {}, p.name), el("td", {}, p.vendor),
    el("td", { class: "num" }, `${p.allocated} / ${p.capacity}`), el("td", {}, bar(p.utilization_pct)),
    el("td", { class: "num" }, money(p.monthly_cost)), el("td", {}, badge(p.status)), el("td", {}, day(p.expires_at)))));
  fillTable("#analytics-vendors", a.vendors.map((v) => el("tr", {}, el("td", {}, v.vendor), el("td", { class: "num" }, v.pools),
    el("td", { class: "num" }, v.capacity), el("td", { class: "num" }, v.allocated), el("td", { class: "num" }, money(v.monthly_cost)),
    el("td", {}, v.currency))));
  fillTable("#analytics-recommendations", a.recommendations.map((r) => el("tr", {}, el("td", {}, badge(r.kind)),
    el("td", {}, r.pool_name), el("td", {}, r.message), el("td", { class: "num" }, money(r.potential_savings)))));
  fillTable("#analytics-expiring", a.expiring.map((e) => el("tr", {}, el("td", {}, e.pool_name), el("td", {}, e.vendor),
    el("td", {}, day(e.expires_at)), el("td", { class: "num" }, e.days_until_expiration), el("td", {}, e.policy))));
}

// A horizontal bar per pool, its utilization (SVG, no script or style inline).
function chart(pools) {
  const svg = $("#utilization-chart");
  const ns = "http://www.w3.org/2000/svg";
  const row = 22;
  const width = 640;
  const label = 180;
  svg.setAttribute("viewBox", `0 0 ${width} ${Math.max(row, pools.length * row)}`);
  svg.setAttribute("height", String(Math.max(row, pools.length * row)));
  const nodes = [];
  pools.forEach((p, i) => {
    const pct = Math.min(100, Number(p.utilization_pct) || 0);
    const y = i * row;
    const text = document.createElementNS(ns, "text");
    text.setAttribute("x", "0");
    text.setAttribute("y", String(y + 15));
    text.textContent = p.name;
    const back = document.createElementNS(ns, "rect");
    back.setAttribute("x", String(label));
    back.setAttribute("y", String(y + 3));
    back.setAttribute("width", String(width - label - 60));
    back.setAttribute("height", "14");
    back.setAttribute("class", "chart-back");
    const fill = document.createElementNS(ns, "rect");
    fill.setAttribute("x", String(label));
    fill.setAttribute("y", String(y + 3));
    fill.setAttribute("width", String(((width - label - 60) * pct) / 100));
    fill.setAttribute("height", "14");
    fill.setAttribute("class", pct > 90 ? "chart-high" : pct < 60 ? "chart-low" : "chart-mid");
    const value = document.createElementNS(ns, "text");
    value.setAttribute("x", String(width - 55));
    value.setAttribute("y", String(y + 15));
    value.textContent = `${p.utilization_pct}%`;
    nodes.push(text, back, fill, value);
  });
  svg.replaceChildren(...nodes);
}

// ------------------------------------------------------------ rules

async function loadRules() {
  await loadPoolChoices();
  const page = await attempt(() => api("GET", "/rules?limit=1000"));
  if (!page) return;
  fillTable("#rules-table", page.items.map((r) => el("tr", {}, el("td", {}, r.pool_name || r.pool_id), el("td", {}, r.trigger),
    el("td", {}, r.trigger === "inactivity" ? `${r.threshold_days} days` : r.state), el("td", { class: "num" }, r.notify_days),
    el("td", {}, el("button", { type: "button", class: "quiet",
      onclick: async () => { if (await attempt(() => api("PATCH", `/rules/${encodeURIComponent(r.id)}`, { enabled: !r.enabled }), "Rule updated.")) loadRules(); } },
      r.enabled ? "enabled" : "disabled")),
    el("td", {}, day(r.created_at)),
    el("td", {}, el("button", { type: "button", class: "danger",
      onclick: async () => { if (await attempt(() => api("DELETE", `/rules/${encodeURIComponent(r.id)}`), "Rule deleted.")) loadRules(); } }, "Delete")))));
}

function showPlan(plan) {
  const lines = [`Evaluated at ${when(plan.evaluated_at)}${plan.applied ? " (applied)" : ""}`];
  for (const n of plan.notices) lines.push(`notify ${n.user_id}: seat of ${n.pool_id} reclaimed on ${day(n.reclaim_on)}`);
  for (const r of plan.reclaims) lines.push(`reclaim ${r.assignment_id} from ${r.user_id} (${r.reason})`);
  if (plan.notices.length + plan.reclaims.length === 0) lines.push("Nothing to do.");
  $("#plan").textContent = lines.join("\n");
}

// ------------------------------------------------------------ incompatibilities

async function loadIncompatibilities() {
  await loadPoolChoices();
  const page = await attempt(() => api("GET", "/incompatibilities?limit=1000"));
  if (!page) return;
  fillTable("#incompat-table", page.items.map((i) => el("tr", {}, el("td", {}, i.pool_a_name || i.pool_a),
    el("td", {}, i.pool_b_name || i.pool_b), el("td", {}, i.reason), el("td", {}, day(i.created_at)),
    el("td", {}, el("button", { type: "button", class: "danger",
      onclick: async () => { if (await attempt(() => api("DELETE", `/incompatibilities/${encodeURIComponent(i.id)}`), "Constraint lifted.")) loadIncompatibilities(); } }, "Delete")))));
}

// ------------------------------------------------------------ compliance

async function loadCompliance() {
  const params = query($("#compliance-filter"));
  const r = await attempt(() => api("GET", `/compliance?${params}`));
  if (!r) return;
  $("#compliance-verdict").replaceChildren(badge(r.compliant ? "compliant" : "breached"),
    ` ${r.pools.length} pools, ${r.breaches.length} breaches, ${r.expiration_warnings.length} expiration warnings`);
  fillTable("#compliance-pools", r.pools.map((p) => el("tr", {}, el("td", {}, p.name), el("td", {}, p.vendor),
    el("td", { class: "num" }, `${p.allocated} / ${p.capacity}`), el("td", {}, bar(p.utilization)),
    el("td", { class: "num" }, p.breaches), el("td", {}, badge(p.status)))));
  fillTable("#compliance-breaches", r.breaches.map((b) => el("tr", {}, el("td", {}, badge(b.kind)), el("td", {}, b.pool_name),
    el("td", {}, b.user), el("td", {}, b.detail))));
  fillTable("#compliance-warnings", r.expiration_warnings.map((w) => el("tr", {}, el("td", {}, w.name),
    el("td", {}, day(w.expires_at)), el("td", { class: "num" }, w.days_left), el("td", {}, w.expiry_policy))));
}

// ------------------------------------------------------------ audit

const auditPage = { offset: 0, limit: 50 };

async function loadAudit() {
  await loadPoolChoices();
  const params = query($("#audit-filter"));
  params.set("limit", auditPage.limit);
  params.set("offset", auditPage.offset);
  params.set("sort", "-seq");
  const page = await attempt(() => api("GET", `/audit?${params}`));
  if (!page) return;
  const names = new Map(state.pools.map((p) => [p.id, p.name]));
  fillTable("#audit-table", page.items.map((e) => el("tr", {}, el("td", { class: "num" }, e.seq), el("td", {}, when(e.at)),
    el("td", {}, e.actor), el("td", {}, e.action), el("td", {}, names.get(e.pool_id) || e.pool_id || ""), el("td", {}, e.user_id || ""))));
  pager("#audit-pager", page, auditPage, loadAudit);
}

const loaders = {
  pools: loadPools,
  assignments: loadAssignments,
  leases: loadLeases,
  analytics: loadAnalytics,
  rules: loadRules,
  incompatibilities: loadIncompatibilities,
  compliance: loadCompliance,
  audit: loadAudit,
};

// ------------------------------------------------------------ wiring

function onSubmit(selector, handler) {
  $(selector).addEventListener("submit", (event) => {
    event.preventDefault();
    clearMessage();
    handler(event.target);
  });
}

function numberOrNull(text) {
  return text === "" ? undefined : Number(text);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => openTab(b.dataset.tab));
  $("#sign-out").addEventListener("click", signOut);
  onSubmit("#sign-in-form", (form) => signIn(form.elements.token.value.trim()));
  onSubmit("#pool-filter", loadPools);
  onSubmit("#pool-form", async (form) => {
    const f = form.elements;
    const body = {
      name: f.name.value, vendor: f.vendor.value, capacity: Number(f.capacity.value),
      currency: f.currency.value || "USD", billing_period: f.billing_period.value, license_type: f.license_type.value,
      policy: f.policy.value, warning_days: Number(f.warning_days.value || 30),
    };
    if (f.cost.value) body.cost = f.cost.value;
    if (f.expires_at.value) body.expires_at = f.expires_at.value;
    if (await attempt(() => api("POST", "/pools", body), `Created ${body.name}.`)) {
      form.reset();
      await loadPools();
    }
  });
  onSubmit("#pool-edit", async (form) => {
    // Only what was changed: an unchanged date keeps its time of day, and
    // an unchanged capacity is not sent (a license-backed pool's follows
    // its license).
    const f = form.elements;
    const p = editing;
    const body = {};
    if (f.name.value !== p.name) body.name = f.name.value;
    if (f.capacity.value !== String(p.capacity)) body.capacity = numberOrNull(f.capacity.value);
    if (f.cost.value !== p.cost.amount) body.cost = f.cost.value;
    if (f.policy.value !== p.policy) body.policy = f.policy.value;
    if (f.warning_days.value !== String(p.warning_days)) body.warning_days = numberOrNull(f.warning_days.value);
    if (f.expires_at.value && f.expires_at.value !== day(p.expires_at)) body.expires_at = f.expires_at.value;
    if (await attempt(() => api("PATCH", `/pools/${encodeURIComponent(f.id.value)}`, body), "Saved.")) {
      form.hidden = true;
      await loadPools();
    }
  });
  $("#pool-edit-cancel").addEventListener("click", () => { $("#pool-edit").hidden = true; });
  onSubmit("#assignment-filter", () => { assignmentPage.offset = 0; loadAssignments(); });
  onSubmit("#assign-form", async (form) => {
    const body = { pool: form.elements.pool.value, user: form.elements.user.value.trim() };
    if (await attempt(() => api("POST", "/assignments", body), `Assigned a seat to ${body.user}.`)) {
      form.elements.user.value = "";
      await loadAssignments();
    }
  });
  onSubmit("#bulk-form", async (form) => {
    const users = form.elements.users.value.split(/\r?\n/).map((u) => u.trim()).filter((u) => u !== "");
    const result = await attempt(() => api("POST", "/assignments/bulk", { pool: form.elements.pool.value, users }));
    if (!result) return;
    show(`${result.succeeded} assigned, ${result.failed} failed.`, result.failed ? "error" : "ok");
    $("#bulk-results").hidden = false;
    fillTable("#bulk-results", result.results.map((r) => el("tr", {}, el("td", {}, r.user_id),
      el("td", {}, r.ok ? badge("assigned") : `${r.error.message} (${r.error.code})`))));
    await loadAssignments();
  });
  onSubmit("#rule-form", async (form) => {
    const f = form.elements;
    const body = { pool: f.pool.value, trigger: f.trigger.value, notify_days: Number(f.notify_days.value || 0) };
    if (f.trigger.value === "inactivity") body.threshold_days = Number(f.value.value);
    else body.state = f.value.value;
    if (await attempt(() => api("POST", "/rules", body), "Rule created.")) await loadRules();
  });
  $("#plan-button").addEventListener("click", async () => {
    const plan = await attempt(() => api("GET", "/reclamation/plan"));
    if (plan) showPlan(plan);
  });
  $("#apply-button").addEventListener("click", async () => {
    if (!confirm("Record the notices and reclaim the seats now?")) return;
    const plan = await attempt(() => api("POST", "/reclamation/apply"), "Plan applied.");
    if (plan) showPlan(plan);
  });
  onSubmit("#incompat-form", async (form) => {
    const f = form.elements;
    const body = { pool_a: f.pool_a.value, pool_b: f.pool_b.value, reason: f.reason.value };
    if (await attempt(() => api("POST", "/incompatibilities", body), "Incompatibility created.")) await loadIncompatibilities();
  });
  onSubmit("#compliance-filter", loadCompliance);
  onSubmit("#audit-filter", () => { auditPage.offset = 0; loadAudit(); });
  $("#verify-button").addEventListener("click", async () => {
    const v = await attempt(() => api("GET", "/audit/verify"));
    if (v) show(`The audit trail verifies: ${v.events} events.`, "ok");
  });
  if (state.token) signIn(state.token);
});
