"""deploy/k8s, validated offline: each kustomization renders with `kubectl kustomize`, the result
passes `kubectl apply --dry-run=client` (against a stub discovery server, no cluster), and the
rendered objects hold what Wasmlet needs (probes, drain time, PDB and HPA aimed at the hosts,
metrics that exist, the flags the server takes)."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from fake_apiserver import FakeApiServer

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUSTOMIZATIONS = ["base", "hosts", "overlays/external-redis"]
KUBECTL = os.environ.get("KUBECTL") or shutil.which("kubectl")

if not KUBECTL:
    pytest.skip("kubectl not found: install Debian's kubernetes-client (./run installs it) "
                "or set $KUBECTL", allow_module_level=True)

HOST_LABELS = {"app.kubernetes.io/name": "wasmlet", "app.kubernetes.io/component": "host"}


@pytest.fixture(scope="session")
def kube_env(tmp_path_factory):
    """A kubeconfig naming only the stub server, so nothing here can reach a real cluster."""
    home = tmp_path_factory.mktemp("kube")
    with FakeApiServer() as server:
        config = home / "config"
        config.write_text(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "stub",
            "clusters": [{"name": "stub", "cluster": {"server": server.url}}],
            "contexts": [{"name": "stub", "context": {"cluster": "stub", "user": "stub"}}],
            "users": [{"name": "stub", "user": {}}],
        }))
        env = dict(os.environ, KUBECONFIG=str(config), HOME=str(home))
        yield env


def kubectl(env, *args, stdin=None):
    return subprocess.run([KUBECTL, *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.fixture(scope="session")
def rendered(kube_env):
    """kustomization -> (YAML text, list of objects)."""
    out = {}
    for k in KUSTOMIZATIONS:
        r = kubectl(kube_env, "kustomize", str(K8S / k))
        assert r.returncode == 0, f"kubectl kustomize {k}: {r.stderr}"
        docs = list(yaml.safe_load_all(r.stdout))
        out[k] = (r.stdout, docs)
    return out


def objects(rendered, k, kind=None, name=None):
    return [d for d in rendered[k][1]
            if (kind is None or d["kind"] == kind) and (name is None or d["metadata"]["name"] == name)]


def one(rendered, k, kind, name=None):
    found = objects(rendered, k, kind, name)
    assert len(found) == 1, f"{k}: expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def host_deployment(rendered, k):
    return one(rendered, k, "Deployment", "wasmlet")


def args_of(container):
    """--flag=value and --flag value, as {flag: value}."""
    args, out, i = container.get("args", []), {}, 0
    while i < len(args):
        a = args[i]
        if a.startswith("--"):
            if "=" in a:
                f, v = a.split("=", 1)
            elif i + 1 < len(args) and not args[i + 1].startswith("-"):
                f, v = a, args[i + 1]
                i += 1
            else:
                f, v = a, None
            out[f] = v
        i += 1
    return out


def seconds(duration):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)", duration)
    assert m, f"cannot read the duration {duration!r}"
    return float(m[1]) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[m[2]]


def size(quantity):
    """Bytes of a Kubernetes quantity (6Gi) or a Wasmlet size (1GiB, 256MiB)."""
    m = re.fullmatch(r"(\d+)(Ki|Mi|Gi|Ti)B?", quantity)
    assert m, f"cannot read the size {quantity!r}"
    return int(m[1]) * 1024 ** {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4}[m[2]]


def selects(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


@pytest.mark.parametrize("k", KUSTOMIZATIONS)
def test_renders_and_passes_a_client_dry_run(rendered, kube_env, k):
    text, docs = rendered[k]
    assert docs and all(isinstance(d, dict) and d.get("kind") for d in docs), \
        f"{k}: an empty or kind-less document (kustomize v2 leaves {{}} for deleted objects)"
    r = kubectl(kube_env, "apply", "--dry-run=client", "--validate=false", "-f", "-", stdin=text)
    assert r.returncode == 0, f"{k}: {r.stderr}"
    created = [line for line in r.stdout.splitlines() if line.endswith("created (dry run)")]
    assert len(created) == len(docs), r.stdout


def test_the_dry_run_refuses_an_api_version_clusters_no_longer_serve(kube_env):
    # The stub must fail what a cluster would fail, or the test above proves nothing.
    hpa = {"apiVersion": "autoscaling/v2beta2", "kind": "HorizontalPodAutoscaler",
           "metadata": {"name": "x", "namespace": "wasmlet"}, "spec": {}}
    r = kubectl(kube_env, "apply", "--dry-run=client", "--validate=false", "-f", "-",
                stdin=yaml.safe_dump(hpa))
    assert r.returncode != 0


@pytest.mark.parametrize("k", KUSTOMIZATIONS)
def test_every_container_has_resources_and_hosts_have_healthz_probes(rendered, k):
    for d in objects(rendered, k, "Deployment"):
        spec = d["spec"]["template"]["spec"]
        for c in spec.get("initContainers", []) + spec["containers"]:
            res = c.get("resources", {})
            for r in ("cpu", "memory"):
                assert r in res.get("requests", {}), f"{d['metadata']['name']}/{c['name']}: no {r} request"
            assert "memory" in res.get("limits", {}), f"{c['name']}: no memory limit"
        for c in spec["containers"]:
            for probe in ("readinessProbe", "livenessProbe"):
                assert probe in c, f"{c['name']}: no {probe}"
    for c in host_deployment(rendered, k)["spec"]["template"]["spec"]["containers"]:
        ports = {p.get("name"): p["containerPort"] for p in c["ports"]}
        for probe in ("readinessProbe", "livenessProbe"):
            get = c[probe].get("httpGet", {})
            assert get.get("path") == "/healthz", f"{c['name']} {probe}: {get}"
            assert get.get("port") in ports or get.get("port") in ports.values()
        # The memory limit must leave room for the Faaslets the executors may run at once.
        a = args_of(c)
        limit = size(c["resources"]["limits"]["memory"])
        faaslets = int(a["--executor-threads"]) * size(a["--memory-limit"])
        assert limit > faaslets, f"memory limit {limit} <= executors x --memory-limit {faaslets}"


@pytest.mark.parametrize("k", KUSTOMIZATIONS)
def test_hosts_join_the_cluster_and_drain_within_the_grace_period(rendered, k):
    d = host_deployment(rendered, k)
    spec = d["spec"]["template"]["spec"]
    (c,) = spec["containers"]
    a = args_of(c)
    assert c["args"][0] == "serve"
    for flag in ("--cluster", "--state", "--advertise", "--host-id", "--data-dir", "--timeout"):
        assert a.get(flag), f"{k}: the host's args lack {flag}"
    assert a["--address"] not in ("127.0.0.1", "localhost", "::1")
    assert "--allow-open" not in a, "hosts must run with API keys, not open"
    # Every $(VAR) in the args is defined, or Kubernetes passes it on literally.
    defined = {e["name"] for e in c.get("env", [])}
    for v in re.findall(r"\$\((\w+)\)", " ".join(c["args"])):
        assert v in defined, f"$({v}) in the args is not in env"
    assert a["--advertise"].endswith(":" + a.get("--port", "8080"))
    # ConfigMaps the env names exist in this render (kustomize renames generated ones).
    maps = {m["metadata"]["name"]: m["data"] for m in objects(rendered, k, "ConfigMap")}
    for e in c["env"]:
        ref = e.get("valueFrom", {}).get("configMapKeyRef")
        if ref:
            assert ref["key"] in maps.get(ref["name"], {}), f"{ref} not rendered"
    # Drain: endpoints go first (preStop sleep), then the longest call finishes.
    pre = c["lifecycle"]["preStop"]
    sleep = float(pre["exec"]["command"][1]) if "exec" in pre else float(pre["sleep"]["seconds"])
    grace = spec["terminationGracePeriodSeconds"]
    assert grace > sleep + seconds(a["--timeout"]), \
        f"terminationGracePeriodSeconds {grace} <= preStop {sleep}s + --timeout {a['--timeout']}"
    assert d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    # Not root, read-only root, and the data directory on a writable volume.
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    mounts = {m["mountPath"] for m in c["volumeMounts"]}
    assert a["--data-dir"] in mounts and "/tmp" in mounts
    # The tenant store comes from the Secret the operator makes.
    secrets = [v["secret"]["secretName"] for v in spec["volumes"] if "secret" in v]
    assert secrets == ["wasmlet-auth"]
    init = spec["initContainers"][0]
    assert any(m["mountPath"] == a["--data-dir"] for m in init["volumeMounts"])


def test_the_server_flags_exist():
    """Flags other than the cluster layer's must be in `wasmlet serve --help` of this build."""
    binary = Path(os.environ.get("WASMLET_BIN", ROOT / "build" / "src" / "cli" / "wasmlet"))
    if not binary.exists():
        pytest.skip(f"no wasmlet binary at {binary} (set $WASMLET_BIN)")
    help_text = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True).stdout
    known = set(re.findall(r"(--[a-z][a-z-]*)", help_text))
    text = (K8S / "hosts" / "deployment.yaml").read_text()
    (c,) = yaml.safe_load(text)["spec"]["template"]["spec"]["containers"]
    unknown = set(args_of(c)) - known
    assert not unknown, f"wasmlet serve does not take {sorted(unknown)}"


