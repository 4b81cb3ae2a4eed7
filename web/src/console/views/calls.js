// Recent calls (newest first), optionally of one function; a row opens the call's record.
import { html } from "htm/preact";
import { useEffect, useState } from "preact/hooks";
import { enc, getJson } from "../api.js";
import { micros, when } from "../format.js";

const REFRESH_MS = 2000;

export function CallsPage() {
  const [fn, setFn] = useState("");
  const [applied, setApplied] = useState("");
  return html`<h2>Recent calls</h2>
    <form class="inline" id="calls-filter" onSubmit=${(e) => { e.preventDefault(); setApplied(fn.trim()); }}>
      <label for="calls-function">Function</label>
      <input id="calls-function" placeholder="user/name (all when empty)" value=${fn}
        onInput=${(e) => setFn(e.target.value)} size="24" />
      <button type="submit" id="calls-filter-apply">Filter</button>
    </form>
    <${CallsTable} fn=${applied} limit=${50} auto=${true} />`;
}

export function CallsTable({ fn, limit, refresh, auto, onSelect, selected }) {
  const [calls, setCalls] = useState(null);
  const [error, setError] = useState(null);
  const [open, setOpen] = useState(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let gone = false;
    const q = "limit=" + limit + (fn ? "&function=" + enc(fn) : "");
    getJson("/v1/calls?" + q).then(
      (body) => !gone && (setCalls(body.calls || []), setError(null)),
      (err) => !gone && setError(err),
    );
    const timer = auto ? setTimeout(() => setTick(tick + 1), REFRESH_MS) : null;
    return () => {
      gone = true;
      clearTimeout(timer);
    };
  }, [fn, limit, refresh, tick]);

  const choose = (c) => (onSelect ? onSelect(c) : setOpen(open === c.id ? null : c.id));
  const current = onSelect ? selected : open;
  return html`${error && html`<p class="error">${error.message}</p>`}
    <table class="calls" data-testid="calls-table">
      <thead><tr>
        <th>id</th><th>function</th><th>status</th><th>return code</th><th>error</th>
        <th>queued</th><th>ran</th><th>submitted</th>
      </tr></thead>
      <tbody>
        ${(calls || []).map(
          (c) => html`<tr data-testid=${"call-row-" + c.id} data-status=${c.status}
              class=${"clickable " + (current === c.id ? "selected" : "")} onClick=${() => choose(c)}>
            <td class="n">${c.id}</td><td>${c.function}</td>
            <td><span class=${"status " + c.status}>${c.status}</span></td>
            <td class="n">${c.return_code}</td>
            <td class="err">${c.error_kind}${c.error_message ? ": " + c.error_message : ""}</td>
            <td class="n">${micros(c.queue_us)}</td><td class="n">${micros(c.run_us)}</td>
            <td>${when(c.submitted_at)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${calls && calls.length === 0 && html`<p class="muted">No calls yet.</p>`}
    ${!onSelect && open !== null && html`<${CallRecord} id=${open} />`}`;
}

export function CallRecord({ id }) {
  const [record, setRecord] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    getJson("/v1/calls/" + enc(String(id))).then(setRecord, setError);
  }, [id]);
  if (error) return html`<p class="error">${error.message}</p>`;
  if (!record) return null;
  return html`<div class="card" data-testid="call-record" id="call-record">
    <h3>Call ${record.id} of ${record.function}: ${record.status}</h3>
    ${record.error_kind && html`<p class="error">${record.error_kind}: ${record.error_message}</p>`}
    <h4>Output${record.output_base64 ? " (base64)" : ""}</h4><pre>${record.output}</pre>
    <h4>stdout</h4><pre>${record.stdout}</pre>
    <h4>stderr</h4><pre>${record.stderr}</pre>
  </div>`;
}
