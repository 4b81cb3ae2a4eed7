// A uPlot time chart that follows its data: made once, then fed with setData.
import { html } from "htm/preact";
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

const COLORS = ["#1f6feb", "#d73a49", "#2da44e", "#bf8700"];
const WINDOW_S = 60;

export function TimeChart({ title, testid, t, series, unit }) {
  const box = useRef(null);
  const plot = useRef(null);

  useEffect(() => {
    const opts = {
      width: Math.max(280, box.current.clientWidth || 320),
      height: 160,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      // The last minute, however few samples there are yet.
      scales: {
        x: { time: true, range: (u, min, max) => [max - WINDOW_S, max] },
        y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] },
      },
      axes: [{}, { size: 60, values: (u, vals) => vals.map((v) => fmtAxis(v, unit)) }],
      series: [{}].concat(
        series.map((s, i) => ({ label: s.label, stroke: COLORS[i % COLORS.length], width: 1.5 })),
      ),
    };
    plot.current = new uPlot(opts, [[]].concat(series.map(() => [])), box.current);
    const resize = () =>
      plot.current.setSize({ width: Math.max(280, box.current.clientWidth), height: 160 });
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      plot.current.destroy();
    };
  }, [series.length]);

  useEffect(() => {
    if (plot.current) plot.current.setData([t.slice()].concat(series.map((s) => s.data.slice())));
  });

  const last = series.map((s) => s.data[s.data.length - 1]);
  return html`<figure class="chart" data-testid=${testid}>
    <figcaption>
      ${title}
      <span class="chart-now">
        ${series.map((s, i) => html`<span>${s.label}: ${fmtAxis(last[i], unit)}</span>`)}
      </span>
    </figcaption>
    <div ref=${box} class="chart-box"></div>
  </figure>`;
}

function fmtAxis(v, unit) {
  if (v === null || v === undefined) return "–";
  if (unit === "us") {
    if (v >= 1e6) return (v / 1e6).toFixed(1) + " s";
    if (v >= 1e3) return (v / 1e3).toFixed(1) + " ms";
    return Math.round(v) + " us";
  }
  if (unit === "/s") return (v >= 100 ? Math.round(v) : Number(v.toFixed(1))) + "/s";
  return String(Math.round(v * 10) / 10);
}
