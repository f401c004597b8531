"""Each space's record: the preset times the Train page shows are product text, short and
free of lab notes; the measurements behind them live in docs/presets.md."""

from __future__ import annotations

import re
from pathlib import Path

from crlso_core.catalog.presets import PRESET_NAMES
from crlso_core.catalog.spaces import SPACES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "presets.md"


def test_every_preset_time_is_one_short_sentence_for_a_user_without_a_script_or_seed_history():
    for spec in SPACES:
        assert set(spec.preset_times) == set(PRESET_NAMES), spec.name
        for name, said in spec.preset_times.items():
            assert len(said) <= 200, (spec.name, name, len(said))
            assert not re.search(r"\.py\b|benchmarks|experiments|measurements|seeds? \d|Kendall", said), (spec.name, name, said)


def test_the_measurements_behind_the_preset_times_are_in_the_docs_beside_their_commands():
    page = DOCS.read_text()
    for spec in SPACES:
        assert f"## {spec.name.upper()}" in page
    # what the catalog used to carry: the lesson job's measured run, the ray spacing's evidence, NB101's epoch times
    for measured in ("python -m measurements.lesson_time", "91.53 / 91.57 / 91.59", "19.4 s at batch 64",
                     "python -m experiments.nb101_demo_speed", "python -m experiments.teacher_scale"):
        assert measured in page, measured
