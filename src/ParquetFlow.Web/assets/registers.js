// One source's 65,536 registers: a virtualised table (only the visible rows exist), fed by server-sent events.
"use strict";
const parts = location.pathname.split("/");
const type = parts[2], id = parts[3];
const rowHeight = 24;
const highlightMs = 5000;
const values = new Uint16Array(65536);
const changedAt = new Float64Array(65536);
let first = 0, last = 65535;
let loaded = false;
let changes = 0;
let shownHtml = "";
const viewport = document.getElementById("viewport");
const spacer = document.getElementById("spacer");
const body = document.querySelector("#registers tbody");
const status = document.getElementById("status");
const hex = (n, digits) => "0x" + n.toString(16).toUpperCase().padStart(digits, "0");

document.getElementById("source").textContent = `${type.toUpperCase()}:${id}`;
document.title = `pqflow ${type.toUpperCase()}:${id}`;
const download = document.getElementById("download");
download.href = `/api/sources/${type}/${id}/image.bin`;

function render() {
  const rows = last - first + 1;
  spacer.style.height = `${(rows + 1) * rowHeight}px`;
  document.getElementById("row-count").textContent = `${rows.toLocaleString("en")} registers`;
  if (!loaded) return;
  const top = Math.floor(viewport.scrollTop / rowHeight);
  const visible = Math.ceil(viewport.clientHeight / rowHeight) + 2;
  const now = performance.now();
  let html = "";
  for (let o = first + top; o <= last && o < first + top + visible; o++) {
    const changed = changedAt[o] > 0 && now - changedAt[o] < highlightMs ? ' class="changed"' : "";
    html += `<tr data-offset="${o}"${changed}><td>${hex(o, 4)}</td><td>${hex(values[o], 4)}</td><td>${values[o]}</td></tr>`;
  }
  if (html !== shownHtml) body.innerHTML = shownHtml = html; // untouched while nothing changes
  document.getElementById("registers").style.transform = `translateY(${top * rowHeight}px)`;
}

// "0x1000-0x10FF", "4096-4351", "0x1234" (one register) or empty (all).
function parseRange(text) {
  text = text.trim();
  if (!text) return [0, 65535];
  const m = /^(0x[0-9a-f]+|\d+)\s*(?:[-–]\s*(0x[0-9a-f]+|\d+))?$/i.exec(text);
  if (!m) return null;
  const a = Number(m[1]), b = m[2] === undefined ? a : Number(m[2]);
  if (!(a >= 0 && b >= a && b <= 65535)) return null;
  return [a, b];
}

function applyRange() {
  const input = document.getElementById("range");
  const range = parseRange(input.value);
  const error = document.getElementById("range-error");
  if (!range) {
    error.textContent = "expected FIRST-LAST within 0x0000-0xFFFF, e.g. 0x1000-0x10FF";
    return;
  }
  error.textContent = "";
  [first, last] = range;
  viewport.scrollTop = 0;
  render();
}

document.getElementById("apply").onclick = applyRange;
document.getElementById("range").addEventListener("keydown", e => { if (e.key === "Enter") applyRange(); });
document.getElementById("clear").onclick = () => { document.getElementById("range").value = ""; applyRange(); };
viewport.addEventListener("scroll", render);
setInterval(render, 500); // lets highlights fade

const events = new EventSource(`/api/sources/${type}/${id}/events`);
events.addEventListener("snapshot", e => {
  const raw = atob(e.data);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 65536; i++) values[i] = view.getUint16(i * 2, true);
  loaded = true;
  status.dataset.state = "live";
  status.textContent = "live";
  render();
});
events.addEventListener("changes", e => {
  const list = JSON.parse(e.data);
  const now = performance.now();
  for (let i = 0; i < list.length; i += 2) {
    values[list[i]] = list[i + 1];
    changedAt[list[i]] = now;
  }
  changes += list.length / 2;
  status.textContent = `live, ${changes.toLocaleString("en")} changes received`;
  render();
});
events.onerror = () => {
  status.dataset.state = "error";
  status.textContent = "disconnected (retrying)";
};
render();
