"""The clients' versions and dependency ranges, read from their package files.

  versions.py check                 every client package (and the Helm chart) carries the Maven project
                                    version (pom.xml)
  versions.py python-version        that version in PEP 440 spelling (0.1.0-SNAPSHOT -> 0.1.0.dev0)
  versions.py python-lower          pip constraints pinning each Python dependency to its lower end
  versions.py npm-lower             npm specs pinning each TypeScript dependency to its lower end

Lower ends come from the declared ranges themselves (">=6.31.1,<7" -> 6.31.1, "~1.14.0" -> 1.14.0),
so the test that installs them checks what the package files say, not a copy. One exception: a
numpy lower end older than the first numpy with wheels for this Python is raised to that release,
the lowest end installable here (older ones would have to compile from source).
"""
import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The first numpy release with wheels for each CPython (numpy's release notes).
FIRST_NUMPY_FOR_PYTHON = {(3, 9): "1.19.3", (3, 10): "1.21.3", (3, 11): "1.23.2", (3, 12): "1.26.0", (3, 13): "2.1.0",
                          (3, 14): "2.3.2"}


def maven_version() -> str:
    pom = (ROOT / "pom.xml").read_text(encoding="utf-8")
    m = re.search(r"<artifactId>aeserve-parent</artifactId>\s*<version>([^<]+)</version>", pom)
    if not m:
        raise SystemExit("no aeserve-parent version in pom.xml")
    return m.group(1)


def pep440(version: str) -> str:
    return re.sub(r"-SNAPSHOT$", ".dev0", version)


def pyproject() -> dict:
    return tomllib.loads((ROOT / "clients/python/pyproject.toml").read_text(encoding="utf-8"))


def package_json() -> dict:
    return json.loads((ROOT / "clients/typescript/package.json").read_text(encoding="utf-8"))


def lower_end(spec: str) -> str:
    m = re.search(r"(?:>=|~|\^)\s*([0-9][0-9.]*)", spec)
    if not m:
        raise SystemExit(f"'{spec}' has no lower end")
    return m.group(1)


def as_tuple(v: str) -> tuple:
    return tuple(int(x) for x in v.split("."))


def python_lower() -> list[str]:
    out = []
    for dep in pyproject()["project"]["dependencies"]:
        name = re.match(r"[A-Za-z0-9_.-]+", dep).group(0)
        low = lower_end(dep)
        if name == "numpy":
            first = FIRST_NUMPY_FOR_PYTHON.get(sys.version_info[:2])
            if first and as_tuple(first) > as_tuple(low):
                low = first
        out.append(f"{name}=={low}")
    return out


def npm_lower() -> list[str]:
    return [f"{name}@{lower_end(spec)}" for name, spec in package_json()["dependencies"].items()]


def check() -> int:
    want = maven_version()
    found = {
        "clients/python/pyproject.toml": (pyproject()["project"]["version"], pep440(want)),
        "clients/typescript/package.json": (package_json()["version"], want),
        "clients/go/version.go": (re.search(r'const Version = "([^"]+)"',
                                            (ROOT / "clients/go/version.go").read_text()).group(1), want),
        "clients/java/pom.xml (parent)": (re.search(r"<version>([^<]+)</version>",
                                                   (ROOT / "clients/java/pom.xml").read_text()).group(1), want),
    }
    chart = (ROOT / "docker/helm/aeserve/Chart.yaml").read_text(encoding="utf-8")
    for key in ("version", "appVersion"):
        found[f"docker/helm/aeserve/Chart.yaml {key}"] = (
            re.search(rf"^{key}: *(\S+)", chart, re.M).group(1), want)
    failed = 0
    for where, (have, expected) in found.items():
        if have == expected:
            print(f"ok   {where}: {have}")
        else:
            failed += 1
            print(f"FAIL {where}: {have}, expected {expected} (the Maven project version {want})")
    return 1 if failed else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "check":
        sys.exit(check())
    elif command == "maven-version":
        print(maven_version())
    elif command == "python-version":
        print(pep440(maven_version()))
    elif command == "python-lower":
        print("\n".join(python_lower()))
    elif command == "npm-lower":
        print(" ".join(npm_lower()))
    else:
        raise SystemExit(__doc__)
