/**
 * The admin page's HTML, rendered on the server from the same document as `GET /admin/api/fleet`:
 * plain HTML, a little CSS and one small inline script (a button POSTs to the JSON API, then the
 * page loads again). No build step. Every value passes `escapeHtml`; nothing secret is in the
 * document it renders from.
 */
import { ACTIVITY_MINUTES } from "./bot-activity.ts";
import type { AdminBot, AdminFailedUpdate, AdminFleet } from "./fleet-report.ts";

export function escapeHtml(value: string | number | boolean | null | undefined): string {
  return String(value ?? "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

function cell(value: string | number | null | undefined): string {
  return `<td>${escapeHtml(value)}</td>`;
}

function count(value: number | null): string {
  return value === null ? '<td class="na">n/a</td>' : cell(value);
}

function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d > 0 ? `${d}d ${h}h ${m}m` : h > 0 ? `${h}h ${m}m` : `${m}m ${seconds % 60}s`;
}

function botRow(bot: AdminBot): string {
  const failure = bot.failure === undefined ? "" : `<div class="failure"><b>${escapeHtml(bot.failure.code)}</b> in ${escapeHtml(bot.failure.file ?? "(folder)")}: <span class="reason">${escapeHtml(bot.failure.reason)}</span></div>`;
  const lastError = bot.last_error === undefined ? "" : `<span class="error">${escapeHtml(bot.last_error.message)}</span><br><small>${escapeHtml(bot.last_error.at)}</small>`;
  const reloadUrl = `/admin/api/bots/${encodeURIComponent(bot.folder)}/reload`;
  return `<tr data-folder="${escapeHtml(bot.folder)}">
${cell(bot.name ?? "")}${cell(bot.folder)}
<td><span class="state state-${escapeHtml(bot.state)}">${escapeHtml(bot.state)}</span>${failure}</td>
${cell(bot.version ?? "")}${cell(bot.changed_at)}
<td>${bot.handlers.length === 0 ? "" : `<ol>${bot.handlers.map((h) => `<li>${escapeHtml(h)}</li>`).join("")}</ol>`}</td>
${cell(bot.activity.accepted)}${count(bot.activity.handled)}${count(bot.activity.failed)}
<td>${lastError}</td>
<td><button type="button" class="action" data-url="${escapeHtml(reloadUrl)}">reload</button></td>
</tr>`;
}

function failedRow(failed: AdminFailedUpdate): string {
  const retryUrl = `/admin/api/failed/${encodeURIComponent(failed.id)}/retry`;
  return `<tr data-job="${escapeHtml(failed.id)}">${cell(failed.id)}${cell(failed.bot ?? "")}${cell(failed.update_id ?? "")}<td class="error">${escapeHtml(failed.error)}</td>${cell(failed.failed_at ?? "")}
<td><button type="button" class="action" data-url="${escapeHtml(retryUrl)}">retry</button></td></tr>`;
}

function failedSection(fleet: AdminFleet): string {
  const failed = fleet.failed_updates;
  if (failed === undefined) return "";
  const rows = failed.length === 0 ? '<tr><td colspan="6">none</td></tr>' : failed.map(failedRow).join("\n");
  return `<h2>Failed updates</h2>
<table id="failed"><thead><tr><th>job</th><th>bot</th><th>update_id</th><th>error</th><th>failed at</th><th></th></tr></thead>
<tbody>${rows}</tbody></table>
<p><a href="/admin/queues">Queues (bull-board)</a></p>`;
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin-bottom:1.5em}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}ol{margin:0;padding-left:1.2em}.na{color:#999}.error,.reason{color:#a00;font-family:monospace;white-space:pre-wrap}
.state{padding:0 .4em;border-radius:3px;background:#eee}.state-ready{background:#cfc}.state-failed{background:#fcc}
.state-ready-newer-failed{background:#fe9}.state-starting,.state-loading{background:#def}.failure{margin-top:.3em}
#status{min-height:1.2em;color:#555}dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:bold}dd{margin:0}`;

/** Buttons POST `{}` as JSON (a cross-site form cannot), then the page loads again. */
const SCRIPT = `document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.action");
  if (!button) return;
  button.disabled = true;
  const status = document.getElementById("status");
  status.textContent = "working...";
  try {
    const response = await fetch(button.dataset.url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}", credentials: "same-origin" });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error((body.error && body.error.message) || response.statusText);
    location.reload();
  } catch (error) {
    status.textContent = "failed: " + error.message;
    button.disabled = false;
  }
});`;

export function renderAdminPage(fleet: AdminFleet, nonce: string): string {
  const s = fleet.service;
  const facts: Array<[string, string | number]> = [
    ["mode", `${s.mode} (${s.bot_mode})`],
    ["version", s.version],
    ["uptime", `${duration(s.uptime_seconds)} (since ${s.started_at})`],
    ["backlog", s.backlog ?? "unknown"],
    ["in flight", s.in_flight ?? "unknown"],
    ...(s.workers === undefined ? [] : ([["workers", s.workers ?? "unknown"]] as Array<[string, string | number]>)),
  ];
  const window = fleet.bots[0]?.activity.window_minutes ?? ACTIVITY_MINUTES;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>clustered-bots admin</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<style>${STYLE}</style></head>
<body>
<h1>clustered-bots admin</h1>
<dl id="service">${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join("")}</dl>
<p id="status" role="status"></p>
<h2>Bots (${fleet.bots.length})</h2>
<table id="bots"><thead><tr><th>name</th><th>folder</th><th>state</th><th>version</th><th>changed at</th><th>handlers (mount order)</th>
<th>accepted ${window}m</th><th>handled ${window}m</th><th>failed ${window}m</th><th>last error</th><th></th></tr></thead>
<tbody>${fleet.bots.map(botRow).join("\n")}</tbody></table>
${failedSection(fleet)}
<h2>Notes</h2><ul id="notes">${fleet.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>
<script nonce="${escapeHtml(nonce)}">${SCRIPT}</script>
</body></html>`;
}
