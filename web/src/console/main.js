// The console's shell: who is signed in, the navigation, and which view the URL's hash names.
import "uplot/dist/uPlot.min.css";
import "./console.css";
import { render } from "preact";
import { html } from "htm/preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, getJson, setUnauthenticatedHandler, storeKey, storedKey } from "./api.js";
import { statsFeed } from "./stats.js";
import { SignIn } from "./views/signin.js";
import { Overview } from "./views/overview.js";
import { FunctionPage } from "./views/function.js";
import { CallsPage } from "./views/calls.js";
import { StatePage } from "./views/state.js";
import { WorkflowPage } from "./views/workflow.js";

function useHash() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return hash;
}

// "#/function/demo/echo" -> {view: "function", args: ["demo", "echo"]}
function route(hash) {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  return { view: parts[0] || "overview", args: parts.slice(1) };
}

function App() {
  // who: null while asking, {signedOut: message} or the whoami answer.
  const [who, setWho] = useState(null);
  const hash = useHash();

  const ask = async () => {
    try {
      setWho(await getJson("/v1/whoami"));
    } catch (err) {
      const message = err instanceof ApiError ? err.message : String(err);
      setWho({ signedOut: storedKey() ? message : "", reason: message });
    }
  };

  useEffect(() => {
    setUnauthenticatedHandler((err) => {
      statsFeed.reset();
      setWho({ signedOut: err.message, reason: err.message });
    });
    ask();
  }, []);

  useEffect(() => {
    // For measuring the first load: when the console first shows something to act on.
    if (who !== null && performance.getEntriesByName("console-ready").length === 0) {
      performance.mark("console-ready");
    }
  }, [who]);

  if (who === null) return html`<p class="muted" data-testid="loading">Connecting…</p>`;
  if (who.signedOut !== undefined) {
    return html`<${SignIn} message=${who.signedOut} onSignedIn=${(w) => setWho(w)} />`;
  }

  const signOut = () => {
    storeKey("");
    statsFeed.reset();
    ask();
  };
  const { view, args } = route(hash);
  const user = who.tenant || "";
  let page;
  if (view === "function" && args.length === 2) {
    page = html`<${FunctionPage} key=${args.join("/")} user=${args[0]} name=${args[1]} />`;
  } else if (view === "calls") {
    page = html`<${CallsPage} />`;
  } else if (view === "state") {
    page = html`<${StatePage} user=${args[0] || user} fixedUser=${who.role !== "admin"} />`;
  } else if (view === "workflow" && args.length === 2) {
    page = html`<${WorkflowPage} key=${args.join("/")} user=${args[0]} name=${args[1]} />`;
  } else {
    page = html`<${Overview} who=${who} />`;
  }
  const tab = (name, href, label) =>
    html`<a href=${href} class=${view === name ? "active" : ""} data-testid=${"nav-" + name}>${label}</a>`;
  return html`<header class="top">
      <span class="brand">Wasmlet</span>
      <nav>
        ${tab("overview", "#/", "Overview")} ${tab("calls", "#/calls", "Calls")}
        ${tab("state", "#/state", "State")}
      </nav>
      <span class="who" data-testid="whoami">
        ${who.open ? "open server (no keys)" : `${who.tenant} (${who.role})`}
      </span>
      ${!who.open && html`<button id="signout" class="link" onClick=${signOut}>Sign out</button>`}
    </header>
    <main>${page}</main>`;
}

render(html`<${App} />`, document.getElementById("app"));
