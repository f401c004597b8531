"""Measurements: each module is a command run from the repository root, e.g.
`python -m benchmarks.speed`; results go to benchmarks/results/ and into BENCHMARKS.md
(`python -m tools.make_report`)."""
