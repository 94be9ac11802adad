"""What the Helm chart's options promise, read off its renders (docker/validate runs it).

  check_chart.py DEFAULT.yaml FULL.yaml

DEFAULT.yaml is `helm template` with the chart's own values, FULL.yaml with ci/full-values.yaml
(GPUs, TLS with a client CA, a chart-made Secret, fixed replicas, the console). The schemas say each
object is well formed; these checks say the objects agree with each other and with the values. Prints
one line per failed check and exits 1 if any failed. With --self-test it also breaks each promise in
SELF_TESTS in a copy of the renders and expects exactly that check to fail.
"""
import copy
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


def console_problem(objs: dict, port: int | None) -> str | None:
    """What is wrong with the console wiring of a render, or None. port None: the console must be off."""
    c = server(objs)
    flags = [a for a in c["args"] if a.startswith("--console-port")]
    container_ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    services = [o for (k, _), o in objs.items() if k == "Service" and o["metadata"]["name"].endswith("-console")]
    if port is None:
        if flags or "console" in container_ports or services:
            return f"console off, but the render has {flags} {container_ports.get('console')} {len(services)} Service(s)"
        return None
    if flags != [f"--console-port={port}"]:
        return f"the server is started with {flags}, not --console-port={port}"
    if container_ports.get("console") != port:
        return f"the container port console is {container_ports.get('console')}, not {port}"
    if len(services) != 1:
        return f"expected one -console Service, found {len(services)}"
    svc = services[0]
    labels = one(objs, "Deployment")["spec"]["template"]["metadata"]["labels"]
    if not svc["spec"]["selector"].items() <= labels.items():
        return "the console Service selects no server pod"
    ports = svc["spec"]["ports"]
    if [(p["port"], p["targetPort"]) for p in ports] != [(port, "console")]:
        return f"the console Service maps {[(p['port'], p['targetPort']) for p in ports]}, not {port} to console"
    return None


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
    yield "default: no console port, flag or Service", console_problem(default, None) is None
    yield "full: console on 8088: the flag, the container port and the Service agree", console_problem(full, 8088) is None
    yield "full: image pull secrets on the server and the migration pods", all(
        one(full, k)["spec"]["template"]["spec"].get("imagePullSecrets") == [{"name": "registry-credentials"}]
        for k in ("Deployment", "Job"))


def _console_service(objs: dict) -> dict:
    return next(o for (k, n), o in objs.items() if k == "Service" and n.endswith("-console"))


# Each breaks one promise in a copy of the renders and names the check that must then fail (and only
# that one of the console checks: a check failing for another reason would not count).
SELF_TESTS = [
    ("the console Service targets the gRPC port",
     lambda d, f: _console_service(f)["spec"]["ports"][0].update(targetPort="grpc"),
     "full: console on 8088: the flag, the container port and the Service agree"),
    ("the server is not started with --console-port",
     lambda d, f: server(f)["args"].remove("--console-port=8088"),
     "full: console on 8088: the flag, the container port and the Service agree"),
    ("the container does not declare the console port",
     lambda d, f: server(f).update(ports=[p for p in server(f)["ports"] if p["name"] != "console"]),
     "full: console on 8088: the flag, the container port and the Service agree"),
    ("the default render opens the console",
     lambda d, f: server(d)["args"].append("--console-port=8080"),
     "default: no console port, flag or Service"),
]


def failures(default: dict, full: dict) -> list[str]:
    return [name for name, ok in checks(default, full) if not ok]


def main() -> int:
    args = [a for a in sys.argv[1:] if a != "--self-test"]
    default, full = load(args[0]), load(args[1])
    failed = failures(default, full)
    for name in failed:
        print(f"FAIL {name}")
    if "--self-test" in sys.argv:
        for what, mutate, expected in SELF_TESTS:
            d, f = copy.deepcopy(default), copy.deepcopy(full)
            mutate(d, f)
            caught = failures(d, f)
            if caught != [expected]:
                failed.append(what)
                print(f"FAIL self-test: {what}: expected only {expected!r} to fail, failed {caught}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
