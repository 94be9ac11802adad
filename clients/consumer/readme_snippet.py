"""Prints the fenced code block that follows `<!-- snippet: NAME -->` in a README.

The consumer tests run what the READMEs show, so a README example can never drift from a tested
one: `python3 readme_snippet.py clients/python/README.md python-example`. Exits 1 when the marker
is missing, appears twice, or no fenced block follows it.
"""
import re
import sys


def snippet(text: str, name: str) -> str:
    markers = [m for m in re.finditer(r"^<!-- snippet: (\S+) -->\s*$", text, re.M) if m.group(1) == name]
    if len(markers) != 1:
        raise SystemExit(f"expected one '<!-- snippet: {name} -->' marker, found {len(markers)}")
    rest = text[markers[0].end():].lstrip("\n")
    block = re.match(r"(`{3,})[^\n]*\n(.*?)^\1\s*$", rest, re.S | re.M)
    if not block:
        raise SystemExit(f"no fenced code block right after '<!-- snippet: {name} -->'")
    return block.group(2)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: readme_snippet.py README.md NAME")
    with open(sys.argv[1], encoding="utf-8") as f:
        sys.stdout.write(snippet(f.read(), sys.argv[2]))
