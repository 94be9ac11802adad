"""Stubs generated from aeserve/v1/*.proto when the package is built (not in the source tree)."""
