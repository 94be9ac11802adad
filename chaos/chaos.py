"""aeserve chaos suite: faults against a real server process under load from real clients.

Starts `aeserve demo --generated` (embedded Postgres, supervised) in a fresh data directory, puts 20
caller threads on the loaded demo-ae version (Python client, one channel each) and a registry prober
beside them, then injects each fault and prints, per fault: inference calls sent and failed by code,
registry calls and how long their failures took, versions and aliases before and after, and the
time to recover. Writes the figures as JSON (--json) for docs/reliability.md.

  chaos/run            quick variant (short outages; about a minute and a half once built)
  chaos/run --full     30 s outages, as recorded in docs/reliability.md
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import grpc
import numpy as np

from aeserve import AeserveClient, AeserveError, Model
from ports import free_port  # chaos/ports.py, beside this file

ROOT = Path(__file__).resolve().parent.parent
CALLERS = 20


def log(*a):
    print("==", *a, file=sys.stderr, flush=True)


class Server:
    """One `aeserve demo` process on a fixed port and data directory; restartable."""

    def __init__(self, launcher, work: Path, port: int, data: Path):
        self.launcher, self.work, self.port, self.data = launcher, work, port, data
        self.proc = None
        self.target = f"127.0.0.1:{port}"

    def start(self, timeout=600.0):
        t0 = time.monotonic()
        out = open(self.work / "server.out", "a")
        err = open(self.work / "server.err", "a")
        self.proc = subprocess.Popen([self.launcher, "demo", "--generated", "--port", str(self.port),
                                      "--data-dir", str(self.data)], stdout=out, stderr=err)
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited with {self.proc.returncode}; see {self.work}/server.err")
            # The demo prints this once its models are registered and its sample files written.
            if (self.work / "server.out").read_text().count("aeserve demo is SERVING") > self.starts:
                self.starts += 1
                return time.monotonic() - t0
            time.sleep(0.05)  # a poll interval: the verdict is the SERVING line, the timeout a guard
        raise SystemExit("server did not serve within %.0f s" % timeout)

    starts = 0
    width = 64

    def postmaster_pid(self):
        return int((self.data / "pgdata" / "postmaster.pid").read_text().split()[0])

    def postgres_pids(self):
        """The postmaster and its children (backends, background workers), by process id."""
        pm = self.postmaster_pid()
        kids = []
        for p in Path("/proc").iterdir():
            if p.name.isdigit():
                try:
                    if int((p / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pm:
                        kids.append(int(p.name))
                except (OSError, IndexError, ValueError):
                    pass
        return [pm] + kids

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout)


class Load:
    """CALLERS threads calling Encode on demo-ae (the loaded version) as fast as they can."""

    def __init__(self, target, width, selector="demo-ae", deadline=5.0):
        self.target, self.width, self.selector, self.deadline = target, width, selector, deadline
        self.codes = Counter()
        self.versions = Counter()
        self.lock = threading.Lock()
        self.stop_flag = threading.Event()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(CALLERS)]

    def run(self):
        x = np.random.default_rng(0).random((4, self.width), dtype=np.float32)
        with AeserveClient(self.target, timeout=self.deadline) as c:
            while not self.stop_flag.is_set():
                try:
                    r = c.encode(self.selector, x)
                    code, v = "OK", r.served_by.version
                except AeserveError as e:
                    code, v = e.code.name, None
                with self.lock:
                    self.codes[code] += 1
                    if v is not None:
                        self.versions[v] += 1

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        for t in self.threads:
            t.join(30)

    def snapshot(self):
        with self.lock:
            return dict(self.codes)


class RegistryProbe:
    """ListModels every 200 ms with a 5 s deadline: codes and the slowest failure."""

    def __init__(self, target):
        self.target = target
        self.codes = Counter()
        self.slowest_failure_ms = 0.0
        self.first_failure = None
        self.first_ok_after_failure = None
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        # No client retries: what is measured is how fast the server itself answers.
        with AeserveClient(self.target, timeout=5, max_attempts=1) as c:
            while not self.stop_flag.is_set():
                t0 = time.monotonic()
                try:
                    c.list_models()
                    self.codes["OK"] += 1
                    if self.first_failure is not None and self.first_ok_after_failure is None:
                        self.first_ok_after_failure = time.monotonic()
                except AeserveError as e:
                    self.codes[e.code.name] += 1
                    if self.first_failure is None:
                        self.first_failure = t0
                    self.slowest_failure_ms = max(self.slowest_failure_ms, (time.monotonic() - t0) * 1000)
                self.stop_flag.wait(0.2)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        self.thread.join(10)


def registry_state(target):
    with AeserveClient(target, timeout=10) as c:
        d = c.get_model("demo-ae")
        return {"versions": sorted(v.version for v in d.versions),
                "aliases": {a.alias: a.version for a in d.aliases} if hasattr(d, "aliases") else {}}


def wait_registry(target, timeout=60):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            with AeserveClient(target, timeout=1) as c:
                c.list_models()
                return time.monotonic() - t0
        except AeserveError:
            time.sleep(0.05)  # a poll interval; how long the registry took is the figure measured
    return None


def alias_flip_after(target, width, versions):
    """Moves demo-ae@chaos to the other version; ms until a call by the alias is served by it."""
    with AeserveClient(target, timeout=5) as c:
        cur = c.get_version("demo-ae", alias="chaos").version
        nxt = versions[0] if cur != versions[0] else versions[1]
        c.set_alias("demo-ae", "chaos", nxt)
        t0 = time.monotonic()
        x = np.zeros((1, width), np.float32)
        while time.monotonic() - t0 < 10:
            if c.encode(Model("demo-ae", alias="chaos"), x).served_by.version == nxt:
                return round((time.monotonic() - t0) * 1000, 1)
            time.sleep(0.01)  # a poll interval; the time to the move is the figure measured
    return None


def kill_postgres_for(server, seconds):
    """Keeps Postgres dead for `seconds`: SIGKILL its postmaster, and again each time the server's
    supervisor starts a new one. Returns how many postmasters were killed."""
    killed = set()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            pm = server.postmaster_pid()
            if pm not in killed:
                os.kill(pm, signal.SIGKILL)
                killed.add(pm)
        except (OSError, ValueError, IndexError):
            pass  # no postmaster.pid yet, or that process is already gone
        time.sleep(0.02)  # a poll interval: a new postmaster is killed within 20 ms of its pid file
    return len(killed)


def db_fault(server, kind, seconds, versions):
    """Postgres kept dead (SIGKILL, again at each restart) or hung (SIGSTOP) for `seconds`, under load;
    then the supervisor (kill) or SIGCONT (stop) brings it back."""
    before = registry_state(server.target)
    with Load(server.target, server.width) as load, RegistryProbe(server.target) as probe:
        time.sleep(2)  # the pause is the point: the load runs steadily before the fault
        pids = server.postgres_pids()
        t_fault = time.monotonic()
        if kind == "kill":
            postmasters_killed = kill_postgres_for(server, seconds)
        else:
            for p in pids:
                os.kill(p, signal.SIGSTOP)
            time.sleep(seconds)  # the outage's length is the fault under test
            for p in pids:
                os.kill(p, signal.SIGCONT)
        # From the end of the fault (the last kill, or SIGCONT) to the registry's first answer.
        recovered = wait_registry(server.target)
        flip_ms = alias_flip_after(server.target, server.width, versions)
        time.sleep(1)  # the pause is the point: the load runs on after recovery, and must not fail
    after = registry_state(server.target)
    inference = dict(load.codes)
    row = {"fault": f"postgres {'hung (SIGSTOP)' if kind == 'stop' else 'dead (SIGKILL, again at each restart)'} for {seconds} s",
            "inference_sent": sum(inference.values()), "inference_failed": {k: v for k, v in inference.items() if k != "OK"},
            "registry_calls": dict(probe.codes), "registry_slowest_failure_ms": round(probe.slowest_failure_ms, 1),
            "registry_back_after_fault_end_s": None if recovered is None else round(recovered, 2),
            "alias_move_served_after_ms": flip_ms, "before": before, "after": after}
    if kind == "kill":
        row["postmasters_killed"] = postmasters_killed
    return row


def alias_flips(server, versions, flips):
    before = registry_state(server.target)
    with Load(server.target, server.width, selector=Model("demo-ae", alias="chaos")) as load:
        worst = 0.0
        for _ in range(flips):
            worst = max(worst, alias_flip_after(server.target, server.width, versions) or 1e9)
    inference = dict(load.codes)
    return {"fault": f"{flips} alias flips under load", "inference_sent": sum(inference.values()),
            "inference_failed": {k: v for k, v in inference.items() if k != "OK"},
            "slowest_flip_served_after_ms": worst, "before": before, "after": registry_state(server.target)}


def server_kill(server):
    before = registry_state(server.target)
    with Load(server.target, server.width) as load:
        time.sleep(2)  # the pause is the point: the load runs steadily before the kill
        server.stop(signal.SIGKILL)
        t0 = time.monotonic()
        took = server.start()
    inference = dict(load.codes)
    return {"fault": "server kill -9 under load, then restart", "inference_sent": sum(inference.values()),
            "inference_failed": {k: v for k, v in inference.items() if k != "OK"},
            "serving_again_after_s": round(took, 2), "before": before, "after": registry_state(server.target)}


def sigterm_drain(server):
    before = registry_state(server.target)
    with Load(server.target, server.width, deadline=10) as load:
        time.sleep(2)  # the pause is the point: calls are in flight when the signal comes
        mid = load.snapshot()
        server.proc.send_signal(signal.SIGTERM)
        server.proc.wait(60)
        time.sleep(0.5)  # the pause is the point: calls made after the port closed are counted too
        load.stop_flag.set()
    codes = dict(load.codes)
    # Calls started before the signal were in flight; after the port closes, new calls see UNAVAILABLE.
    took = server.start()
    return {"fault": "SIGTERM drain under load", "inference_sent": sum(codes.values()),
            "inference_codes": codes, "in_flight_failed": codes.get("CANCELLED", 0) + codes.get("INTERNAL", 0)
            + codes.get("DEADLINE_EXCEEDED", 0) + codes.get("UNKNOWN", 0),
            "restart_serving_after_s": round(took, 2), "before": before, "after": registry_state(server.target)}


# A client that stalls (sleeps) at one phase of an upload until chaos/run kills it there: the stall
# is the fault under test.
UPLOADER = r'''
import sys, time, hashlib, grpc
from aeserve.v1 import registry_pb2, registry_pb2_grpc
target, spec, metrics, weights, key, phase = sys.argv[1:7]
w = open(weights, "rb").read()
h = registry_pb2.UploadHeader(model="demo-ae", spec_json=open(spec).read(), metrics_json=open(metrics).read(),
    artifact_size=len(w), artifact_sha256=hashlib.sha256(w).hexdigest(), idempotency_key=key)
def gen():
    if phase == "before-header":
        print("phase", flush=True); time.sleep(60)
    yield registry_pb2.UploadVersionRequest(header=h)
    if phase == "after-header":
        print("phase", flush=True); time.sleep(60)
    half = len(w) // 2
    yield registry_pb2.UploadVersionRequest(chunk=w[:half])
    if phase == "mid-bytes":
        print("phase", flush=True); time.sleep(60)
    yield registry_pb2.UploadVersionRequest(chunk=w[half:])
    if phase == "after-last-byte":
        print("phase", flush=True)
stub = registry_pb2_grpc.ModelRegistryStub(grpc.insecure_channel(target))
r = stub.UploadVersion(gen(), timeout=60)
print("version", r.version, flush=True)
time.sleep(60)
'''


DISK_MIB = 512


def small_disk(mount: Path):
    """A tmpfs of DISK_MIB for the server's data directory, so that the full-disk fault fills a disk
    of its own; None when this user cannot mount one (it needs root), and that fault is skipped."""
    mount.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_MIB}m", "tmpfs", str(mount)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        log(f"no tmpfs for the data directory ({r.stderr.strip() or 'mount failed'}): the full-disk fault is skipped")
        return None
    return mount


def full_disk(server, disk, saved: Path):
    """The data directory's disk filled to the last byte under load: an upload that needs new space is
    refused whole with RESOURCE_EXHAUSTED or UNAVAILABLE (never INTERNAL, never a partial version) while
    inference goes on; once space is freed, the same upload (same idempotency key) gives exactly one
    version."""
    if disk is None:
        return {"fault": "full disk", "skipped": "needs root to mount a tmpfs for the data directory"}
    before = registry_state(server.target)
    spec, weights = (saved / "spec.json").read_text(), (saved / "weights.bin").read_bytes()
    metrics = (saved / "metrics.json").read_text()
    key = f"chaos-full-disk-{time.time_ns()}"
    filler = disk / "filler"
    with Load(server.target, server.width) as load:
        time.sleep(1)  # the pause is the point: the load runs steadily before the disk fills
        st = os.statvfs(disk)
        subprocess.run(["fallocate", "-l", str(st.f_bavail * st.f_frsize), str(filler)], check=True)
        fd = os.open(filler, os.O_WRONLY | os.O_APPEND)  # whatever fallocate left, unbuffered
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError:
            pass
        finally:
            os.close(fd)
        codes = Counter()
        for _ in range(3):
            try:
                with AeserveClient(server.target, timeout=10) as c:
                    c.upload_version("demo-ae", spec, weights, metrics_json=metrics, idempotency_key=key)
                codes["OK"] += 1
            except AeserveError as e:
                codes[e.code.name] += 1
        versions_while_full = registry_state_or_none(server.target)
        filler.unlink()
        t_freed = time.monotonic()
        with AeserveClient(server.target, timeout=30) as c:
            version, tries = None, 0
            while version is None and time.monotonic() - t_freed < 120:
                tries += 1
                try:
                    version = c.upload_version("demo-ae", spec, weights, metrics_json=metrics,
                                               idempotency_key=key).version
                except AeserveError:
                    time.sleep(0.2)  # a poll interval while Postgres recovers from the full disk
            again = c.upload_version("demo-ae", spec, weights, metrics_json=metrics, idempotency_key=key).version
        upload_after_s = time.monotonic() - t_freed
        time.sleep(1)  # the pause is the point: the load runs on after recovery, and must not fail
    after = registry_state(server.target)
    new = [v for v in after["versions"] if v not in before["versions"]]
    inference = dict(load.codes)
    return {"fault": "full disk (the data directory's tmpfs filled, then freed)",
            "inference_sent": sum(inference.values()),
            "inference_failed": {k: v for k, v in inference.items() if k != "OK"},
            "uploads_while_full": dict(codes), "versions_while_full": versions_while_full,
            "upload_served_after_freeing_s": round(upload_after_s, 2), "version": version, "retry_again": again,
            # An upload that still fits in space Postgres had already allocated (a small artifact in a
            # table page or the current WAL segment) may succeed while the disk is full; one that needs
            # new space is refused whole. Either way: never INTERNAL, and one version for the key.
            "refused_while_full": sum(n for c, n in codes.items() if c != "OK"),
            "new_versions": new, "exactly_one_version_per_upload": new == [version] and again == version
            and set(codes) <= {"OK", "RESOURCE_EXHAUSTED", "UNAVAILABLE"},
            "before": before, "after": after}


def registry_state_or_none(target):
    try:
        return registry_state(target)["versions"]
    except AeserveError as e:
        return e.code.name


def client_kills(server, saved: Path):
    before = registry_state(server.target)
    rows = []
    for phase in ["before-header", "after-header", "mid-bytes", "after-last-byte", "after-response"]:
        key = f"chaos-{phase}-{time.time_ns()}"
        args = [sys.executable, "-c", UPLOADER, server.target, str(saved / "spec.json"), str(saved / "metrics.json"),
                str(saved / "weights.bin"), key, "after-response" if phase == "after-response" else phase]
        p = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        first = p.stdout.readline().split()
        if phase == "after-response" and first[:1] != ["version"]:
            raise SystemExit("uploader failed: %s" % first)
        p.kill()  # SIGKILL at that phase
        p.wait()
        versions_after_kill = registry_state(server.target)["versions"]
        with AeserveClient(server.target, timeout=60) as c:  # the natural retry, same key
            v = c.upload_version("demo-ae", (saved / "spec.json").read_text(), (saved / "weights.bin").read_bytes(),
                                 metrics_json=(saved / "metrics.json").read_text(), idempotency_key=key).version
            v2 = c.upload_version("demo-ae", (saved / "spec.json").read_text(), (saved / "weights.bin").read_bytes(),
                                  metrics_json=(saved / "metrics.json").read_text(), idempotency_key=key).version
        after = registry_state(server.target)["versions"]
        created = [x for x in after if x not in before["versions"] and x not in [r["version"] for r in rows]]
        rows.append({"phase": phase, "versions_after_kill": versions_after_kill, "version": v, "retry_again": v2,
                     "new_versions": created})
    exactly_one = all(r["new_versions"] == [r["version"]] and r["retry_again"] == r["version"] for r in rows)
    return {"fault": "client killed at every upload phase, then retried with the same key", "phases": rows,
            "exactly_one_version_per_upload": exactly_one, "before": before, "after": registry_state(server.target)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true", help="30 s database outages (default: quick, 5 s)")
    ap.add_argument("--launcher", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--json", help="write the figures here")
    ap.add_argument("--only", help="comma-separated fault names to run (default: all), e.g. 'postgres SIGKILL'")
    a = ap.parse_args()
    outage = 30 if a.full else 5
    work = Path(a.work)
    disk = small_disk(work / "disk")
    server = Server(a.launcher, work, free_port(), (disk or work) / "pg")
    log(f"starting the server (training the demo models on first start) in {work}")
    try:
        took = server.start()
    except BaseException:
        server.stop()
        raise
    demo = server.data / "demo"  # the demo writes its example files inside its --data-dir
    server.width = np.loadtxt(demo / "demo-ae.csv", delimiter=",", ndmin=2, max_rows=1).shape[1]
    log(f"SERVING after {took:.1f} s; training an upload artifact")
    saved = work / "upload"
    subprocess.run([a.launcher, "train", "--data", str(demo / "demo-ae.csv"), "--epochs", "1", "--save", str(saved)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with AeserveClient(server.target, timeout=60) as c:
        v = c.upload_version("demo-ae", (saved / "spec.json").read_text(), (saved / "weights.bin").read_bytes(),
                             metrics_json=(saved / "metrics.json").read_text()).version
        c.set_alias("demo-ae", "chaos", 1)
    versions = [1, v]
    results = {"variant": "full" if a.full else "quick", "callers": CALLERS, "rows": []}
    steps = [("postgres SIGKILL", lambda: db_fault(server, "kill", outage, versions)),
             ("postgres SIGSTOP", lambda: db_fault(server, "stop", outage, versions)),
             ("alias flips", lambda: alias_flips(server, versions, 20 if a.full else 5)),
             ("client kills", lambda: client_kills(server, saved)),
             ("full disk", lambda: full_disk(server, disk, saved)),
             ("server kill -9", lambda: server_kill(server)),
             ("SIGTERM drain", lambda: sigterm_drain(server))]
    if a.only:
        wanted = {n.strip() for n in a.only.split(",")}
        steps = [(n, st) for n, st in steps if n in wanted]
    try:
        for name, step in steps:
            log(f"fault: {name}")
            r = step()
            results["rows"].append(r)
            print(json.dumps(r), flush=True)
    finally:
        server.stop()
        stale = (server.data / "pgdata" / "postmaster.pid").exists()
        if disk is not None:
            subprocess.run(["umount", "-l", str(disk)], stderr=subprocess.DEVNULL)
    results["postmaster_pid_left_after_sigterm"] = stale
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=2) + "\n")
    rows = results["rows"]
    ok = (all(not r.get("inference_failed") for r in rows if "inference_failed" in r and "kill -9" not in r["fault"])
          and all(r["exactly_one_version_per_upload"] for r in rows if "exactly_one_version_per_upload" in r)
          # After every database fault the registry answers again (the supervisor's restart, SIGCONT).
          and all(r["registry_back_after_fault_end_s"] is not None for r in rows if "registry_back_after_fault_end_s" in r)
          and not stale)
    print("chaos:", "PASSED" if ok else "FAILED", flush=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
