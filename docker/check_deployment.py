"""Checks what the schemas cannot: that the deployment files agree with each other and with the server.

The JSON schemas (kubernetes-validate, docker compose config) say a manifest is well formed. They do
not say that the probes ask the port the server listens on, that the grace period covers the drain,
that a $(VAR) in the args is defined, or that the image's user is the one Kubernetes runs as. Each
check here is one such promise; --self-test breaks each promise in a copy of the files and expects
its check to fail, so no check passes vacuously.

Run by docker/validate, which renders the inputs first:
  check_deployment.py --k8s RENDERED.yaml --compose CONFIG.json --prometheus prometheus.yml
                      --dockerfile docker/Dockerfile --gpu-dockerfile docker/Dockerfile.gpu [--self-test]
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
from dataclasses import dataclass
from typing import Callable

import yaml

# What the server does, as DESIGN.md section 8 and docs/operations.md describe it.
GRPC_PORT = 50051
METRICS_PORT = 9090
CONSOLE_PORT = 8080  # docker/k8s serves the web console here
DRAIN_GRACE_S = 10  # in-flight calls get this long after SIGTERM
SHUTDOWN_MARGIN_S = 10  # then models unload and the pool closes; JVM exit
NATIVE_HEADROOM_MIB = 1024  # off-heap: engine libraries, weights, direct buffers, metaspace
DJL_ENV = {"DJL_OFFLINE": "true", "OPT_OUT_TRACKING": "true"}


@dataclass
class Dockerfile:
    path: str
    instructions: list[tuple[str, str]]  # (INSTRUCTION, arguments) of the final stage

    def values(self, name: str) -> list[str]:
        return [args for instr, args in self.instructions if instr == name]

    def env(self) -> dict[str, str]:
        env: dict[str, str] = {}
        for args in self.values("ENV"):
            for token in shlex.split(args):
                if "=" in token:
                    key, value = token.split("=", 1)
                    env[key] = value
        return env

    def exec_form(self, name: str) -> list[str]:
        found = self.values(name)
        return json.loads(found[-1]) if found else []


@dataclass
class Bundle:
    k8s: list[dict]
    compose: dict
    prometheus: dict
    cpu_image: Dockerfile
    gpu_image: Dockerfile

    def one(self, kind: str, name: str | None = None) -> dict:
        found = [d for d in self.k8s if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
        if len(found) != 1:
            raise CheckFailure(f"expected one {kind}{' ' + name if name else ''}, found {len(found)}")
        return found[0]

    def all(self, kind: str) -> list[dict]:
        return [d for d in self.k8s if d["kind"] == kind]

    def deployment(self) -> dict:
        return self.one("Deployment", "aeserve")

    def job(self) -> dict:
        return self.one("Job", "aeserve-migrate")

    def server_container(self) -> dict:
        return container(self.deployment(), "aeserve")

    def config_data(self) -> dict[str, str]:
        maps = [m for m in self.all("ConfigMap") if m["metadata"]["name"].startswith("aeserve-config")]
        if len(maps) != 1:
            raise CheckFailure(f"expected one ConfigMap aeserve-config, found {len(maps)}")
        return maps[0].get("data", {})


class CheckFailure(Exception):
    """A broken promise; the message says which and where."""


def container(workload: dict, name: str) -> dict:
    for c in workload["spec"]["template"]["spec"]["containers"]:
        if c["name"] == name:
            return c
    raise CheckFailure(f"{workload['kind']} {workload['metadata']['name']} has no container {name}")


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def pod_labels(workload: dict) -> dict:
    return workload["spec"]["template"]["metadata"].get("labels", {})


def selects(selector: dict, labels: dict) -> bool:
    match = selector.get("matchLabels", selector)
    return bool(match) and all(labels.get(k) == v for k, v in match.items())


def flag(args: list[str], name: str) -> str | None:
    for i, a in enumerate(args):
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
        if a == name and i + 1 < len(args):
            return args[i + 1]
    return None


def quantity_mib(q: str) -> float:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "Ti": 1024 * 1024, "M": 1e6 / 2**20, "G": 1e9 / 2**20}
    m = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(q))
    if not m or (m.group(2) and m.group(2) not in units):
        raise CheckFailure(f"cannot read memory quantity {q!r}")
    return float(m.group(1)) * (units[m.group(2)] if m.group(2) else 1 / 2**20)


def cpu_cores(q: str) -> float:
    s = str(q)
    return float(s[:-1]) / 1000 if s.endswith("m") else float(s)


def java_heap_mib(opts: str) -> float:
    m = re.search(r"-Xmx(\d+)([kKmMgG])", opts)
    if not m:
        raise CheckFailure(f"no -Xmx in AESERVE_JAVA_OPTS {opts!r}: the heap must be sized against the limit")
    return int(m.group(1)) * {"k": 1 / 1024, "m": 1, "g": 1024}[m.group(2).lower()]


def seconds(duration: str) -> float:
    total, found = 0.0, False
    for value, unit in re.findall(r"([0-9.]+)(ms|h|m|s)", duration):
        total += float(value) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
        found = True
    if not found:
        raise CheckFailure(f"cannot read duration {duration!r}")
    return total


# ---- Kubernetes ----------------------------------------------------------------------------------

def check_probes_ask_grpc_health(b: Bundle) -> None:
    c = b.server_container()
    grpc_port = next((p["containerPort"] for p in c.get("ports", []) if p.get("name") == "grpc"), None)
    if grpc_port != GRPC_PORT or flag(c["args"], "--port") != str(GRPC_PORT):
        raise CheckFailure(f"container port grpc {grpc_port} and --port {flag(c['args'], '--port')} "
                           f"must both be {GRPC_PORT}")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        p = c.get(probe)
        if not p or "grpc" not in p:
            raise CheckFailure(f"{probe} must be a gRPC health probe")
        if p["grpc"].get("port") != grpc_port:
            raise CheckFailure(f"{probe} asks port {p['grpc'].get('port')}, the server listens on {grpc_port}")
        if p["grpc"].get("service", "") != "":
            raise CheckFailure(f"{probe} must ask the overall service \"\", not {p['grpc']['service']!r}")


def check_liveness_outlasts_drain(b: Bundle) -> None:
    live = b.server_container()["livenessProbe"]
    window = live.get("periodSeconds", 10) * live.get("failureThreshold", 3)
    if window <= DRAIN_GRACE_S + SHUTDOWN_MARGIN_S:
        raise CheckFailure(f"liveness gives up after {window} s of NOT_SERVING; a drain lasts up to "
                           f"{DRAIN_GRACE_S + SHUTDOWN_MARGIN_S} s, so draining pods would be restarted")


def check_grace_period_covers_prestop_and_drain(b: Bundle) -> None:
    spec = pod_spec(b.deployment())
    pre = b.server_container().get("lifecycle", {}).get("preStop")
    if not pre:
        raise CheckFailure("no preStop hook: SIGTERM would race the pod's removal from the endpoints")
    if "sleep" in pre:
        sleep = pre["sleep"]["seconds"]
    else:
        cmd = pre.get("exec", {}).get("command", [])
        if len(cmd) != 2 or cmd[0] != "sleep":
            raise CheckFailure(f"preStop should sleep, found {cmd}")
        sleep = int(cmd[1])
    if sleep < 5:
        raise CheckFailure(f"preStop sleeps {sleep} s: too short for endpoint removal to propagate")
    grace = spec.get("terminationGracePeriodSeconds", 30)
    need = sleep + DRAIN_GRACE_S + SHUTDOWN_MARGIN_S
    if grace < need:
        raise CheckFailure(f"terminationGracePeriodSeconds {grace} < preStop {sleep} + drain {DRAIN_GRACE_S}"
                           f" + shutdown {SHUTDOWN_MARGIN_S}")


def check_pods_run_restricted(b: Bundle) -> None:
    uid = int(b.cpu_image.values("USER")[-1].split(":")[0])
    for workload in (b.deployment(), b.job()):
        where = f"{workload['kind']} {workload['metadata']['name']}"
        spec = pod_spec(workload)
        sc = spec.get("securityContext", {})
        if sc.get("runAsNonRoot") is not True:
            raise CheckFailure(f"{where}: runAsNonRoot must be true")
        if sc.get("runAsUser") != uid:
            raise CheckFailure(f"{where}: runAsUser {sc.get('runAsUser')} is not the image's user {uid}")
        if sc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            raise CheckFailure(f"{where}: seccompProfile must be RuntimeDefault")
        if spec.get("automountServiceAccountToken") is not False:
            raise CheckFailure(f"{where}: the pod needs no Kubernetes API token")
        for c in spec["containers"]:
            csc = c.get("securityContext", {})
            if csc.get("allowPrivilegeEscalation") is not False:
                raise CheckFailure(f"{where}/{c['name']}: allowPrivilegeEscalation must be false")
            if csc.get("capabilities", {}).get("drop") != ["ALL"]:
                raise CheckFailure(f"{where}/{c['name']}: capabilities must drop ALL")
            if csc.get("readOnlyRootFilesystem") is True:
                # JNA writes its stub to java.io.tmpdir on every start.
                volumes = {v["name"]: v for v in spec.get("volumes", [])}
                tmp = [m for m in c.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
                if not tmp or "emptyDir" not in volumes.get(tmp[0]["name"], {}):
                    raise CheckFailure(f"{where}/{c['name']}: read-only root file system without an emptyDir on /tmp")


def check_resources_fit_heap_and_threads(b: Bundle) -> None:
    for workload in (b.deployment(), b.job()):
        for c in pod_spec(workload)["containers"]:
            res = c.get("resources", {})
            for part in ("requests", "limits"):
                for what in ("cpu", "memory"):
                    if what not in res.get(part, {}):
                        raise CheckFailure(f"{workload['metadata']['name']}/{c['name']}: no {part}.{what}")
    c = b.server_container()
    config = b.config_data()
    heap = java_heap_mib(config.get("AESERVE_JAVA_OPTS", ""))
    limit = quantity_mib(c["resources"]["limits"]["memory"])
    if limit < heap + NATIVE_HEADROOM_MIB:
        raise CheckFailure(f"memory limit {limit:.0f} MiB leaves under {NATIVE_HEADROOM_MIB} MiB beside a "
                           f"{heap:.0f} MiB heap for the native engine")
    if quantity_mib(c["resources"]["requests"]["memory"]) < heap + 512:
        raise CheckFailure("memory request is below heap + 512 MiB: the scheduler would overpack nodes")
    threads = int(config.get("OMP_NUM_THREADS", "0"))
    if not 1 <= threads <= cpu_cores(c["resources"]["limits"]["cpu"]):
        raise CheckFailure(f"OMP_NUM_THREADS={threads} must be between 1 and the CPU limit "
                           f"{c['resources']['limits']['cpu']}")


def check_references_resolve(b: Bundle) -> None:
    configs = {m["metadata"]["name"]: m.get("data", {}) for m in b.all("ConfigMap")}
    secrets = {s["metadata"]["name"]: {**s.get("data", {}), **s.get("stringData", {})} for s in b.all("Secret")}
    for workload in (b.deployment(), b.job()):
        for c in pod_spec(workload)["containers"]:
            where = f"{workload['metadata']['name']}/{c['name']}"
            defined: set[str] = set()
            for src in c.get("envFrom", []):
                name = src["configMapRef"]["name"]
                if name not in configs:
                    raise CheckFailure(f"{where}: envFrom names ConfigMap {name}, which is not rendered")
                defined |= set(configs[name])
            for env in c.get("env", []):
                ref = env.get("valueFrom", {})
                if "configMapKeyRef" in ref:
                    r = ref["configMapKeyRef"]
                    if r["key"] not in configs.get(r["name"], {}):
                        raise CheckFailure(f"{where}: {env['name']} reads {r['name']}/{r['key']}, which is missing")
                if "secretKeyRef" in ref:
                    r = ref["secretKeyRef"]
                    if r["key"] not in secrets.get(r["name"], {}):
                        raise CheckFailure(f"{where}: {env['name']} reads secret {r['name']}/{r['key']}, "
                                           "which is missing")
                defined.add(env["name"])
            for arg in c.get("args", []) + c.get("command", []):
                for var in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", arg):
                    if var not in defined:
                        raise CheckFailure(f"{where}: {arg!r} uses $({var}), which no env or envFrom defines "
                                           "(Kubernetes would pass it through literally)")


def check_services_route_to_server_pods(b: Bundle) -> None:
    deployment = b.deployment()
    labels = pod_labels(deployment)
    ports = {p["name"]: p["containerPort"] for p in b.server_container()["ports"]}
    headless = b.one("Service", "aeserve")
    if headless["spec"].get("clusterIP") != "None":
        raise CheckFailure("Service aeserve must be headless (clusterIP: None) for client-side balancing")
    if not selects(deployment["spec"]["selector"], labels):
        raise CheckFailure("the Deployment's selector does not match its own pod labels")
    for svc, port_name in ((headless, "grpc"), (b.one("Service", "aeserve-metrics"), "metrics")):
        if not selects(svc["spec"]["selector"], labels):
            raise CheckFailure(f"Service {svc['metadata']['name']} selects no server pod")
        targets = [p.get("targetPort") for p in svc["spec"]["ports"]]
        if port_name not in targets and ports.get(port_name) not in targets:
            raise CheckFailure(f"Service {svc['metadata']['name']} does not target the container port {port_name}")
    metrics_flag = flag(b.server_container()["args"], "--metrics-port")
    if ports.get("metrics") != METRICS_PORT or metrics_flag != str(METRICS_PORT):
        raise CheckFailure(f"container port metrics and --metrics-port must both be {METRICS_PORT}")
    if flag(b.server_container()["args"], "--host") != "0.0.0.0":
        raise CheckFailure("the server must listen on 0.0.0.0 in a pod, or probes and Services cannot reach it")


def check_console_reachable(b: Bundle) -> None:
    c = b.server_container()
    console_flag = flag(c["args"], "--console-port")
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    if console_flag != str(CONSOLE_PORT) or ports.get("console") != CONSOLE_PORT:
        raise CheckFailure(f"--console-port {console_flag} and the container port console {ports.get('console')} "
                           f"must both be {CONSOLE_PORT}")
    svc = b.one("Service", "aeserve-console")
    if not selects(svc["spec"]["selector"], pod_labels(b.deployment())):
        raise CheckFailure("Service aeserve-console selects no server pod")
    targets = [p.get("targetPort") for p in svc["spec"]["ports"]]
    if "console" not in targets and CONSOLE_PORT not in targets:
        raise CheckFailure(f"Service aeserve-console targets {targets}, not the container port console")


def check_no_service_links(b: Bundle) -> None:
    # Service links would put AESERVE_PORT=tcp://..., AESERVE_SERVICE_HOST and friends into every
    # pod's environment (from the Service named aeserve), beside the AESERVE_* settings the CLI reads.
    for workload in (b.deployment(), b.job()):
        if pod_spec(workload).get("enableServiceLinks") is not False:
            raise CheckFailure(f"{workload['kind']} {workload['metadata']['name']}: enableServiceLinks must be false")


def check_migration_pods_get_no_traffic(b: Bundle) -> None:
    job_labels = pod_labels(b.job())
    for obj in b.all("Service") + b.all("PodDisruptionBudget"):
        if selects(obj["spec"]["selector"], job_labels):
            raise CheckFailure(f"{obj['kind']} {obj['metadata']['name']} also selects the migration Job's pods")
    if selects(b.deployment()["spec"]["selector"], job_labels):
        raise CheckFailure("the Deployment's selector matches the migration Job's pods")


def check_migration_job(b: Bundle) -> None:
    job = b.job()
    c = pod_spec(job)["containers"][0]
    if c.get("args", [None])[0] != "migrate" or flag(c["args"], "--db-url") is None:
        raise CheckFailure(f"the Job must run `aeserve migrate --db-url ...`, runs {c.get('args')}")
    if c["image"] != b.server_container()["image"]:
        raise CheckFailure(f"the Job migrates with {c['image']}, the servers run {b.server_container()['image']}")
    if pod_spec(job).get("restartPolicy") not in ("Never", "OnFailure"):
        raise CheckFailure("a Job's restartPolicy must be Never or OnFailure")
    for field in ("backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished"):
        if field not in job["spec"]:
            raise CheckFailure(f"the Job has no {field}")


def check_autoscaling_and_disruption(b: Bundle) -> None:
    deployment = b.deployment()
    hpa = b.one("HorizontalPodAutoscaler", "aeserve")
    target = hpa["spec"]["scaleTargetRef"]
    if (target["kind"], target["name"]) != ("Deployment", deployment["metadata"]["name"]):
        raise CheckFailure(f"the HPA scales {target['kind']} {target['name']}, not the Deployment")
    if "replicas" in deployment["spec"]:
        raise CheckFailure("the Deployment sets replicas: every apply would undo the HPA's scaling")
    if not any(m.get("resource", {}).get("name") == "cpu" for m in hpa["spec"]["metrics"]):
        raise CheckFailure("the HPA does not scale on CPU")
    pdb = b.one("PodDisruptionBudget", "aeserve")
    if not selects(pdb["spec"]["selector"], pod_labels(deployment)):
        raise CheckFailure("the PodDisruptionBudget selects no server pod")
    unavailable = pdb["spec"].get("maxUnavailable")
    if unavailable is None or hpa["spec"].get("minReplicas", 1) - int(unavailable) < 1:
        raise CheckFailure("with minReplicas and the PDB's maxUnavailable, a drain could take every replica")
    if deployment["spec"]["strategy"]["rollingUpdate"].get("maxUnavailable") not in (0, "0%"):
        raise CheckFailure("a rolling update must not take a serving pod away before its replacement is ready")


def check_secrets_are_placeholders(b: Bundle) -> None:
    for s in b.all("Secret"):
        if s.get("data"):
            raise CheckFailure(f"Secret {s['metadata']['name']} has base64 data: commit only visible placeholders")
        for key, value in s.get("stringData", {}).items():
            sensitive = any(w in key.upper() for w in ("PASSWORD", "TOKEN", "KEY"))
            if sensitive and not re.search(r"change-me|replace-", value):
                raise CheckFailure(f"Secret {s['metadata']['name']}/{key} looks like a real value")


def check_namespace_enforces_restricted(b: Bundle) -> None:
    ns = b.one("Namespace")
    if ns["metadata"].get("labels", {}).get("pod-security.kubernetes.io/enforce") != "restricted":
        raise CheckFailure("the namespace does not enforce the restricted Pod Security Standard")
    for d in b.k8s:
        if d["kind"] != "Namespace" and d["metadata"].get("namespace") != ns["metadata"]["name"]:
            raise CheckFailure(f"{d['kind']} {d['metadata']['name']} is outside namespace {ns['metadata']['name']}")


# ---- compose and Prometheus ----------------------------------------------------------------------

def check_compose_wiring(b: Bundle) -> None:
    services = b.compose["services"]
    for name in ("postgres", "aeserve", "prometheus"):
        if name not in services:
            raise CheckFailure(f"compose has no service {name}")
    pg, ae = services["postgres"], services["aeserve"]
    if not re.fullmatch(r"postgres:16([.-].*)?", pg["image"]):
        raise CheckFailure(f"postgres runs {pg['image']}, not Postgres 16")
    if "healthcheck" not in pg:
        raise CheckFailure("postgres has no healthcheck, so nothing can wait for it")
    volumes = pg.get("volumes", [])
    if not any(v.get("type") == "volume" and v.get("target") == "/var/lib/postgresql/data" for v in volumes):
        raise CheckFailure("postgres data is not on a named volume")
    if ae.get("depends_on", {}).get("postgres", {}).get("condition") != "service_healthy":
        raise CheckFailure("aeserve must wait for postgres to be healthy")
    m = re.fullmatch(r"jdbc:postgresql://([^:/]+):(\d+)/(\w+)", flag(ae["command"], "--db-url") or "")
    if not m or m.group(1) != "postgres" or m.group(3) != pg["environment"]["POSTGRES_DB"]:
        raise CheckFailure(f"--db-url {flag(ae['command'], '--db-url')} does not name the postgres service's database")
    env = ae.get("environment", {})
    if (env.get("AESERVE_DB_USER"), env.get("AESERVE_DB_PASSWORD")) != (
            pg["environment"]["POSTGRES_USER"], pg["environment"]["POSTGRES_PASSWORD"]):
        raise CheckFailure("aeserve's database credentials differ from the ones postgres is created with")
    if flag(ae["command"], "--host") != "0.0.0.0":
        raise CheckFailure("aeserve must listen on 0.0.0.0 inside its container")
    published = {p["target"] for p in ae.get("ports", [])}
    if {GRPC_PORT, METRICS_PORT} - published:
        raise CheckFailure(f"aeserve publishes {sorted(published)}, not {GRPC_PORT} and {METRICS_PORT}")
    if seconds(ae.get("stop_grace_period", "10s")) < DRAIN_GRACE_S + SHUTDOWN_MARGIN_S:
        raise CheckFailure(f"stop_grace_period {ae.get('stop_grace_period', '10s (default)')} cuts the drain short")


def check_prometheus_scrapes_aeserve(b: Bundle) -> None:
    ae = b.compose["services"]["aeserve"]
    metrics_port = flag(ae["command"], "--metrics-port")
    targets = [t for job in b.prometheus.get("scrape_configs", []) for sc in job.get("static_configs", [])
               for t in sc.get("targets", [])]
    if f"aeserve:{metrics_port}" not in targets:
        raise CheckFailure(f"Prometheus scrapes {targets}, not aeserve:{metrics_port}")
    mounts = [v.get("source", "") for v in b.compose["services"]["prometheus"].get("volumes", [])]
    if not any(m.endswith("docker/prometheus.yml") for m in mounts):
        raise CheckFailure("the prometheus service does not mount docker/prometheus.yml")


# ---- images -------------------------------------------------------------------------------------

def check_images(b: Bundle) -> None:
    for image in (b.cpu_image, b.gpu_image):
        user = image.values("USER")
        if not user or not re.fullmatch(r"[1-9]\d*(:\d+)?", user[-1]):
            raise CheckFailure(f"{image.path}: the final USER must be a numeric non-root UID, "
                               f"is {user[-1:] or 'unset'}")
        if user[-1] != b.cpu_image.values("USER")[-1]:
            raise CheckFailure(f"{image.path}: USER {user[-1]} differs from docker/Dockerfile's")
        entry = image.exec_form("ENTRYPOINT")
        if not entry or not entry[0].endswith("tini"):
            raise CheckFailure(f"{image.path}: PID 1 must be tini (the embedded Postgres' children need reaping)")
        env = image.env()
        for key, value in DJL_ENV.items():
            if env.get(key) != value:
                raise CheckFailure(f"{image.path}: {key} must be {value}")
        cache = env.get("DJL_CACHE_DIR")
        if not cache:
            raise CheckFailure(f"{image.path}: no DJL_CACHE_DIR for the unpacked native libraries")
        warmups = [r for r in image.values("RUN") if "aeserve train" in r]
        if not warmups or "chmod -R a+rX" not in warmups[0]:
            raise CheckFailure(f"{image.path}: the native libraries must be unpacked at build time and made readable "
                               "(DJL creates its directories 0700)")
        if {"50051", "9090"} - set(" ".join(image.values("EXPOSE")).split()):
            raise CheckFailure(f"{image.path}: must EXPOSE 50051 and 9090")
        health = " ".join(image.values("HEALTHCHECK"))
        if f"127.0.0.1:{GRPC_PORT}" not in health:
            raise CheckFailure(f"{image.path}: HEALTHCHECK must probe gRPC health on port {GRPC_PORT}")
    gpu = b.gpu_image
    if not gpu.env().get("PYTORCH_FLAVOR", "").startswith("cu"):
        raise CheckFailure(f"{gpu.path}: PYTORCH_FLAVOR must pin a CUDA flavor")
    cmd = gpu.exec_form("CMD")
    if flag(cmd, "--engine") != "pytorch" or not (flag(cmd, "--devices") or "").startswith("gpu:"):
        raise CheckFailure(f"{gpu.path}: the GPU image must serve with --engine pytorch --devices gpu:N, runs {cmd}")


CHECKS: list[Callable[[Bundle], None]] = [
    check_probes_ask_grpc_health,
    check_liveness_outlasts_drain,
    check_grace_period_covers_prestop_and_drain,
    check_pods_run_restricted,
    check_resources_fit_heap_and_threads,
    check_references_resolve,
    check_services_route_to_server_pods,
    check_console_reachable,
    check_no_service_links,
    check_migration_pods_get_no_traffic,
    check_migration_job,
    check_autoscaling_and_disruption,
    check_secrets_are_placeholders,
    check_namespace_enforces_restricted,
    check_compose_wiring,
    check_prometheus_scrapes_aeserve,
    check_images,
]


# ---- self-test: every check must catch the mistake it exists for ----------------------------------

def _server(b: Bundle) -> dict:
    return b.server_container()


def _set(path_fn: Callable[[Bundle], dict], key: str, value) -> Callable[[Bundle], None]:
    def mutate(b: Bundle) -> None:
        path_fn(b)[key] = value
    return mutate


def _drop(path_fn: Callable[[Bundle], dict], key: str) -> Callable[[Bundle], None]:
    def mutate(b: Bundle) -> None:
        path_fn(b).pop(key)
    return mutate


def _replace_arg(old: str, new: str) -> Callable[[Bundle], None]:
    def mutate(b: Bundle) -> None:
        args = _server(b)["args"]
        args[args.index(old)] = new
    return mutate


def _compose_arg(old: str, new: str) -> Callable[[Bundle], None]:
    def mutate(b: Bundle) -> None:
        cmd = b.compose["services"]["aeserve"]["command"]
        cmd[cmd.index(old)] = new
    return mutate


def _image_user(user: str) -> Callable[[Bundle], None]:
    def mutate(b: Bundle) -> None:
        b.gpu_image.instructions.append(("USER", user))
    return mutate


def _server_security(b: Bundle) -> dict:
    return _server(b)["securityContext"]


def _drop_instruction(image: str, instruction: str) -> Callable[[Bundle], None]:
    def mutate(b: Bundle) -> None:
        df = b.cpu_image if image == "cpu" else b.gpu_image
        df.instructions[:] = [(i, a) for i, a in df.instructions if i != instruction]
    return mutate


# Each self-test breaks one promise and names the check that must catch it and a piece of the
# message that check gives for that promise alone: a check that failed for another reason (a
# different branch, a missing field) would otherwise count as catching it.
MUTATIONS: list[tuple[str, Callable[[Bundle], None], Callable[[Bundle], None], str]] = [
    ("readiness asks another port", lambda b: _server(b)["readinessProbe"]["grpc"].update(port=50052),
     check_probes_ask_grpc_health, "readinessProbe asks port 50052"),
    ("liveness is an HTTP probe", lambda b: _server(b).update(livenessProbe={"httpGet": {"port": 9090}}),
     check_probes_ask_grpc_health, "livenessProbe must be a gRPC health probe"),
    ("liveness kills within the drain", lambda b: _server(b)["livenessProbe"].update(failureThreshold=1),
     check_liveness_outlasts_drain, "draining pods would be restarted"),
    ("no preStop hook", _drop(lambda b: _server(b)["lifecycle"], "preStop"),
     check_grace_period_covers_prestop_and_drain, "no preStop hook"),
    ("grace period shorter than preStop + drain", _set(lambda b: pod_spec(b.deployment()),
                                                       "terminationGracePeriodSeconds", 20),
     check_grace_period_covers_prestop_and_drain, "terminationGracePeriodSeconds 20"),
    ("may run as root", lambda b: pod_spec(b.deployment())["securityContext"].pop("runAsNonRoot"),
     check_pods_run_restricted, "runAsNonRoot must be true"),
    ("runs as another UID", lambda b: pod_spec(b.deployment())["securityContext"].update(runAsUser=1000),
     check_pods_run_restricted, "runAsUser 1000 is not the image's user"),
    ("no seccomp profile", lambda b: pod_spec(b.job())["securityContext"].pop("seccompProfile"),
     check_pods_run_restricted, "seccompProfile must be RuntimeDefault"),
    ("migration may escalate", lambda b: pod_spec(b.job())["containers"][0]["securityContext"].update(
        allowPrivilegeEscalation=True), check_pods_run_restricted, "allowPrivilegeEscalation must be false"),
    ("capabilities kept", lambda b: _server_security(b).update(capabilities={"drop": ["NET_RAW"]}),
     check_pods_run_restricted, "capabilities must drop ALL"),
    ("read-only root without /tmp", _drop(lambda b: _server(b), "volumeMounts"), check_pods_run_restricted,
     "read-only root file system without an emptyDir on /tmp"),
    ("memory limit equals the heap", lambda b: _server(b)["resources"]["limits"].update(memory="1Gi"),
     check_resources_fit_heap_and_threads, "memory limit 1024 MiB"),
    ("more OMP threads than CPUs", lambda b: b.config_data().update(OMP_NUM_THREADS="8"),
     check_resources_fit_heap_and_threads, "OMP_NUM_THREADS=8 must be between 1 and the CPU limit"),
    ("args use an undefined variable", _replace_arg("--engine=$(AESERVE_ENGINE)", "--engine=$(AESERVE_ENGIN)"),
     check_references_resolve, "AESERVE_ENGIN"),
    ("secret key missing", lambda b: b.one("Secret", "aeserve-db")["stringData"].pop("AESERVE_MIGRATE_DB_PASSWORD"),
     check_references_resolve, "AESERVE_MIGRATE_DB_PASSWORD"),
    ("Service has a cluster IP", lambda b: b.one("Service", "aeserve")["spec"].update(clusterIP="10.0.0.10"),
     check_services_route_to_server_pods, "must be headless"),
    ("server listens on loopback", _replace_arg("--host=0.0.0.0", "--host=127.0.0.1"),
     check_services_route_to_server_pods, "must listen on 0.0.0.0"),
    ("console Service targets the gRPC port", lambda b: b.one("Service", "aeserve-console")["spec"]["ports"][0].update(
        targetPort="grpc"), check_console_reachable, "Service aeserve-console targets ['grpc']"),
    ("console flag and container port differ", _replace_arg("--console-port=8080", "--console-port=8088"),
     check_console_reachable, "--console-port 8088 and the container port console 8080"),
    ("console Service selects the metrics pods", lambda b: b.one("Service", "aeserve-console")["spec"].update(
        selector={"app.kubernetes.io/component": "metrics"}), check_console_reachable,
     "Service aeserve-console selects no server pod"),
    ("Service env vars injected", lambda b: pod_spec(b.deployment()).pop("enableServiceLinks"),
     check_no_service_links, "enableServiceLinks must be false"),
    ("Job pods look like servers", lambda b: pod_labels(b.job()).update({"app.kubernetes.io/component": "server"}),
     check_migration_pods_get_no_traffic, "migration Job's pods"),
    ("Job runs serve", lambda b: pod_spec(b.job())["containers"][0].update(args=["serve"]), check_migration_job,
     "aeserve migrate --db-url"),
    ("Job uses another image", lambda b: pod_spec(b.job())["containers"][0].update(image="aeserve:old"),
     check_migration_job, "migrates with aeserve:old"),
    ("Job retries forever", _drop(lambda b: b.job()["spec"], "backoffLimit"), check_migration_job,
     "the Job has no backoffLimit"),
    ("Deployment pins replicas", _set(lambda b: b.deployment()["spec"], "replicas", 3),
     check_autoscaling_and_disruption, "sets replicas"),
    ("PDB with a single replica", lambda b: b.one("HorizontalPodAutoscaler", "aeserve")["spec"].update(minReplicas=1),
     check_autoscaling_and_disruption, "a drain could take every replica"),
    ("rolling update takes a serving pod first", lambda b: b.deployment()["spec"]["strategy"]["rollingUpdate"].update(
        maxUnavailable=1), check_autoscaling_and_disruption, "rolling update must not take a serving pod away"),
    ("a real-looking password", lambda b: b.one("Secret", "aeserve-db")["stringData"].update(
        AESERVE_DB_PASSWORD="hunter2"), check_secrets_are_placeholders, "AESERVE_DB_PASSWORD looks like a real value"),
    ("namespace not restricted", lambda b: b.one("Namespace")["metadata"]["labels"].pop(
        "pod-security.kubernetes.io/enforce"), check_namespace_enforces_restricted, "restricted Pod Security"),
    ("aeserve does not wait for postgres", lambda b: b.compose["services"]["aeserve"].pop("depends_on"),
     check_compose_wiring, "wait for postgres"),
    ("db-url names another host", _compose_arg("--db-url=jdbc:postgresql://postgres:5432/aeserve",
                                               "--db-url=jdbc:postgresql://localhost:5432/aeserve"),
     check_compose_wiring, "does not name the postgres service's database"),
    ("compose credentials differ", lambda b: b.compose["services"]["aeserve"]["environment"].update(
        AESERVE_DB_PASSWORD="something-else"), check_compose_wiring, "database credentials differ"),
    ("metrics port not published", lambda b: b.compose["services"]["aeserve"].update(
        ports=[p for p in b.compose["services"]["aeserve"]["ports"] if p["target"] != METRICS_PORT]),
     check_compose_wiring, "aeserve publishes"),
    ("Docker's default stop grace", lambda b: b.compose["services"]["aeserve"].pop("stop_grace_period"),
     check_compose_wiring, "cuts the drain short"),
    ("Prometheus scrapes another port", _compose_arg("--metrics-port=9090", "--metrics-port=9100"),
     check_prometheus_scrapes_aeserve, "not aeserve:9100"),
    ("GPU image runs as root", _image_user("root"), check_images, "numeric non-root UID"),
    ("PID 1 is not tini", _drop_instruction("cpu", "ENTRYPOINT"), check_images, "PID 1 must be tini"),
    ("DJL may go online", lambda b: b.cpu_image.instructions.append(("ENV", "DJL_OFFLINE=false")), check_images,
     "DJL_OFFLINE must be true"),
    ("ports not exposed", _drop_instruction("gpu", "EXPOSE"), check_images, "must EXPOSE 50051 and 9090"),
    ("no HEALTHCHECK", _drop_instruction("cpu", "HEALTHCHECK"), check_images, "HEALTHCHECK must probe gRPC health"),
    ("GPU image computes on the CPU", lambda b: b.gpu_image.instructions.append(
        ("CMD", '["serve", "--engine", "pytorch"]')), check_images, "--engine pytorch --devices gpu:N"),
]


def run_check(check: Callable[[Bundle], None], bundle: Bundle) -> tuple[bool, str | None]:
    """(caught, problem): caught is True only for a CheckFailure, a promise the check itself found broken."""
    try:
        check(bundle)
        return False, None
    except CheckFailure as e:
        return True, str(e)
    except (KeyError, IndexError, TypeError, ValueError) as e:
        return False, f"missing or malformed field ({type(e).__name__}: {e})"


def parse_dockerfile(path: str) -> Dockerfile:
    logical: list[str] = []
    current = ""
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.lstrip().startswith("#"):
                continue
            if line.endswith("\\"):
                current += line[:-1] + " "
                continue
            current += line
            if current.strip():
                logical.append(current.strip())
            current = ""
    stages: list[list[tuple[str, str]]] = [[]]
    for line in logical:
        instr, _, args = line.partition(" ")
        instr = instr.upper()
        if instr == "FROM":
            stages.append([])
        if instr == "HEALTHCHECK" or instr == "RUN":
            args = re.sub(r"--mount=\S+\s*", "", args)
        if instr in ("COPY",):
            args = re.sub(r"--(chmod|chown|from)=\S+\s*", "", args)
        stages[-1].append((instr, args.strip()))
    return Dockerfile(path, stages[-1])


def load(args: argparse.Namespace) -> Bundle:
    with open(args.k8s, encoding="utf-8") as f:
        k8s = [d for d in yaml.safe_load_all(f) if d]
    with open(args.compose, encoding="utf-8") as f:
        compose = json.load(f)
    with open(args.prometheus, encoding="utf-8") as f:
        prometheus = yaml.safe_load(f)
    return Bundle(k8s, compose, prometheus, parse_dockerfile(args.dockerfile), parse_dockerfile(args.gpu_dockerfile))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("--k8s", "--compose", "--prometheus", "--dockerfile", "--gpu-dockerfile"):
        parser.add_argument(name, required=True)
    parser.add_argument("--self-test", action="store_true", help="also break each promise and expect its check to fail")
    args = parser.parse_args()

    passed = failed = 0
    bundle = load(args)
    for check in CHECKS:
        _, problem = run_check(check, bundle)
        if problem is None:
            passed += 1
            print(f"ok    {check.__name__}")
        else:
            failed += 1
            print(f"FAIL  {check.__name__}: {problem}")
    if args.self_test:
        for description, mutate, check, expected in MUTATIONS:
            broken = load(args)
            mutate(broken)
            caught, problem = run_check(check, broken)
            if caught and expected in problem:
                passed += 1
                print(f"ok    self-test: {description} -> {check.__name__}: {problem}")
            elif caught:
                failed += 1
                print(f"FAIL  self-test: {check.__name__} failed for another reason on: {description}"
                      f" (said {problem!r}, expected it to say {expected!r})")
            else:
                failed += 1
                print(f"FAIL  self-test: {check.__name__} did not catch: {description} ({problem or 'passed'})")
    print(f"checks: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
