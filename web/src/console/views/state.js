// A tenant's state keys, and one key's value.
import { html } from "htm/preact";
import { useEffect, useState } from "preact/hooks";
import { enc, getJson, request } from "../api.js";
import { bytes, showBytes } from "../format.js";

export function StatePage({ user, fixedUser }) {
  const [who, setWho] = useState(user || "demo");
  const [shown, setShown] = useState(user || "demo");
  const [keys, setKeys] = useState(null);
  const [error, setError] = useState(null);
  const [key, setKey] = useState(null);
  const [value, setValue] = useState(null);

  useEffect(() => {
    setKeys(null);
    setKey(null);
    getJson("/v1/state/" + enc(shown)).then(
      (body) => (setKeys(body.keys || []), setError(null)),
      setError,
    );
  }, [shown]);

  useEffect(() => {
    if (key === null) return;
    setValue(null);
    request("GET", "/v1/state/" + enc(shown) + "/" + enc(key))
      .then((res) => res.arrayBuffer())
      .then((buf) => setValue(showBytes(buf)), (err) => setValue({ text: err.message, error: true }));
  }, [key]);

  return html`<h2>State of ${shown}</h2>
    ${!fixedUser &&
    html`<form class="inline" id="state-user-form" onSubmit=${(e) => { e.preventDefault(); setShown(who); }}>
      <label for="state-user">User</label>
      <input id="state-user" value=${who} onInput=${(e) => setWho(e.target.value)} size="16" />
      <button type="submit">Show</button>
    </form>`}
    ${error && html`<p class="error">${error.message}</p>`}
    <table data-testid="state-table" id="state-table">
      <thead><tr><th>key</th><th>size</th></tr></thead>
      <tbody>
        ${(keys || []).map(
          (k) => html`<tr data-testid=${"state-row-" + k.key} class=${"clickable " + (key === k.key ? "selected" : "")}
              onClick=${() => setKey(k.key)}>
            <td>${k.key}</td><td class="n">${bytes(k.bytes)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${keys && keys.length === 0 && html`<p class="muted">No state keys.</p>`}
    ${key !== null &&
    html`<div class="card" id="state-value-card">
      <h3>${key}${value && value.binary ? " (binary, hex)" : ""}</h3>
      <pre id="state-value" class=${value && value.error ? "error" : ""}>${value ? value.text : "…"}</pre>
    </div>`}`;
}
