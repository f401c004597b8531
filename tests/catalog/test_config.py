"""The paper preset is the authors' NB201 settings (docs/fidelity.md), and a config written
before the alignment reads as the model it trained."""

import json
from pathlib import Path

import pytest

from crlso_core.catalog.config import SETTINGS_VERSION, RunConfig
from crlso_core.catalog.presets import preset
from crlso_core.common.errors import CRLSOError

EXAMPLES = Path(__file__).resolve().parents[2] / "crlso_core" / "data" / "examples"


def test_the_paper_preset_holds_the_authors_nb201_settings():
    c = preset("paper", space="nb201").validate()
    assert (c.labelled, c.budget, c.version) == (300, 500, SETTINGS_VERSION)
    t = c.teacher
    assert (t.hidden, t.layers, t.epochs, t.batch_size, t.lr, t.lr_min, t.betas) == (64, 4, 200, 32, 1e-4, 1e-5, (0.0, 0.5))
    assert not t.keep_true_labels  # the teacher's pseudo-label for every cell, the labelled ones included
    assert t.head == "reference"  # the authors' network (tests/models/test_predictor.py pins its layers)
    g = c.gvae
    assert (g.latent, g.hidden, g.layers, g.epochs, g.batch_size, g.lr, g.lr_min) == (16, 256, 3, 200, 256, 1e-4, 0.0)
    assert (g.betas, g.weight_decay, g.grad_clip, g.noise_scale) == ((0.0, 0.5), 3e-5, 5.0, 0.01)
    assert (g.beta, g.kl, g.decoder, g.icnn_hidden, g.icnn_layers, g.icnn_biases, g.icnn_weight) == (
        0.005, "mean", "reference", 128, 4, False, 1.0)
    s = c.search
    assert (s.rule, s.top_k, s.eta0, s.eta_step, s.restart_noise, s.queried_code) == ("authors", 10, 0.2, 0.2, 0.5, "stepped")
    assert (s.finetune_epochs, s.finetune_batch, s.finetune_lr, s.finetune_lr_min) == (50, 32, 1e-4, 1e-5)
    assert (s.finetune_betas, s.finetune_weight_decay, s.z_noise, s.label_noise) == ((0.0, 0.5), 1e-5, 0.05, 0.01)
    assert not s.standardise_refit


def test_demo_differs_from_paper_only_in_length():
    paper, demo = preset("paper", space="nb201").to_dict(), preset("demo", space="nb201").to_dict()
    lengths = {("teacher", "epochs"), ("teacher", "lr"), ("teacher", "lr_min"), ("gvae", "epochs"), ("gvae", "lr")}
    differ = {(part, key) for part in ("teacher", "gvae", "search") for key in paper[part] if paper[part][key] != demo[part][key]}
    assert differ <= lengths, differ - lengths


@pytest.mark.parametrize("name", ["example-nb201-crls", "example-nb301-ls", "example-nb101-crls"])
def test_a_config_from_before_the_alignment_reads_as_the_model_it_trained(name):
    stored = json.loads((EXAMPLES / name / "config.json").read_text())
    assert "version" not in stored and "kl" not in stored["gvae"]
    config = RunConfig.from_dict(stored).validate()
    assert config.version == 1
    assert (config.gvae.kl, config.gvae.decoder, config.gvae.icnn_biases) == ("sum", "residual", True)
    assert config.gvae.icnn_layers == stored["gvae"]["icnn_layers"] - 1  # it counted the first layer
    assert config.teacher.keep_true_labels and config.search.queried_code == "encoded"
    assert config.search.ray_step == stored["search"]["eta_step"]
    assert config.search.finetune_betas == (0.9, 0.999) and config.search.finetune_lr_min is None
    assert config.teacher.head == "pooled"
    assert RunConfig.from_dict(config.to_dict()) == config  # once upgraded, it round-trips as written


def test_a_config_of_version_2_keeps_the_teacher_it_trained_and_a_new_one_has_the_authors():
    new = preset("demo", space="nb201").to_dict()
    assert (new["version"], new["teacher"]["head"]) == (3, "reference")
    before = {**new, "version": 2, "teacher": {k: v for k, v in new["teacher"].items() if k != "head"}}
    config = RunConfig.from_dict(before).validate()
    assert (config.version, config.teacher.head) == (2, "pooled")
    assert RunConfig.from_dict(config.to_dict()) == config


def test_an_unknown_teacher_head_is_refused_naming_the_choices():
    config = preset("demo", space="nb201")
    config.teacher.head = "flat"
    with pytest.raises(CRLSOError, match="teacher head must be one of reference, pooled"):
        config.validate()


def test_an_icnn_without_biases_cannot_take_a_standardised_refit():
    config = preset("demo", space="nb301")
    config.gvae.icnn_biases = False
    with pytest.raises(CRLSOError, match="icnn_biases"):
        config.validate()
