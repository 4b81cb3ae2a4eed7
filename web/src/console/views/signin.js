// Asks for an API key; kept for this tab only (sessionStorage).
import { html } from "htm/preact";
import { useState } from "preact/hooks";
import { ApiError, getJson, storeKey } from "../api.js";

export function SignIn({ message, onSignedIn }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState(message);
  const [busy, setBusy] = useState(false);

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    storeKey(key.trim());
    try {
      onSignedIn(await getJson("/v1/whoami"));
    } catch (err) {
      storeKey("");
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return html`<form class="signin card" id="signin" onSubmit=${submit}>
    <h1>Wasmlet console</h1>
    <p>This server needs an API key (<code>wlk_…</code>), made with <code>wasmlet admin key create</code>.</p>
    <label for="signin-key">API key</label>
    <input id="signin-key" type="password" autocomplete="off" spellcheck="false" value=${key}
      onInput=${(e) => setKey(e.target.value)} />
    <button id="signin-submit" type="submit" disabled=${busy || !key.trim()}>Sign in</button>
    ${error && html`<p class="error" id="signin-error">${error}</p>`}
  </form>`;
}
