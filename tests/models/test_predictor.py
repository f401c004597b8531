"""The authors' NB201 teacher as docs/fidelity.md T2 and T3 describe it, kept to measure ours against."""

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from crlso_core.catalog.config import TeacherConfig
from crlso_core.catalog.registry import load_benchmark
from crlso_core.models.build import teacher_for
from crlso_core.models.predictor import GNNPredictor, ReferenceGNNPredictor
from crlso_core.models.training import kendall_tau, predict_graphs, train_teacher


def test_the_reference_teacher_has_the_authors_layers(space):
    model = ReferenceGNNPredictor(space.node_features, space.edge_features, nodes=4)
    assert len(model.layers) == 4
    assert model.layers[0].own.in_features == space.node_features == 4  # no embedding: the first layer reads the one-hot nodes
    assert all(layer.pair.bias is None and layer.edge.bias is None for layer in model.layers)  # W bias-free
    assert (model.readout.in_features, model.readout.out_features) == (4 * 64, 64)  # the last states flattened
    linears = [m for m in model.head if isinstance(m, nn.Linear)]
    assert [m.bias is not None for m in linears] == [True, False, False, False, True]  # 3 bias-free hidden layers


def test_a_reference_layer_computes_the_authors_message_passing(space):
    """h_i <- own(h_i) + sum over edges j -> i of LeakyReLU(W [h_i, h_j, e_ij]), by hand, edge by edge."""
    torch.manual_seed(0)
    layer = ReferenceGNNPredictor(space.node_features, space.edge_features, nodes=4).layers[0]
    cells = space.all_cells()[:3]
    batch = space.graph_batch(cells)
    out = layer(batch.x, batch)
    w = torch.cat([layer.pair.weight[:64], layer.pair.weight[64:], layer.edge.weight], dim=1)  # W [h_i || h_j || e]
    for g in range(len(cells)):
        x = batch.x[min(g, batch.x.shape[0] - 1)]
        src = batch.src if batch.src.dim() == 1 else batch.src[g]
        dst = batch.dst if batch.dst.dim() == 1 else batch.dst[g]
        mask = batch.edge_mask[g] if batch.edge_mask.dim() > 1 else batch.edge_mask
        expected = layer.own(x).clone()
        for k in range(len(src)):
            if mask[k]:
                i, j = int(dst[k]), int(src[k])
                expected[i] += F.leaky_relu(w @ torch.cat([x[i], x[j], batch.edge_attr[g, k]]))
        assert torch.allclose(out[g], expected, atol=1e-5)


def test_the_reference_teacher_trains_as_ours_does_and_learns_a_ranking(benchmark):
    space = benchmark.space
    cells = space.all_cells()
    rows = np.random.default_rng(0).permutation(len(cells))
    train, held = [cells[i] for i in rows[:100]], [cells[i] for i in rows[100:1100]]
    truth = np.asarray(benchmark.valid_accuracy(cells, "cifar10")) / 100
    labels = truth[rows[:100]]
    cfg = TeacherConfig(epochs=25, lr=1e-3, lr_min=1e-4, standardise=True)
    teacher = train_teacher(space, train, labels, cfg, torch.device("cpu"), torch.Generator().manual_seed(0))
    assert isinstance(teacher, ReferenceGNNPredictor)  # the network the settings name by default
    predicted = predict_graphs(teacher, space.graph_batch(held), torch.device("cpu"))
    assert kendall_tau(predicted, truth[rows[100:1100]]) > 0.3
    assert abs(float(np.median(predicted)) - float(np.median(labels))) < 0.05  # accuracies again, not standardised scores


def test_the_settings_name_the_teacher_and_every_space_flattens_its_node_slots(space):
    assert isinstance(teacher_for(TeacherConfig(head="pooled"), space), GNNPredictor)
    for name, slots in (("nb201", 4), ("nb101", 7), ("nb301", 14)):
        other = space if name == "nb201" else load_benchmark(name).space
        assert other.node_slots() == slots
        model = teacher_for(TeacherConfig(), other)
        assert isinstance(model, ReferenceGNNPredictor) and model.readout.in_features == slots * 64
        cells = other.sample(np.random.default_rng(1), 5)
        assert model(other.graph_batch(cells)).shape == (5,)  # padded slots of smaller cells included