@pytest.mark.parametrize("k", KUSTOMIZATIONS)
def test_pdb_service_and_hpa_aim_at_the_hosts(rendered, k):
    d = host_deployment(rendered, k)
    pod_labels = d["spec"]["template"]["metadata"]["labels"]
    assert selects(d["spec"]["selector"]["matchLabels"], pod_labels)
    assert selects(HOST_LABELS, pod_labels)
    others = [o["spec"]["template"]["metadata"]["labels"] for o in objects(rendered, k, "Deployment")
              if o is not d]

    pdb = one(rendered, k, "PodDisruptionBudget")
    sel = pdb["spec"]["selector"]["matchLabels"]
    assert selects(sel, pod_labels), "the PDB does not select the hosts"
    assert not any(selects(sel, o) for o in others), "the PDB selects other pods too"

    svc = one(rendered, k, "Service", "wasmlet")
    assert selects(svc["spec"]["selector"], pod_labels)
    assert not any(selects(svc["spec"]["selector"], o) for o in others)
    port_names = {p.get("name") for p in d["spec"]["template"]["spec"]["containers"][0]["ports"]}
    assert all(p["targetPort"] in port_names for p in svc["spec"]["ports"])

    hpa = one(rendered, k, "HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    ref = hpa["spec"]["scaleTargetRef"]
    assert (ref["apiVersion"], ref["kind"], ref["name"]) == ("apps/v1", "Deployment", "wasmlet")
    assert "replicas" not in d["spec"], "the HPA owns the count: a re-apply would reset it"
    assert hpa["spec"]["minReplicas"] >= 2, "one host cannot survive the PDB's eviction"
    kinds = {m["type"] for m in hpa["spec"]["metrics"]}
    assert {"Pods", "Resource"} <= kinds


def test_hpa_metrics_are_exported_and_served_by_the_adapter(rendered):
    hpa = one(rendered, "hosts", "HorizontalPodAutoscaler")
    names = [m["pods"]["metric"]["name"] for m in hpa["spec"]["metrics"] if m["type"] == "Pods"]
    exported = set(re.findall(r'"(wasmlet_[a-z_]+)"',
                              (ROOT / "src" / "server" / "metrics_text.cpp").read_text()))
    rules = yaml.safe_load((K8S / "prometheus" / "adapter-rules.yaml").read_text())["rules"]
    served = {r["name"]["as"] for r in rules["custom"]}
    for n in names:
        assert n in exported, f"{n} is not a metric the server exports"
        assert n in served, f"{n} has no Prometheus Adapter rule"
    # The scrape job keeps exactly the hosts' http port and the labels the adapter maps.
    job = yaml.safe_load((K8S / "prometheus" / "scrape-config.yaml").read_text())["scrape_configs"][0]
    keep = next(r for r in job["relabel_configs"] if r.get("action") == "keep")
    assert keep["regex"] == HOST_LABELS["app.kubernetes.io/component"] + ";http"
    targets = {r.get("target_label") for r in job["relabel_configs"]}
    assert {"namespace", "pod"} <= targets


def test_base_points_at_its_redis_and_external_redis_drops_it(rendered):
    (m,) = objects(rendered, "base", "ConfigMap")
    redis = one(rendered, "base", "Service", "wasmlet-redis")
    port = redis["spec"]["ports"][0]["port"]
    for key in ("cluster-url", "state-url"):
        assert m["data"][key] == f"redis://wasmlet-redis:{port}"
    rd = one(rendered, "base", "Deployment", "wasmlet-redis")
    assert "--appendonly" in rd["spec"]["template"]["spec"]["containers"][0]["args"]

    assert not [o for o in rendered["overlays/external-redis"][1]
                if "redis" in o["metadata"]["name"]], "external-redis still deploys a Redis"
    (m,) = objects(rendered, "overlays/external-redis", "ConfigMap")
    for key in ("cluster-url", "state-url"):
        assert "wasmlet-redis" not in m["data"][key]
