"""The product's measurements: how fast the library trains, loads and reads, and how fast the
explorer answers a user. Each module is a command run from the repository root, e.g.
`python -m measurements.speed`; what it writes goes to results/ and into BENCHMARKS.md
(`python -m tools.make_report`)."""
