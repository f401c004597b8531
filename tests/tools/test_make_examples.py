import json

from tools import make_examples


def _entry(recon: float) -> dict:
    figures = {side: {"recon": recon, "tau": 0.5} for side in ("ls", "crls")}
    return {"seed": 1, "preset": "lesson", "made_s": 60.0, "bundle_bytes": {"ls": 2**20, "crls": 2**20},
            "float32": figures, "float16": figures}


def test_each_space_is_recorded_beside_those_made_before(tmp_path, monkeypatch):
    monkeypatch.setattr(make_examples, "EXAMPLES", tmp_path)
    make_examples.record("nb201", _entry(0.99))
    make_examples.record("nb301", _entry(0.97))  # another make, started before the first wrote
    report = json.loads((tmp_path / "examples.json").read_text())
    assert sorted(report) == ["nb201", "nb301"] and report["nb201"]["float16"]["ls"]["recon"] == 0.99
    readme = (tmp_path / "README.md").read_text()
    assert "| nb201 | lesson | ls |" in readme and "| nb301 | lesson | crls |" in readme and "97.00 %" in readme


def test_a_pair_made_with_a_changed_pool_or_epochs_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(make_examples, "EXAMPLES", tmp_path)
    make_examples.record("nb301", {**_entry(0.99), "preset": "demo", "pool": 8000, "gvae_epochs": 75})
    assert "| nb301 | demo, pool 8,000, G-VAE 75 epochs | ls |" in (tmp_path / "README.md").read_text()
