// Polls GET /v1/stats once a second while someone listens, and keeps a short history of
// rates computed from the counters' deltas (the server only keeps totals).
import { useEffect, useState } from "preact/hooks";
import { getJson } from "./api.js";

const PERIOD_MS = 1000;
const KEEP = 60; // samples: a minute

class StatsFeed {
  constructor() {
    this.listeners = new Set();
    this.state = { latest: null, error: null, series: emptySeries() };
    this.timer = null;
    this.previous = null;
  }

  subscribe(fn) {
    this.listeners.add(fn);
    if (this.listeners.size === 1) this.start();
    fn(this.state);
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0) this.stop();
    };
  }

  start() {
    const tick = async () => {
      try {
        this.add(await getJson("/v1/stats"));
      } catch (err) {
        this.publish({ ...this.state, error: err });
      }
      if (this.timer !== null) this.timer = setTimeout(tick, PERIOD_MS);
    };
    this.timer = setTimeout(tick, 0);
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = null;
  }

  reset() {
    this.previous = null;
    this.state = { latest: null, error: null, series: emptySeries() };
  }

  add(stats) {
    const s = this.state.series;
    const prev = this.previous;
    this.previous = stats;
    if (prev) {
      // Rates over the time between the two samples, as the server measured it.
      const dt = (stats.now_ns - prev.now_ns) / 1e9;
      const rate = (key) => (dt > 0 ? Math.max(0, stats.totals[key] - prev.totals[key]) / dt : 0);
      const busiest = busiestFunction(stats.functions || []);
      push(s.t, stats.now_ns / 1e9);
      push(s.calls, rate("calls"));
      push(s.failures, rate("failures"));
      push(s.restores, rate("restores"));
      push(s.queue, stats.totals.queue_depth);
      push(s.running, stats.totals.running);
      push(s.p50, busiest ? busiest.p50_us : null);
      push(s.p99, busiest ? busiest.p99_us : null);
      s.busiest = busiest ? busiest.id : s.busiest;
    }
    this.publish({ latest: stats, error: null, series: s });
  }

  publish(state) {
    this.state = state;
    for (const fn of this.listeners) fn(state);
  }
}

function emptySeries() {
  return {
    t: [], calls: [], failures: [], restores: [], queue: [], running: [], p50: [], p99: [],
    busiest: null,
  };
}

function push(arr, v) {
  arr.push(v);
  if (arr.length > KEEP) arr.shift();
}

function busiestFunction(functions) {
  let best = null;
  for (const f of functions) if (!best || f.calls > best.calls) best = f;
  return best;
}

export const statsFeed = new StatsFeed();

export function useStats() {
  const [state, setState] = useState(statsFeed.state);
  useEffect(() => statsFeed.subscribe((s) => setState({ ...s })), []);
  return state;
}

// Per-function figures by id ("demo/echo"), from the latest sample.
export function statsById(latest) {
  const map = new Map();
  for (const f of (latest && latest.functions) || []) map.set(f.id, f);
  return map;
}
