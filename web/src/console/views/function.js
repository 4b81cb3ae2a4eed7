// One function: its details, uploading a new version, invoking it and reading what it printed.
import { html } from "htm/preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, enc, getJson, request } from "../api.js";
import { bytes, micros, showBytes, when } from "../format.js";
import { CallsTable } from "./calls.js";

const PYTHON_FILE = /\.(py|tar|tar\.gz|tgz|zip)$/i;

export function FunctionPage({ user, name }) {
  const id = user + "/" + name;
  const base = "/v1/functions/" + enc(user) + "/" + enc(name);
  const [info, setInfo] = useState(undefined); // undefined: loading; null: not uploaded
  const [infoError, setInfoError] = useState(null);
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    getJson(base).then(
      (body) => setInfo(body),
      (err) => {
        if (err.status === 404) setInfo(null);
        else setInfoError(err);
      },
    );
  }, [base, refresh]);

  return html`<h2 data-testid="function-title">Function ${id}</h2>
    ${infoError && html`<p class="error">${infoError.message}</p>`}
    ${info === null && html`<p class="muted" data-testid="function-missing">Not uploaded yet.</p>`}
    ${info && html`<${Details} info=${info} />`}
    <div class="columns">
      <${Upload} base=${base} onUploaded=${(body) => { setInfo(body); setRefresh(refresh + 1); }} />
      ${info && html`<${Invoke} base=${base} onCalled=${() => setRefresh(refresh + 1)} />`}
    </div>
    ${info && html`<section>
      <h3>Recent calls</h3>
      <${CallsTable} fn=${id} limit=${20} refresh=${refresh} />
    </section>`}`;
}

function Details({ info }) {
  const rows = [
    ["kind", info.kind],
    ["size", bytes(info.size_bytes)],
    ["uploaded", when(info.uploaded_at)],
    ["sha256", info.sha256],
    ["compile time", info.compile_seconds !== undefined ? info.compile_seconds.toFixed(2) + " s" : ""],
    ["entry", info.entry],
    ["convention", info.convention],
  ].filter(([, v]) => v !== undefined && v !== "");
  return html`<dl class="details" data-testid="function-details">
    ${rows.map(([k, v]) => html`<dt>${k}</dt><dd data-field=${k}>${v}</dd>`)}
  </dl>`;
}

function Upload({ base, onUploaded }) {
  const [file, setFile] = useState(null);
  const [entry, setEntry] = useState("");
  const [status, setStatus] = useState(null);
  const python = file && PYTHON_FILE.test(file.name);

  const submit = async (e) => {
    e.preventDefault();
    setStatus({ busy: true });
    const query = new URLSearchParams();
    if (python) query.set("kind", "python");
    if (python && entry) query.set("entry", entry);
    const qs = query.toString();
    try {
      const res = await request("PUT", base + (qs ? "?" + qs : ""), { body: file });
      const body = await res.json();
      setStatus({ ok: "Uploaded " + body.id + " (" + bytes(body.size_bytes) + ")" });
      onUploaded(body);
    } catch (err) {
      setStatus({ error: err instanceof ApiError ? err.message : String(err) });
    }
  };

  return html`<form class="card" id="upload-form" onSubmit=${submit}>
    <h3>Upload a new version</h3>
    <p class="muted">A WebAssembly module, or Python: a <code>.py</code> file or a package archive.</p>
    <input id="upload-file" type="file" onChange=${(e) => setFile(e.target.files[0] || null)} />
    ${python &&
    html`<label>Entry (optional, module:function)
      <input id="upload-entry" value=${entry} onInput=${(e) => setEntry(e.target.value)} /></label>`}
    <button id="upload-submit" type="submit" disabled=${!file || (status && status.busy)}>
      ${status && status.busy ? "Uploading…" : "Upload"}
    </button>
    ${status && status.ok && html`<p class="ok" id="upload-result">${status.ok}</p>`}
    ${status && status.error && html`<pre class="error" id="upload-error">${status.error}</pre>`}
  </form>`;
}

function Invoke({ base, onCalled }) {
  const [input, setInput] = useState("");
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    try {
      // A failed call is a 500 with a JSON body: a result to show, not an error of the console.
      const res = await request("POST", base + ":invoke", {
        body: input,
        allowFailure: (r) => r.status === 500,
      });
      const h = (name) => res.headers.get(name);
      const r = {
        ok: res.ok,
        callId: h("X-Wasmlet-Call-Id"),
        returnCode: h("X-Wasmlet-Return-Code"),
        queueUs: h("X-Wasmlet-Queue-Us"),
        runUs: h("X-Wasmlet-Run-Us"),
      };
      if (res.ok) {
        r.output = showBytes(await res.arrayBuffer());
      } else {
        const body = await res.json();
        if (body.error !== "call_failed") throw new ApiError(500, body.error, body.message, body);
        r.callId = r.callId || String(body.call_id);
        r.returnCode = r.returnCode || String(body.return_code);
        r.errorKind = body.error_kind;
        r.message = body.message;
        r.output = { text: body.output || "", binary: !!body.output_base64 };
      }
      if (r.callId) {
        const record = await getJson("/v1/calls/" + enc(r.callId));
        r.stdout = record.stdout;
        r.stderr = record.stderr;
      }
      setResult(r);
    } catch (err) {
      setResult({ failure: err instanceof ApiError ? err.message : String(err) });
    } finally {
      setBusy(false);
      onCalled();
    }
  };

  return html`<form class="card" id="invoke-form" onSubmit=${submit}>
    <h3>Invoke</h3>
    <label for="invoke-input">Input (sent as the raw body)</label>
    <textarea id="invoke-input" rows="4" value=${input} onInput=${(e) => setInput(e.target.value)} />
    <button id="invoke-submit" type="submit" disabled=${busy}>${busy ? "Running…" : "Invoke"}</button>
    ${result && html`<${Result} r=${result} />`}
  </form>`;
}

function Result({ r }) {
  if (r.failure) return html`<pre class="error" id="invoke-error">${r.failure}</pre>`;
  return html`<div id="invoke-result" data-testid="invoke-result" data-ok=${String(r.ok)}>
    <p class=${r.ok ? "ok" : "error"} id="invoke-status">
      ${r.ok ? "succeeded" : "failed: " + (r.errorKind || "") + (r.message ? " — " + r.message : "")}
    </p>
    <dl class="details">
      <dt>call id</dt><dd id="invoke-call-id">${r.callId}</dd>
      <dt>return code</dt><dd id="invoke-return-code">${r.returnCode}</dd>
      <dt>queued</dt><dd id="invoke-queue-us">${micros(Number(r.queueUs))}</dd>
      <dt>ran</dt><dd id="invoke-run-us">${micros(Number(r.runUs))}</dd>
    </dl>
    <h4>Output${r.output.binary ? " (binary)" : ""}</h4>
    <pre id="invoke-output">${r.output.text}</pre>
    <h4>stdout</h4><pre id="invoke-stdout">${r.stdout || ""}</pre>
    <h4>stderr</h4><pre id="invoke-stderr">${r.stderr || ""}</pre>
  </div>`;
}
