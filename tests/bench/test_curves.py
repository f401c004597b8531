"""The curves figure tells every setting apart: a colour per method, a line style per setting of it."""

import numpy as np

from crlso_core.bench.curves import band_styles, curve_bands, curves_figure, plot_curves
from crlso_core.bench.results import CurveRow, Produced


def _curve(produced, seed, queries, acc):
    return CurveRow(method=produced.method, dataset="cifar10", seed=seed, queries=queries, best_valid_acc=acc,
                    best_test_acc=None, preset=produced.preset, rule=produced.rule, settings=produced.settings, cells={})


def test_no_two_settings_share_colour_and_style_and_a_method_keeps_one_colour(tmp_path):
    settings = [Produced(m, "paper", rule, "abc123") for m in ("crlso", "lso", "crls-mlp", "ls-icnn")
                for rule in ("ranked", "authors", "authors-uphill")]
    settings += [Produced(m, "demo", "authors", sid) for m in ("crlso", "lso") for sid in ("aaa", "bbb")]  # 5 of one method
    settings += [Produced(m, "", "", "base01") for m in ("rea", "local")]
    rows = [_curve(p, seed, q, 90 + q / 1000 + seed / 10) for p in settings for seed in (0, 1) for q in (100, 200)]
    bands = curve_bands(rows)
    colours, styles = band_styles(bands)
    looks = {(colours[b.method], styles[b.method]) for b in bands}
    assert len(looks) == len(settings) == 18  # 18 settings, 18 looks (tab10 by label repeated red for the 11th)
    by_method = {}
    for b in bands:
        by_method.setdefault(b.produced.method, set()).add(colours[b.method])
    assert all(len(c) == 1 for c in by_method.values())
    assert len({next(iter(c)) for c in by_method.values()}) == len(by_method)  # and methods differ in colour
    plot_curves(bands, {"cifar10": {"valid": 91.6, "test": None}}, tmp_path / "c.png")
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"


def test_each_panel_states_its_own_optimum():
    produced = Produced("crlso", "demo", "authors", "abc123")
    rows = [_curve(produced, 0, q, 70 + q / 100) for q in (100, 200)]
    rows += [CurveRow(**{**r.__dict__, "dataset": "cifar100"}) for r in rows]
    fig = curves_figure(curve_bands(rows), {"cifar10": {"valid": 91.61, "test": None}, "cifar100": {"valid": 73.49, "test": None}})
    shown = [{t.get_text() for t in ax.texts} for ax in fig.axes]
    assert shown == [{"optimum 91.61"}, {"optimum 73.49"}]  # the legend, one for all panels, names the line only
    assert not any("91.61" in t.get_text() for t in fig.legends[0].get_texts())


def test_a_band_is_the_mean_and_standard_error_over_seeds():
    p = Produced("crlso", "demo", "authors", "abc123")
    bands = curve_bands([_curve(p, 0, 100, 90.0), _curve(p, 1, 100, 92.0)])
    (band,) = bands
    assert band.produced == p and band.mean.tolist() == [91.0] and np.isclose(band.se[0], 1.0)
