// Everything the tenant has (functions, Flask apps, workflows) with their live figures, and
// charts of the whole server's load from /v1/stats.
import { html } from "htm/preact";
import { useEffect, useState } from "preact/hooks";
import { getJson, idPath } from "../api.js";
import { TimeChart } from "../chart.js";
import { statsById, useStats } from "../stats.js";
import { bytes, micros, num, when } from "../format.js";

function useList(path, pick) {
  const [state, setState] = useState({ items: null, error: null });
  useEffect(() => {
    getJson(path).then(
      (body) => setState({ items: pick(body), error: null }),
      (error) => setState({ items: null, error }),
    );
  }, [path]);
  return state;
}

function Failed({ error }) {
  return error ? html`<p class="error">${error.message}</p>` : null;
}

export function Overview({ who }) {
  const functions = useList("/v1/functions", (b) => b);
  const apps = useList("/v1/apps", (b) => b.apps || []);
  const workflows = useList("/v1/workflows", (b) => b);
  const stats = useStats();
  const byId = statsById(stats.latest);

  return html`<section>
      <h2>Live</h2>
      <${Charts} stats=${stats} />
    </section>
    <section>
      <h2>Functions</h2>
      <${OpenFunction} who=${who} />
      <${Failed} error=${functions.error} />
      <table id="functions-table" data-testid="functions-table">
        <thead><tr>
          <th>function</th><th>kind</th><th>size</th><th>uploaded</th><th>pool</th><th>live Faaslets</th>
          <th>calls</th><th>failures</th><th>p50</th><th>p99</th><th>restores</th>
        </tr></thead>
        <tbody>
          ${(functions.items || []).map((f) => {
            const s = byId.get(f.id) || {};
            return html`<tr data-testid=${"function-row-" + f.id}>
              <td><a href=${"#/function/" + idPath(f.id)}>${f.id}</a></td>
              <td>${f.kind}</td><td class="n">${bytes(f.size_bytes)}</td><td>${when(f.uploaded_at)}</td>
              <td data-col="pool">${s.id ? (s.warm ? "warm" : "cold") : ""}</td>
              <td class="n" data-col="live">${num(s.live_faaslets)}</td>
              <td class="n" data-col="calls">${num(s.calls)}</td>
              <td class="n" data-col="failures">${num(s.failures)}</td>
              <td class="n">${micros(s.p50_us)}</td><td class="n">${micros(s.p99_us)}</td>
              <td class="n">${num(s.restores)}</td>
            </tr>`;
          })}
        </tbody>
      </table>
      ${functions.items && functions.items.length === 0 && html`<p class="muted">No functions yet.</p>`}
    </section>
    <section>
      <h2>Workflows</h2>
      <${Failed} error=${workflows.error} />
      <table id="workflows-table" data-testid="workflows-table">
        <thead><tr>
          <th>workflow</th><th>functions</th><th>size</th><th>uploaded</th>
          <th>runs</th><th>failures</th><th>p50</th><th>p99</th>
        </tr></thead>
        <tbody>
          ${(workflows.items || []).map((w) => {
            const id = w.user + "/" + w.name;
            const s = byId.get(id) || {};
            return html`<tr data-testid=${"workflow-row-" + id}>
              <td><a href=${"#/workflow/" + idPath(id)}>${id}</a></td>
              <td>${(w.functions || []).join(", ")}</td><td class="n">${bytes(w.bytes)}</td>
              <td>${when(w.uploaded_at)}</td><td class="n">${num(s.calls)}</td>
              <td class="n">${num(s.failures)}</td><td class="n">${micros(s.p50_us)}</td>
              <td class="n">${micros(s.p99_us)}</td>
            </tr>`;
          })}
        </tbody>
      </table>
      ${workflows.items && workflows.items.length === 0 && html`<p class="muted">No workflows.</p>`}
    </section>
    <section>
      <h2>Flask apps</h2>
      <${Failed} error=${apps.error} />
      <table id="apps-table" data-testid="apps-table">
        <thead><tr><th>app</th><th>module</th><th>mode</th><th>endpoints</th></tr></thead>
        <tbody>
          ${(apps.items || []).map(
            (a) => html`<tr data-testid=${"app-row-" + a.user + "/" + a.name}>
              <td><a href=${"/apps/" + idPath(a.user + "/" + a.name) + "/"}>${a.user}/${a.name}</a></td>
              <td>${a.module}</td><td>${a.mode}</td>
              <td>${Array.isArray(a.endpoints) ? a.endpoints.length : num(a.endpoints)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      ${apps.items && apps.items.length === 0 && html`<p class="muted">No Flask apps.</p>`}
    </section>`;
}

function Charts({ stats }) {
  const s = stats.series;
  const t = stats.latest ? stats.latest.totals : null;
  return html`${stats.error && html`<p class="error" data-testid="stats-error">Statistics: ${stats.error.message}</p>`}
    ${t &&
    html`<p class="totals" data-testid="stats-totals">
      <span>calls <b data-testid="total-calls">${t.calls}</b></span>
      <span>failures <b>${t.failures}</b></span>
      <span>running <b>${t.running}</b></span>
      <span>queued <b>${t.queue_depth}</b></span>
      <span>live Faaslets <b>${t.live_faaslets}</b></span>
      <span>restores <b>${t.restores}</b></span>
    </p>`}
    <div class="charts">
      <${TimeChart} title="Calls per second" testid="chart-calls" unit="/s" t=${s.t}
        series=${[{ label: "calls", data: s.calls }, { label: "failures", data: s.failures }]} />
      <${TimeChart} title=${"Latency" + (s.busiest ? " of " + s.busiest + " (busiest)" : "")}
        testid="chart-latency" unit="us" t=${s.t}
        series=${[{ label: "p50", data: s.p50 }, { label: "p99", data: s.p99 }]} />
      <${TimeChart} title="Queue" testid="chart-queue" unit="" t=${s.t}
        series=${[{ label: "queued", data: s.queue }, { label: "running", data: s.running }]} />
      <${TimeChart} title="Faaslet restores per second" testid="chart-restores" unit="/s" t=${s.t}
        series=${[{ label: "restores", data: s.restores }]} />
    </div>`;
}

// Goes to a function's page, where a new one can be uploaded too.
function OpenFunction({ who }) {
  const [user, setUser] = useState(who.tenant || "demo");
  const [name, setName] = useState("");
  const go = (e) => {
    e.preventDefault();
    location.hash = "#/function/" + encodeURIComponent(user) + "/" + encodeURIComponent(name);
  };
  return html`<form class="inline" id="open-function" onSubmit=${go}>
    <label>New or existing function:</label>
    <input id="open-function-user" value=${user} disabled=${!!who.tenant && who.role !== "admin"}
      onInput=${(e) => setUser(e.target.value)} aria-label="user" size="12" />
    <span>/</span>
    <input id="open-function-name" value=${name} placeholder="name"
      onInput=${(e) => setName(e.target.value)} aria-label="function name" size="16" />
    <button id="open-function-go" type="submit" disabled=${!user || !name}>Open</button>
  </form>`;
}
