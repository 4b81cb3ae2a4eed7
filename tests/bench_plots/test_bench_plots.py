"""bench/results.py and bench/plot.py: printed tables become JSON, JSON becomes SVG plots.

The benchmarks themselves are too slow and too noisy for the test suite, so these tests feed
the two scripts a small fixture (a printed table, a result JSON) and check what comes out:
the figures read back, the SVG well formed, labelled, and the same bytes on a second run.
"""
import json
import pathlib
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import results  # noqa: E402

ENGINE_OUTPUT = """
| kernel | native ms (median of 3) | wasm ms | wasm/native | stock wasm2c loads/native | compile s |
|---|---:|---:|---:|---:|---:|
| fib | 30.00 | 31.50 | 1.050 | 1.000 | 0.48 |
| sieve | 12.00 | 15.00 | 1.250 | 1.345 | 0.70 |

geometric mean wasm/native: 1.146 (worst 1.250)
"""

HTTP_OUTPUT = """
| path | concurrency | wasmlet req/s | floor req/s | ratio | wasmlet p50 / p99 | floor p50 / p99 |
|---|---:|---:|---:|---:|---:|---:|
| POST /v1/functions/bench/echo:invoke | 10 | 62111 | 101800 | 61% | 145 us / 452 us | 79 us / 1.20 ms |
| Faasm POST / (JSON) | 10 | 58252 | 100400 | 58% | 154 us / 539 us | 79 us / 930 us |
"""

FIXTURE = {
    "bench": "demo", "date": "2026-11-30", "command": "./run bench demo",
    "series": [
        {"metric": "run time", "unit": "ms", "group": "fib", "label": "native",
         "baseline": True, "value": 30.0},
        {"metric": "run time", "unit": "ms", "group": "fib", "label": "wasm through Wasmlet",
         "baseline": False, "value": 31.5},
        {"metric": "run time", "unit": "ms", "group": "sieve", "label": "native",
         "baseline": True, "value": 12.0},
        {"metric": "run time", "unit": "ms", "group": "sieve", "label": "wasm through Wasmlet",
         "baseline": False, "value": 15.0},
        {"metric": "p99", "unit": "us", "group": "c=10", "label": "wasm through Wasmlet",
         "baseline": False, "value": 452.0},
    ],
}


def by(series, **match):
    """The values of the points whose fields match."""
    return [p["value"] for p in series
            if all(p[k] == v for k, v in match.items())]


def test_engine_table_read_back():
    series = results.convert("engine", ENGINE_OUTPUT, "./run bench engine 3")["series"]
    assert by(series, group="sieve", baseline=True) == [12.0]
    assert by(series, group="sieve", baseline=False) == [15.0]
    assert len(series) == 4  # the geometric-mean line is not a kernel


def test_http_durations_and_groups():
    series = results.convert("http", HTTP_OUTPUT, "./run bench http")["series"]
    assert by(series, metric="throughput", group="c=10", label="Beast floor") == [101800.0]
    assert by(series, metric="p99 latency", group="c=10", label="Beast floor") == [1.2]
    assert by(series, metric="p99 latency", group="Faasm JSON c=10",
              label="wasmlet serve") == [pytest.approx(0.539)]


def test_a_table_missing_is_an_error():
    with pytest.raises(ValueError):
        results.convert("engine", "no tables here", "./run bench engine")


def test_google_benchmark_json_medians_only():
    raw = {"benchmarks": [
        {"run_name": "BM_GateCheckKeyed", "aggregate_name": "mean", "cpu_time": 900,
         "time_unit": "ns", "threads": 1},
        {"run_name": "BM_GateCheckKeyed", "aggregate_name": "median", "cpu_time": 799,
         "time_unit": "ns", "threads": 1},
        {"run_name": "BM_GateCheckOpen", "aggregate_name": "median", "cpu_time": 0.0154,
         "time_unit": "us", "threads": 1},
    ]}
    series = results.convert("auth", json.dumps(raw), "./run bench auth")["series"]
    assert by(series, label="keyed server") == [799]
    assert by(series, label="open server (no keys)") == [pytest.approx(15.4)]


