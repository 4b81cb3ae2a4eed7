// The console's one way to the server: fetch with the key kept in sessionStorage (gone when
// the tab closes), errors turned into ApiError carrying the server's code and message.
const KEY = "wasmlet.key";

export function storedKey() {
  return sessionStorage.getItem(KEY) || "";
}

export function storeKey(key) {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

// Told when any request answers 401, so the app can ask for a key again.
let onUnauthenticated = () => {};
export function setUnauthenticatedHandler(fn) {
  onUnauthenticated = fn;
}

function headers(extra) {
  const h = new Headers(extra || {});
  const key = storedKey();
  if (key) h.set("Authorization", "Bearer " + key);
  return h;
}

async function failure(res) {
  let body = null;
  const text = await res.text();
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  const code = (body && body.error) || "http_" + res.status;
  const message = (body && body.message) || text || res.statusText;
  const err = new ApiError(res.status, code, message, body);
  if (res.status === 401) onUnauthenticated(err);
  return err;
}

// The raw Response of a successful request; ApiError otherwise.
export async function request(method, path, { body, headers: extra, allowFailure } = {}) {
  const res = await fetch(path, { method, body, headers: headers(extra), cache: "no-store" });
  if (res.ok || (allowFailure && allowFailure(res))) return res;
  throw await failure(res);
}

export async function getJson(path) {
  const res = await request("GET", path);
  return res.json();
}

export function enc(name) {
  return encodeURIComponent(name);
}

// "demo/echo" -> "demo/echo" with each part encoded, for paths.
export function idPath(id) {
  return id.split("/").map(enc).join("/");
}
