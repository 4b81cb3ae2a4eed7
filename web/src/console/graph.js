// An Amazon States Language definition as a graph laid out by dagre: one node per state, the
// branches of a Parallel and the iterator of a Map as nested groups, and a run's history
// mapped onto the nodes.
import dagre from "@dagrejs/dagre";

const NODE_H = 44;
export const START = "⟨start⟩";
export const END = "⟨end⟩";

// A state's key: its path in the history's form ("Par/0/Step"), Map items written "*".
function key(prefix, name) {
  return prefix ? prefix + "/" + name : name;
}

function nodeWidth(label) {
  return Math.max(90, 16 + label.length * 7.5);
}

export function layoutDefinition(def) {
  const g = new dagre.graphlib.Graph({ compound: true });
  g.setGraph({ rankdir: "TB", nodesep: 28, ranksep: 34, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  const maps = new Set();
  const edges = [];

  const addNode = (id, label, type, parent) => {
    g.setNode(id, { label, type, width: nodeWidth(label), height: NODE_H });
    if (parent) g.setParent(id, parent);
  };
  const addEdge = (from, to, kind) => {
    if (from === to || !g.hasNode(from)) return;
    edges.push({ from, to, kind });
  };

  // Adds a machine's states; `exit` is where its terminal states lead (null for none).
  const machine = (m, prefix, parent, exit) => {
    const states = (m && m.States) || {};
    for (const [name, s] of Object.entries(states)) addNode(key(prefix, name), name, s.Type, parent);
    for (const [name, s] of Object.entries(states)) {
      const id = key(prefix, name);
      const after = s.Next ? key(prefix, s.Next) : s.End || s.Type === "Succeed" ? exit : null;
      for (const c of s.Choices || []) if (c.Next) addEdge(id, key(prefix, c.Next), "choice");
      if (s.Default) addEdge(id, key(prefix, s.Default), "choice");
      for (const c of s.Catch || []) if (c.Next) addEdge(id, key(prefix, c.Next), "catch");
      const inner = s.Type === "Parallel" ? s.Branches || [] : s.Type === "Map" ? [s.Iterator || s.ItemProcessor] : [];
      if (inner.length > 0 && inner[0]) {
        const group = "group:" + id;
        g.setNode(group, { label: s.Type === "Map" ? name + " (each item)" : name + " (parallel)", group: true });
        if (parent) g.setParent(group, parent);
        if (s.Type === "Map") maps.add(id);
        inner.forEach((branch, i) => {
          const branchPrefix = id + "/" + (s.Type === "Map" ? "*" : i);
          let branchGroup = group;
          if (s.Type === "Parallel") {
            branchGroup = group + "/" + i;
            g.setNode(branchGroup, { label: "branch " + i, group: true });
            g.setParent(branchGroup, group);
          }
          machine(branch, branchPrefix, branchGroup, after);
          if (branch && branch.StartAt) addEdge(id, key(branchPrefix, branch.StartAt), "fork");
        });
      } else if (after) {
        addEdge(id, after, "next");
      }
    }
  };

  addNode(START, "start", "Start", null);
  addNode(END, "end", "End", null);
  machine(def, "", null, END);
  if (def && def.StartAt) addEdge(START, key("", def.StartAt), "next");
  for (const e of edges) if (g.hasNode(e.to)) g.setEdge(e.from, e.to, { kind: e.kind });
  dagre.layout(g);

  const nodes = [];
  const groups = [];
  for (const id of g.nodes()) {
    const n = g.node(id);
    (n.group ? groups : nodes).push({ id, ...n, depth: depth(g, id) });
  }
  groups.sort((a, b) => a.depth - b.depth);
  const laidEdges = g.edges().map((e) => ({ from: e.v, to: e.w, ...g.edge(e) }));
  const size = g.graph();
  return { nodes, groups, edges: laidEdges, width: size.width, height: size.height, maps };
}

function depth(g, id) {
  let d = 0;
  for (let p = g.parent(id); p; p = g.parent(p)) d++;
  return d;
}

// History entries grouped by the node they belong to. A Map runs its iterator once per item:
// those entries share a node, whatever the item.
export function historyByNode(history, maps) {
  const out = new Map();
  for (const h of history || []) {
    let cur = "";
    const parts = h.path ? h.path.split("/") : [];
    for (let i = 0; i + 1 < parts.length; i += 2) {
      const state = key(cur, parts[i]);
      cur = state + "/" + (maps.has(state) ? "*" : parts[i + 1]);
    }
    const id = key(cur, h.state);
    if (!out.has(id)) out.set(id, []);
    out.get(id).push(h);
  }
  return out;
}

// A node's status and timing over its entries.
export function summarize(entries) {
  if (!entries || entries.length === 0) return { status: "not-run" };
  let status = "succeeded";
  let entered = Infinity;
  let exited = -Infinity;
  let taskNs = 0;
  let retries = 0;
  const errors = [];
  for (const e of entries) {
    entered = Math.min(entered, e.entered_ns);
    if (e.exited_ns === undefined) status = status === "failed" ? status : "running";
    else exited = Math.max(exited, e.exited_ns);
    if (e.error) {
      status = "failed";
      errors.push(e.error + (e.cause ? ": " + e.cause : ""));
    }
    if (e.call_id !== undefined) taskNs += e.end_ns - e.start_ns;
    retries += e.retries || 0;
  }
  return {
    status, count: entries.length, entered, exited: exited === -Infinity ? null : exited,
    taskNs, retries, errors,
  };
}
