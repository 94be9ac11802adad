"""Compares what each client wrote for the same calls: numbers within 1e-5, ids and versions exactly.

Usage: compare.py DIR CLIENT... (each DIR/CLIENT.json). Prints one line per check and a summary line
`N passed, N failed`; exits non-zero on any failure.
"""
import json
import math
import sys
from pathlib import Path

TOLERANCE = 1e-5
NUMERIC = ["encode_latents", "reconstruct_outputs", "reconstruct_scores", "decode_outputs", "sample_samples"]
EXACT = ["encode_version", "latent_fingerprint", "routing"]
# Every client must write every one of these: two clients that both left a key out would
# otherwise agree about nothing and pass.
REQUIRED = NUMERIC + EXACT + ["recommend_items"]


def max_difference(a, b) -> float:
    """Largest absolute difference between two equally shaped nested lists; inf when shapes differ."""
    if isinstance(a, list) or isinstance(b, list):
        if not (isinstance(a, list) and isinstance(b, list)) or len(a) != len(b):
            return math.inf
        return max((max_difference(x, y) for x, y in zip(a, b)), default=0.0)
    return abs(float(a) - float(b))


def main(directory: str, clients: list[str]) -> int:
    docs = {}
    passed = failed = 0
    for c in clients:
        path = Path(directory, c + ".json")
        if path.exists():
            docs[c] = json.loads(path.read_text())
        else:
            print(f"FAIL {c}: wrote no {path.name}")
            failed += 1
    if not docs:
        print(f"{passed} passed, {failed} failed")
        return 1
    ref_name, ref = next(iter(docs.items()))

    def check(name: str, ok: bool, detail: str) -> None:
        nonlocal passed, failed
        print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail))
        passed, failed = passed + ok, failed + (not ok)

    for name, doc in docs.items():
        missing = [k for k in REQUIRED if doc.get(k) in (None, [], {}, "")]
        check(f"{name} wrote every result", not missing, f"missing or empty: {', '.join(missing)}")
    for other, doc in list(docs.items())[1:]:
        for key in NUMERIC:
            d = max_difference(ref.get(key), doc.get(key))
            check(f"{key}: {ref_name} vs {other}", d <= TOLERANCE, f"max difference {d}")
        for key in EXACT:
            check(f"{key}: {ref_name} vs {other}", ref.get(key) == doc.get(key), f"{ref.get(key)} != {doc.get(key)}")
        ids = [i[0] for i in ref.get("recommend_items", [])]
        check(f"recommend item ids: {ref_name} vs {other}", ids == [i[0] for i in doc.get("recommend_items", [])],
              f"{ids} != {[i[0] for i in doc.get('recommend_items', [])]}")
        d = max_difference([i[1] for i in ref.get("recommend_items", [])],
                           [i[1] for i in doc.get("recommend_items", [])])
        check(f"recommend scores: {ref_name} vs {other}", d <= TOLERANCE, f"max difference {d}")
    versions = set(ref.get("routing", {}).values())
    check("routing keys reach both split arms", len(versions) == 2, f"versions {versions}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
