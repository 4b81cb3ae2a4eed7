// A workflow's graph, and for a chosen execution each state's status and timing.
import { html } from "htm/preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { enc, getJson } from "../api.js";
import { historyByNode, layoutDefinition, summarize } from "../graph.js";
import { micros, when } from "../format.js";

export function WorkflowPage({ user, name }) {
  const id = user + "/" + name;
  const [def, setDef] = useState(null);
  const [error, setError] = useState(null);
  const [runs, setRuns] = useState(null);
  const [chosen, setChosen] = useState(null);
  const [record, setRecord] = useState(null);

  useEffect(() => {
    getJson("/v1/workflows/" + enc(user) + "/" + enc(name)).then(setDef, setError);
    getJson("/v1/calls?limit=20&function=" + enc(id)).then((body) => {
      const calls = body.calls || [];
      setRuns(calls);
      if (calls.length > 0) setChosen(calls[0].id);
    }, setError);
  }, [id]);

  useEffect(() => {
    if (chosen === null) return;
    setRecord(null);
    getJson("/v1/calls/" + enc(String(chosen))).then(setRecord, setError);
  }, [chosen]);

  const layout = useMemo(() => (def ? layoutDefinition(def) : null), [def]);
  const byNode = useMemo(
    () => (layout && record ? historyByNode(record.history, layout.maps) : new Map()),
    [layout, record],
  );

  return html`<h2 data-testid="workflow-title">Workflow ${id}</h2>
    ${error && html`<p class="error">${error.message}</p>`}
    ${def && def.Comment && html`<p class="muted">${def.Comment}</p>`}
    <div class="columns wide-left">
      <div class="card graph-card">
        ${layout && html`<${Graph} layout=${layout} byNode=${byNode} />`}
        <p class="legend">
          <span class="status succeeded">succeeded</span> <span class="status failed">failed</span>
          <span class="status running">running</span> <span class="status not-run">not run</span>
        </p>
      </div>
      <div class="card">
        <h3>Executions</h3>
        ${runs && runs.length === 0 && html`<p class="muted">Not run yet.</p>`}
        <table data-testid="executions-table">
          <thead><tr><th>id</th><th>status</th><th>ran</th><th>submitted</th></tr></thead>
          <tbody>
            ${(runs || []).map(
              (c) => html`<tr data-testid=${"execution-row-" + c.id}
                  class=${"clickable " + (chosen === c.id ? "selected" : "")} onClick=${() => setChosen(c.id)}>
                <td class="n">${c.id}</td><td><span class=${"status " + c.status}>${c.status}</span></td>
                <td class="n">${micros(c.run_us)}</td><td>${when(c.submitted_at)}</td>
              </tr>`,
            )}
          </tbody>
        </table>
        ${record && record.error_kind && html`<p class="error">${record.error_kind}: ${record.error_message}</p>`}
      </div>
    </div>
    ${record && html`<${History} history=${record.history || []} />`}`;
}

function Graph({ layout, byNode }) {
  const { nodes, groups, edges, width, height } = layout;
  return html`<svg class="graph" data-testid="workflow-graph" viewBox=${`0 0 ${width} ${height}`}
      width=${width} height=${height} role="img" aria-label="workflow graph">
    <defs>
      <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
        <path d="M0,0 L10,5 L0,10 z" class="arrow-head" />
      </marker>
    </defs>
    ${groups.map(
      (g) => html`<g class="group" data-testid=${"wf-group-" + g.id}>
        <rect x=${g.x - g.width / 2} y=${g.y - g.height / 2} width=${g.width} height=${g.height} rx="6" />
        <text x=${g.x - g.width / 2 + 6} y=${g.y - g.height / 2 + 13}>${g.label}</text>
      </g>`,
    )}
    ${edges.map(
      (e) => html`<path class=${"edge " + e.kind} marker-end="url(#arrow)"
        d=${"M" + e.points.map((p) => p.x + "," + p.y).join(" L")} />`,
    )}
    ${nodes.map((n) => {
      const s = n.type === "Start" || n.type === "End" ? { status: "marker" } : summarize(byNode.get(n.id));
      const detail =
        s.status === "not-run" || s.status === "marker"
          ? n.type === "Start" || n.type === "End" ? "" : n.type
          : n.type + " · " + micros(((s.exited ?? s.entered) - s.entered) / 1000) + (s.count > 1 ? " ×" + s.count : "");
      return html`<g class=${"node " + s.status} data-testid=${"wf-node-" + n.id} data-status=${s.status}>
        <title>${nodeTitle(n, s)}</title>
        <rect x=${n.x - n.width / 2} y=${n.y - n.height / 2} width=${n.width} height=${n.height} rx="8" />
        <text x=${n.x} y=${n.y - (detail ? 4 : -4)} class="name">${n.label}</text>
        ${detail && html`<text x=${n.x} y=${n.y + 13} class="detail">${detail}</text>`}
      </g>`;
    })}
  </svg>`;
}

function nodeTitle(n, s) {
  const lines = [n.id + " (" + n.type + ")", s.status];
  if (s.count) lines.push("entered " + s.count + "×, task time " + micros(s.taskNs / 1000));
  if (s.retries) lines.push(s.retries + " retries");
  for (const e of s.errors || []) lines.push(e);
  return lines.join("\n");
}

// Every state entered, in order, with a bar for when it ran.
function History({ history }) {
  const end = Math.max(1, ...history.map((h) => h.exited_ns ?? h.entered_ns));
  return html`<section class="card">
    <h3>History</h3>
    <table data-testid="history-table">
      <thead><tr><th>state</th><th>type</th><th>path</th><th>entered</th><th>took</th>
        <th>call</th><th>retries</th><th>error</th><th class="timeline">timeline</th></tr></thead>
      <tbody>
        ${history.map((h, i) => {
          const took = h.exited_ns !== undefined ? (h.exited_ns - h.entered_ns) / 1000 : null;
          const left = (100 * h.entered_ns) / end;
          const w = Math.max(0.5, (100 * ((h.exited_ns ?? end) - h.entered_ns)) / end);
          return html`<tr data-testid=${"history-row-" + i}>
            <td>${h.state}</td><td>${h.type}</td><td>${h.path}</td>
            <td class="n">${micros(h.entered_ns / 1000)}</td><td class="n">${micros(took)}</td>
            <td class="n">${h.call_id ?? ""}</td><td class="n">${h.retries ?? ""}</td>
            <td class="err">${h.error ? h.error + (h.cause ? ": " + h.cause : "") : ""}</td>
            <td class="timeline"><${Bar} left=${left} width=${w} failed=${!!h.error} /></td>
          </tr>`;
        })}
      </tbody>
    </table>
  </section>`;
}

// Positioned through the CSSOM (the style attribute would need 'unsafe-inline' in the CSP).
function Bar({ left, width, failed }) {
  return html`<div class="bar-track"><div class=${"bar" + (failed ? " failed" : "")}
    ref=${(el) => el && (el.style.marginLeft = left + "%", el.style.width = width + "%")} /></div>`;
}
