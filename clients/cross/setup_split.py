"""Gives demo-ae a second version (Recalibrate: same weights, new calibration) and a 50/50 split.

Run once by clients/test-all before the client suites, so that every client routes the same keys over
the same split. Idempotent: a rerun against the same registry reuses version 2.
"""
import json
import sys

from aeserve import AeserveClient

CALIBRATION = {"threshold": 0.05, "scoreKind": "mse", "method": "percentile", "parameter": 99, "sampleCount": 400}


def main(target: str) -> None:
    with AeserveClient(target, actor="client-tests") as client:
        versions = [v.version for v in client.list_versions("demo-ae")]
        if 2 not in versions:
            v2 = client.recalibrate("demo-ae", 1, json.dumps(CALIBRATION))
            assert v2.version == 2, v2
        traffic = client.set_traffic("demo-ae", {1: 50, 2: 50})
        print("demo-ae split:", ", ".join(f"v{a.version}={a.weight}%" for a in traffic.primaries))


if __name__ == "__main__":
    main(sys.argv[1])
