// The overview: the server's totals and one page of sources, refreshed every two seconds (one request per open page).
"use strict";
const pageSize = 100;
let page = 0;
let pages = 1;
let shownRows = "";
const number = new Intl.NumberFormat("en");
const fixed = new Intl.NumberFormat("en", { maximumFractionDigits: 2 });

function age(lastSeenUs, nowUs) {
  if (!lastSeenUs) return "not since start";
  const s = Math.max(0, (nowUs - lastSeenUs) / 1e6);
  return s < 1 ? "now" : s < 120 ? `${s.toFixed(0)} s ago` : s < 7200 ? `${(s / 60).toFixed(0)} min ago` : `${(s / 3600).toFixed(1)} h ago`;
}

function bytes(n) {
  if (n < 0) return "unknown";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${fixed.format(n)} ${units[i]}`;
}

function spark(history, bucketSeconds) {
  const w = 120, h = 22;
  if (!history.length) return "";
  const max = Math.max(1, ...history);
  const points = history.map((v, i) => `${(i * w / (history.length - 1)).toFixed(1)},${(h - 1 - v * (h - 2) / max).toFixed(1)}`).join(" ");
  const title = `peak ${fixed.format(max / bucketSeconds)} registers/s`;
  return `<svg class="spark" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"><title>${title}</title><polyline points="${points}"/></svg>`;
}

function escape(text) {
  return String(text).replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

function render(data) {
  const t = data.totals;
  const totals = [
    ["sources", number.format(t.sources)], ["connections", number.format(t.connections)],
    ["frames", number.format(t.frames)], ["registers", number.format(t.registers)], ["bytes", bytes(t.bytes)],
    ["bad frames", number.format(t.badFrames)], ["sequence gaps", number.format(t.sequenceGaps)],
    ["frames refused", number.format(t.framesRefused)], ["timeouts", number.format(t.timeouts)],
    ["Parquet rows", number.format(t.parquetRows)], ["disk free", bytes(t.diskFreeBytes)],
  ];
  document.getElementById("totals").innerHTML =
    totals.map(([k, v]) => `<div><dt>${k}</dt><dd data-total="${k}">${v}</dd></div>`).join("");
  pages = Math.max(1, Math.ceil(data.sourceCount / data.pageSize));
  document.getElementById("page-info").textContent =
    `sources ${number.format(Math.min(data.sourceCount, data.page * data.pageSize + 1))}–${number.format(Math.min(data.sourceCount, (data.page + 1) * data.pageSize))} of ${number.format(data.sourceCount)} (page ${data.page + 1} of ${pages})`;
  document.getElementById("prev").disabled = page === 0;
  document.getElementById("next").disabled = page >= pages - 1;
  const rows = data.sources.map(s =>
    `<tr data-source="${escape(s.source)}"><td><a href="${escape(s.link)}">${escape(s.source)}</a></td>` +
    `<td>${age(s.lastSeenUs, t.nowUs)}</td><td>${number.format(s.frames)}</td><td>${number.format(s.registers)}</td>` +
    `<td>${fixed.format(s.framesPerSecond)}</td><td>${fixed.format(s.registersPerSecond)}</td>` +
    `<td>${spark(s.registerHistory, t.bucketSeconds)}</td><td>${number.format(s.sequenceGaps)}</td></tr>`).join("");
  if (rows !== shownRows) document.querySelector("#sources tbody").innerHTML = shownRows = rows;
}

async function refresh() {
  const status = document.getElementById("status");
  try {
    const response = await fetch(`/api/overview?page=${page}&size=${pageSize}`, { cache: "no-store" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    render(await response.json());
    status.dataset.state = "live";
    status.textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    status.dataset.state = "error";
    status.textContent = `collector not reachable (${e.message})`;
  }
}

document.getElementById("prev").onclick = () => { if (page > 0) { page--; refresh(); } };
document.getElementById("next").onclick = () => { if (page < pages - 1) { page++; refresh(); } };
refresh();
setInterval(refresh, 2000);
