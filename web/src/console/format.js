// Small display helpers shared by the views.
export function bytes(n) {
  if (n === null || n === undefined) return "";
  if (n < 1024) return n + " B";
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KiB";
  return (n / 1024 / 1024).toFixed(1) + " MiB";
}

export function micros(us) {
  if (us === null || us === undefined || Number.isNaN(us)) return "";
  if (us < 1000) return Math.round(us) + " us";
  if (us < 1e6) return (us / 1000).toFixed(us < 1e4 ? 2 : 1) + " ms";
  return (us / 1e6).toFixed(2) + " s";
}

export function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function num(n) {
  return n === null || n === undefined ? "" : String(n);
}

// Text as it is when it decodes as UTF-8, else a hex dump of its start.
export function showBytes(buffer) {
  const view = new Uint8Array(buffer);
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(view), binary: false };
  } catch {
    const lines = [];
    const shown = Math.min(view.length, 4096);
    for (let i = 0; i < shown; i += 16) {
      const row = Array.from(view.subarray(i, Math.min(i + 16, shown)));
      lines.push(
        i.toString(16).padStart(6, "0") + "  " + row.map((b) => b.toString(16).padStart(2, "0")).join(" "),
      );
    }
    if (shown < view.length) lines.push("... " + (view.length - shown) + " more bytes");
    return { text: lines.join("\n"), binary: true };
  }
}
