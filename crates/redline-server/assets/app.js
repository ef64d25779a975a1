// Redline dashboard: fetches the JSON API and draws inline SVG. No libraries, no build step.
"use strict";

const SVG = "http://www.w3.org/2000/svg";

function el(tag, attrs, ...children) {
  const node = tag === "svg" || ["line", "rect", "circle", "text", "polyline", "g", "title", "path"].includes(tag)
    ? document.createElementNS(SVG, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function formParams(form) {
  const p = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (String(v).trim() !== "") p.set(k, String(v).trim());
  return p;
}

async function api(path, params) {
  const url = params && [...params].length ? `${path}?${params}` : path;
  const res = await fetch(url);
  const body = await res.json();
  if (!res.ok) throw new Error(body.message || res.statusText);
  return body;
}

// Alerts, newest first, each linking to its events' pages.
async function loadAlerts() {
  const list = document.getElementById("alerts");
  try {
    const { alerts } = await api("/api/alerts");
    list.replaceChildren();
    if (!alerts.length) list.append(el("li", {}, "no alerts"));
    for (const a of alerts.slice(0, 50)) {
      const when = a.from === a.to ? a.from : `${a.from} to ${a.to}`;
      const events = el("ul", {});
      for (const e of a.events.slice(0, 3)) {
        events.append(el("li", {}, el("a", { href: `/events/${e.id}`, class: "alert-event" },
          `${e.date || "undated"} ${e.source} \u2192 ${e.target || "-"} ${e.cameo}`), ` \u201c${e.sentence.slice(0, 140)}\u201d`));
      }
      list.append(el("li", { class: a.severity },
        el("strong", {}, `${a.severity.toUpperCase()} ${a.dyad}`), ` ${when} \u00b7 ${a.rule}: ${a.message}`, events));
    }
  } catch (err) {
    list.replaceChildren(el("li", {}, `could not load alerts: ${err.message}`));
  }
}

// Timeline: cooperation and conflict counts as bars, Goldstein balance as a line.
async function loadTimeline(ev) {
  if (ev) ev.preventDefault();
  const form = document.getElementById("timeline-form");
  const params = formParams(form);
  const dyad = (params.get("dyad") || "PRK-RUS").toUpperCase();
  params.delete("dyad");
  const status = document.getElementById("timeline-status");
  const box = document.getElementById("timeline");
  try {
    const s = await api(`/api/dyads/${encodeURIComponent(dyad)}/series`, params);
    status.textContent = `${s.dyad}: ${s.totals.events} events, balance ${s.totals.balance}, mean Goldstein ${s.totals.goldstein_mean}`;
    box.replaceChildren(timelineSvg(s));
  } catch (err) {
    status.textContent = `could not load the timeline: ${err.message}`;
    box.replaceChildren();
  }
}

function timelineSvg(s) {
  const W = 720, H = 260, L = 40, R = 40, T = 10, B = 40;
  const periods = s.periods;
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `timeline of ${s.dyad}`, id: "timeline-svg" });
  if (!periods.length) {
    svg.append(el("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, "no events in this window"));
    return svg;
  }
  const coop = periods.map(p => p.totals.verbal_cooperation + p.totals.material_cooperation);
  const conf = periods.map(p => p.totals.verbal_conflict + p.totals.material_conflict);
  const max = Math.max(1, ...coop, ...conf);
  const step = (W - L - R) / periods.length;
  const bw = Math.max(2, step / 2 - 2);
  const y = v => H - B - (v / max) * (H - T - B);
  const yb = v => T + (1 - (v + 1) / 2) * (H - T - B); // balance from -1 to 1
  svg.append(el("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#999" }));
  svg.append(el("text", { x: 2, y: T + 10 }, String(max)));
  svg.append(el("text", { x: W - R + 4, y: T + 10 }, "+1"), el("text", { x: W - R + 4, y: H - B }, "-1"));
  const pts = [];
  periods.forEach((p, i) => {
    const x = L + i * step;
    svg.append(el("rect", { class: "bar coop", x: x + 1, y: y(coop[i]), width: bw, height: H - B - y(coop[i]), fill: "#1a7f37" },
      el("title", {}, `${p.period}: ${coop[i]} cooperation`)));
    svg.append(el("rect", { class: "bar conf", x: x + 1 + bw, y: y(conf[i]), width: bw, height: H - B - y(conf[i]), fill: "#c62828" },
      el("title", {}, `${p.period}: ${conf[i]} conflict`)));
    pts.push(`${x + step / 2},${yb(p.totals.balance)}`);
    if (periods.length <= 16 || i % Math.ceil(periods.length / 12) === 0) {
      svg.append(el("text", { x: x + step / 2, y: H - B + 14, "text-anchor": "middle" }, p.period));
    }
  });
  svg.append(el("polyline", { points: pts.join(" "), fill: "none", stroke: "#0b57d0", "stroke-width": 2, class: "balance" }));
  svg.append(el("text", { x: L, y: H - 6 }, "bars: cooperation (green), conflict (red); line: balance"));
  return svg;
}

// Network: countries on a circle ordered by activity (deterministic), edges coloured by balance.
async function loadGraph(ev) {
  if (ev) ev.preventDefault();
  const box = document.getElementById("graph");
  try {
    const g = await api("/api/graph", formParams(document.getElementById("graph-form")));
    box.replaceChildren(graphSvg(g));
  } catch (err) {
    box.replaceChildren(el("p", {}, `could not load the graph: ${err.message}`));
  }
}

function graphSvg(g) {
  const W = 600, H = 600, cx = W / 2, cy = H / 2, r = 240;
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "network of countries", id: "graph-svg" });
  const nodes = [...g.nodes].sort((a, b) => b.events - a.events || a.id.localeCompare(b.id)).slice(0, 40);
  const pos = new Map();
  nodes.forEach((n, i) => {
    const a = (2 * Math.PI * i) / nodes.length - Math.PI / 2;
    pos.set(n.id, [cx + r * Math.cos(a), cy + r * Math.sin(a)]);
  });
  const maxE = Math.max(1, ...g.edges.map(e => e.events));
  for (const e of g.edges) {
    const a = pos.get(e.source), b = pos.get(e.target);
    if (!a || !b) continue;
    const colour = e.balance > 0.2 ? "#1a7f37" : e.balance < -0.2 ? "#c62828" : "#8a8a8a";
    svg.append(el("line", { class: "edge", x1: a[0], y1: a[1], x2: b[0], y2: b[1], stroke: colour,
      "stroke-width": 1 + 6 * e.events / maxE, "stroke-opacity": 0.7 },
      el("title", {}, `${e.source}-${e.target}: ${e.events} events, balance ${e.balance}`)));
  }
  const maxN = Math.max(1, ...nodes.map(n => n.events));
  for (const n of nodes) {
    const [x, y] = pos.get(n.id);
    svg.append(el("circle", { class: "node", cx: x, cy: y, r: 4 + 10 * Math.sqrt(n.events / maxN), fill: "#334" },
      el("title", {}, `${n.id}: ${n.events} events`)));
    const out = x >= cx ? 1 : -1;
    svg.append(el("text", { x: x + out * 16, y: y + 4, "text-anchor": out > 0 ? "start" : "end" }, n.id));
  }
  return svg;
}

