"""What the Helm chart's options promise, read off its renders (docker/validate runs it).

  check_chart.py DEFAULT.yaml FULL.yaml

DEFAULT.yaml is `helm template` with the chart's own values, FULL.yaml with ci/full-values.yaml
(GPUs, TLS with a client CA, a chart-made Secret, fixed replicas). The schemas say each object is
well formed; these checks say the objects agree with each other and with the values. Prints one line
per failed check and exits 1 if any failed.
"""
import sys

import yaml


def load(path: str) -> dict[tuple[str, str], dict]:
    with open(path, encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def one(objs: dict, kind: str) -> dict:
    found = [o for (k, _), o in objs.items() if k == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def kinds(objs: dict) -> set[str]:
    return {k for k, _ in objs}


def server(objs: dict) -> dict:
    return one(objs, "Deployment")["spec"]["template"]["spec"]["containers"][0]


def probe_ports(c: dict) -> set[int]:
    return {c[p]["grpc"]["port"] for p in ("startupProbe", "readinessProbe", "livenessProbe")}


def secret_refs(objs: dict) -> set[tuple[str, str]]:
    refs = set()
    for kind in ("Deployment", "Job"):
        for c in one(objs, kind)["spec"]["template"]["spec"]["containers"]:
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    refs.add((ref["name"], ref["key"]))
    return refs


def config(objs: dict) -> dict:
    return one(objs, "ConfigMap")["data"]


def checks(default: dict, full: dict):
    d, f = server(default), server(full)
    yield "default: the HPA owns the replica count", (
        "replicas" not in one(default, "Deployment")["spec"]
        and one(default, "HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]["name"]
        == one(default, "Deployment")["metadata"]["name"])
    yield "default: a PDB selects the server pods", (
        one(default, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"].items()
        <= one(default, "Deployment")["spec"]["template"]["metadata"]["labels"].items())
    yield "default: the database Secret is the existing one, not rendered", (
        "Secret" not in kinds(default) and {n for n, _ in secret_refs(default)} == {"aeserve-db"})
    yield "default: CPU engine, probes on the gRPC port, image tag is the appVersion", (
        config(default)["AESERVE_ENGINE"] == "mxnet" and probe_ports(d) == {50051}
        and d["image"].endswith(":0.1.0-SNAPSHOT"))
    yield "default: the migration Job runs before install and upgrade", (
        one(default, "Job")["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade")
    yield "default: bearer tokens required", config(default)["AESERVE_AUTH"] == "required" and "--auth=$(AESERVE_AUTH)" in d["args"]
    yield "full: fixed replicas, no HPA", (
        one(full, "Deployment")["spec"].get("replicas") == 3 and "HorizontalPodAutoscaler" not in kinds(full))
    yield "full: two GPUs requested, one runner each, PyTorch, the -gpu image, GPU tolerations", (
        d["resources"]["limits"].get("nvidia.com/gpu") is None
        and f["resources"]["limits"]["nvidia.com/gpu"] == 2 and "--devices=gpu:0,gpu:1" in f["args"]
        and config(full)["AESERVE_ENGINE"] == "pytorch" and f["image"].endswith(":0.1.0-SNAPSHOT-gpu")
        and any(t["key"] == "nvidia.com/gpu" for t in one(full, "Deployment")["spec"]["template"]["spec"]["tolerations"]))
    volumes = {v["name"]: v for v in one(full, "Deployment")["spec"]["template"]["spec"]["volumes"]}
    mounts = {m["mountPath"] for m in f["volumeMounts"]}
    yield "full: TLS files mounted from their Secrets where the flags point", (
        volumes["tls"]["secret"]["secretName"] == "aeserve-tls"
        and volumes["client-ca"]["secret"]["secretName"] == "aeserve-client-ca"
        and {"/etc/aeserve/tls", "/etc/aeserve/client-ca"} <= mounts
        and {"--tls-cert=/etc/aeserve/tls/tls.crt", "--tls-key=/etc/aeserve/tls/tls.key",
             "--tls-client-ca=/etc/aeserve/client-ca/ca.crt"} <= set(f["args"]))
    yield "full: with TLS the kubelet probes the plaintext health port", (
        probe_ports(f) == {8081} and "--health-port=8081" in f["args"]
        and any(p["containerPort"] == 8081 for p in f["ports"]))
    rendered = one(full, "Secret")
    yield "full: the chart-made Secret holds every key the pods read", (
        {(rendered["metadata"]["name"], k) for k in rendered["stringData"]} >= secret_refs(full))
    yield "full: image pull secrets on the server and the migration pods", all(
        one(full, k)["spec"]["template"]["spec"].get("imagePullSecrets") == [{"name": "registry-credentials"}]
        for k in ("Deployment", "Job"))


def main() -> int:
    default, full = load(sys.argv[1]), load(sys.argv[2])
    failed = 0
    for name, ok in checks(default, full):
        if not ok:
            failed += 1
            print(f"FAIL {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
