"""Lab notes: each module is the experiment that chose a setting (a preset's length, the
teacher's scale, the search's rule), run on development seeds, never the bench's 0-9. Each is
a command run from the repository root, e.g. `python -m experiments.search_settings`; its
JSON goes to results/ and docs/presets.md cites it beside the setting it chose."""