// Blocs: per period the split and each pole's bloc, members by alignment.
async function loadBlocs(ev) {
  if (ev) ev.preventDefault();
  const table = document.getElementById("blocs");
  const status = document.getElementById("blocs-status");
  try {
    const b = await api("/api/blocs", formParams(document.getElementById("blocs-form")));
    const head = el("tr", {}, el("th", { scope: "col" }, "Period"), el("th", { scope: "col" }, "Split"),
      ...b.poles.map(p => el("th", { scope: "col" }, `${p} bloc`)));
    table.tHead.replaceChildren(head);
    const rows = [...b.periods].reverse().map(p => el("tr", {},
      el("th", { scope: "row" }, p.period),
      el("td", { class: "split" }, p.split === null ? "-" : p.split.toFixed(2)),
      ...b.poles.map(pole => el("td", {}, p.countries
        .filter(c => c.bloc === pole && c.country !== pole)
        .sort((x, y) => y.alignment[pole] - x.alignment[pole] || x.country.localeCompare(y.country))
        .map(c => `${c.country} ${c.alignment[pole].toFixed(2)}`).join(", ") || "-"))));
    table.tBodies[0].replaceChildren(...rows);
    status.textContent = `${b.periods.length} periods from ${b.from || "-"} to ${b.to || "-"}, newest first`;
  } catch (err) {
    status.textContent = `could not load the blocs: ${err.message}`;
    table.tBodies[0].replaceChildren();
  }
}

// Event table with the API's filters and cursor paging.
let nextCursor = null;
async function loadEvents(ev, more) {
  if (ev) ev.preventDefault();
  const params = formParams(document.getElementById("events-form"));
  if (more && nextCursor) params.set("cursor", nextCursor);
  const tbody = document.querySelector("#events tbody");
  const status = document.getElementById("events-status");
  try {
    const page = await api("/api/events", params);
    if (!more) tbody.replaceChildren();
    for (const e of page.events) {
      tbody.append(el("tr", {},
        el("td", {}, el("a", { href: `/events/${e.id}` }, e.date || "undated")),
        el("td", {}, e.source), el("td", {}, e.target || "-"), el("td", {}, e.cameo),
        el("td", {}, e.quad_class), el("td", {}, e.goldstein), el("td", {}, e.modality),
        el("td", {}, e.mentions), el("td", { class: "sentence" }, e.sentence)));
    }
    nextCursor = page.next_cursor;
    document.getElementById("events-more").hidden = !nextCursor;
    status.textContent = `${tbody.children.length} events shown${nextCursor ? ", more available" : ""}`;
  } catch (err) {
    status.textContent = `could not load events: ${err.message}`;
  }
}

document.getElementById("timeline-form").addEventListener("submit", loadTimeline);
document.getElementById("graph-form").addEventListener("submit", loadGraph);
document.getElementById("blocs-form").addEventListener("submit", loadBlocs);
document.getElementById("events-form").addEventListener("submit", e => loadEvents(e, false));
document.getElementById("events-more").addEventListener("click", () => loadEvents(null, true));
loadAlerts();
loadTimeline();
loadGraph();
loadBlocs();
loadEvents(null, false);
