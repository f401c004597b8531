"""Tooling around the product, not part of it: the headless-browser harness (serve.py) the
browser test and the measurements drive, screenshots, and the report maker that writes
BENCHMARKS.md. Run as modules from the repository root, e.g. `python -m tools.make_report`."""