def test_every_recorded_result_has_the_shape():
    for path in sorted((ROOT / "bench" / "results").glob("*.json")):
        result = json.loads(path.read_text())
        assert result["bench"] == path.stem
        # Either copied from a table of docs/benchmarks.md, or a real run's own figures.
        assert result.get("source", "docs/benchmarks.md").startswith("docs/benchmarks.md")
        assert result["command"] and result["date"]
        for p in result["series"]:
            assert set(p) == {"metric", "unit", "group", "label", "baseline", "value"}
        assert any(p["baseline"] for p in result["series"]), path


def plot(tmp_path, build, recorded, *names):
    """Runs bench/plot.py into tmp_path/out; returns its output directory."""
    out = tmp_path / "out"
    subprocess.run([sys.executable, str(ROOT / "bench" / "plot.py"), "--build", str(build),
                    "--recorded", str(recorded), "--out", str(out), *names], check=True)
    return out


def texts(svg_path):
    """All text of an SVG (plot.py keeps text as text), which must parse as XML."""
    root = ET.parse(svg_path).getroot()
    assert root.tag.endswith("svg")
    return " ".join(t for t in root.itertext())


def write(directory, result):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / ("%s.json" % result["bench"])).write_text(json.dumps(result))


def test_svg_is_xml_with_labels_and_ratios(tmp_path):
    write(tmp_path / "build" / "bench-results", FIXTURE)
    out = plot(tmp_path, tmp_path / "build", tmp_path / "none")
    text = texts(out / "demo.svg")
    for label in ("wasm through Wasmlet", "native", "fib", "sieve", "./run bench demo",
                  "2026-11-30", "1.05x", "1.25x", "run time"):
        assert label in text, label


def test_same_data_same_bytes(tmp_path):
    write(tmp_path / "build" / "bench-results", FIXTURE)
    first = (plot(tmp_path, tmp_path / "build", tmp_path / "none") / "demo.svg").read_bytes()
    second = (plot(tmp_path, tmp_path / "build", tmp_path / "none") / "demo.svg").read_bytes()
    assert first == second


def test_fresh_figures_win_over_recorded_ones(tmp_path):
    recorded = dict(FIXTURE, source="docs/benchmarks.md (2026-11-22)", date="2026-11-22")
    write(tmp_path / "recorded", recorded)
    out = plot(tmp_path, tmp_path / "nobuild", tmp_path / "recorded", "demo")
    assert "docs/benchmarks.md (2026-11-22)" in texts(out / "demo.svg")
    write(tmp_path / "build" / "bench-results", FIXTURE)
    out = plot(tmp_path, tmp_path / "build", tmp_path / "recorded", "demo")
    text = texts(out / "demo.svg")
    assert "docs/benchmarks.md" not in text and "2026-11-30" in text


def test_raw_benchmark_output_is_not_drawn(tmp_path):
    """auth.raw.json (Google Benchmark's own JSON) lies next to the figures and is skipped."""
    build = tmp_path / "build"
    write(build / "bench-results", FIXTURE)
    (build / "bench-results" / "demo.raw.json").write_text('{"benchmarks": []}')
    out = plot(tmp_path, build, tmp_path / "none")
    assert sorted(p.name for p in out.iterdir()) == ["demo.svg"]


OUTPUTS = ROOT / "tests" / "bench_plots" / "outputs"


@pytest.mark.parametrize("name", sorted(results.EXTRACTORS))
def test_real_output_of_every_benchmark_reads_back(name):
    """results.py keeps reading what each benchmark really prints (outputs/: captured from
    reduced runs through ./run bench on 2026-11-30): Wasmlet's figures and a baseline's."""
    raw = OUTPUTS / ("%s.raw.json" % name)
    path = raw if raw.exists() else OUTPUTS / ("%s.out" % name)
    series = results.convert(name, path.read_text(), "./run bench " + name)["series"]
    assert any(p["baseline"] for p in series)
    assert any(not p["baseline"] for p in series)
    assert all(p["value"] >= 0 for p in series)
