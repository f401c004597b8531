import numpy as np
import pytest
import torch

from crlso_core.catalog.config import GVAEConfig, TeacherConfig
from crlso_core.common.errors import CRLSOError
from crlso_core.models.training import (
    encode_all,
    kendall_tau,
    predict_graphs,
    reconstruction_accuracy,
    resolve_device,
    train_gvae,
    train_teacher,
)


def test_joint_training_reconstructs_and_fits_the_icnn(space):
    """A short joint run at lr 3e-3 on a quarter of the space: reconstruction climbs, the
    ICNN loss falls, and the ICNN stays convex."""
    cells = space.all_cells()[::4]
    batch, targets = space.graph_batch(cells), space.targets(cells)
    error = np.array([0.1 + 0.02 * c[3] for c in cells])
    cfg = GVAEConfig(latent=8, hidden=64, layers=2, epochs=8, lr=3e-3, batch_size=128, icnn_hidden=32, icnn_layers=3)
    result = train_gvae(space, batch, targets, error, cfg, torch.device("cpu"), torch.Generator().manual_seed(0))
    assert result.history[-1]["recon"] < 0.6 * result.history[0]["recon"]
    assert result.history[-1]["icnn"] < result.history[0]["icnn"]
    assert result.icnn.is_convex_by_construction()
    mu = encode_all(result.gvae, batch, torch.device("cpu"))
    # far above chance (1 / 5**6) after eight short epochs; full runs reach ~100 %
    assert reconstruction_accuracy(space, result.gvae, mu, targets, torch.device("cpu")) > 0.02


def test_ls_variant_trains_without_an_icnn(space):
    cells = space.all_cells()[:512]
    cfg = GVAEConfig(latent=4, hidden=16, layers=1, epochs=1, icnn=False)
    result = train_gvae(space, space.graph_batch(cells), space.targets(cells), None, cfg, torch.device("cpu"), torch.Generator())
    assert result.icnn is None and result.history[0]["icnn"] == 0.0


def test_device_choice_follows_what_pytorch_sees(monkeypatch):
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # the same on a GPU machine
    assert resolve_device("auto").type == "cpu"
    with pytest.raises(CRLSOError, match="no CUDA"):
        resolve_device("cuda")
    with pytest.raises(CRLSOError, match="Unknown device"):
        resolve_device("tpu")


def test_a_teacher_on_standardised_labels_learns_their_ranking_and_predicts_accuracies(benchmark):
    """Accuracies of random cells within a percent of one value (as on NB301): on raw labels
    a small labelled set trains little but the offset; standardised, the ranking is learnt,
    and the saved model still predicts in the labels' own units."""
    space = benchmark.space
    cells = space.all_cells()
    rows = np.random.default_rng(0).permutation(len(cells))
    train, held = [cells[i] for i in rows[:50]], [cells[i] for i in rows[50:2050]]
    truth = benchmark.valid_accuracy(cells, "cifar10")
    spread = (truth - truth.mean()) / truth.std()
    narrow = {c: 0.94 + 0.005 * s for c, s in zip(cells, spread)}  # NB301's scale: 94 % ± 0.5
    labels = np.array([narrow[c] for c in train])
    taus, means = {}, {}
    for standardise in (False, True):
        cfg = TeacherConfig(epochs=60, lr=1e-3, lr_min=1e-4, standardise=standardise)
        teacher = train_teacher(space, train, labels, cfg, torch.device("cpu"), torch.Generator().manual_seed(0))
        predicted = predict_graphs(teacher, space.graph_batch(held), torch.device("cpu"))
        taus[standardise] = kendall_tau(predicted, np.array([narrow[c] for c in held]))
        means[standardise] = predicted.mean()
    assert taus[True] > 0.3 and taus[True] > taus[False] + 0.1, taus
    assert abs(means[True] - 0.94) < 0.01, means  # accuracies, not standardised scores


def test_the_teachers_reported_mse_is_in_accuracy_units_on_either_scale(benchmark):
    """The Train page's teacher curve reads the same whether the teacher trains on raw or
    standardised labels: what it reports is the squared error of the accuracies it predicts.
    With a learning rate of 0 the model does not move, so the epoch's loss is exactly that."""
    space = benchmark.space
    cells = space.all_cells()[:40]
    labels = 0.94 + 0.005 * np.random.default_rng(1).standard_normal(len(cells))
    cfg = TeacherConfig(epochs=1, lr=0.0, lr_min=0.0, standardise=True)
    seen = []
    teacher = train_teacher(space, cells, labels, cfg, torch.device("cpu"), torch.Generator().manual_seed(0),
                            progress=lambda event: seen.append(event.metrics["mse"]))
    predicted = predict_graphs(teacher, space.graph_batch(cells), torch.device("cpu"))
    assert seen[-1] == pytest.approx(float(np.mean((predicted - labels) ** 2)), rel=1e-3)
