"""Every chart the app draws is fit for the back row: each Plotly text at 14 px or more in a
dark colour (crlso_app/theme.py), and the pictures' text too; one colour language."""

from types import SimpleNamespace

import numpy as np
import plotly.graph_objects as go
import pytest
from matplotlib.colors import to_hex

from crlso_app import figures, pictures, theme
from crlso_core.analysis.convexity import JensenInfo, SurfaceInfo
from crlso_core.analysis.curves import Curve
from crlso_core.analysis.similarity import cosine_blocks
from crlso_core.catalog.registry import get_space
from crlso_core.search.origins import ORIGINS

SPACE = get_space("nb201")
LABELS = [SPACE.label(SPACE.cell_at(i * 31 % SPACE.size)) for i in range(60)]
RNG = np.random.default_rng(0)
ACC = RNG.uniform(10, 90, 60)
XY = RNG.normal(size=(60, 3))
PATH = np.array([[0.0, 0.0], [1.0, 0.5], [-1.0, 1.0]])
SURFACE = SurfaceInfo(np.linspace(-2, 2, 12), np.linspace(-2, 2, 12), 90 - np.add.outer(np.linspace(-2, 2, 12) ** 2,
                      np.linspace(-2, 2, 12) ** 2), RNG.normal(size=(60, 2)), np.array([0.2, 0.1]))
CURVES = [Curve("CR-LSO", np.linspace(80, 91, 40), np.linspace(79, 90, 40)), Curve("REA", np.linspace(85, 90, 40), None)]


def _origins():
    counts = dict.fromkeys(ORIGINS, 0)
    counts[ORIGINS[0]], counts[ORIGINS[-1]] = 30, 4
    return {"CR-LSO": SimpleNamespace(counts=counts), "REA": SimpleNamespace(counts=dict(counts))}


def _found():
    return SimpleNamespace(methods=["CR-LSO"] * 30 + ["REA"] * 30, xy=XY[:, :2], valid=ACC)


BUILDERS = {  # every figure builder of crlso_app/figures.py, on small data
    "latent_scatter_3d": lambda: figures.latent_scatter_3d(XY, ACC, LABELS, ACC, ACC, "t", "acc", highlight=2),
    "latent_scatter_3d rank": lambda: figures.latent_scatter_3d(XY, np.arange(1.0, 61), LABELS, ACC, ACC, "t", "rank", True),
    "side_by_side": lambda: figures.side_by_side([figures.latent_scatter_3d(XY, ACC, LABELS, ACC, ACC, s, "acc") for s in "ab"], "t"),
    "trajectory_overview": lambda: figures.trajectory_overview(XY[:, :2], PATH[:2], PATH[1:], ["a", "b"], "t",
                                                                latent=np.array([True, False])),
    "origins_figure": lambda: figures.origins_figure(_origins(), "t"),
    "accuracy_histogram": lambda: figures.accuracy_histogram(ACC, 91.0, "t", selected=50.0),
    "similarity_figures": lambda: figures.similarity_figures(cosine_blocks(RNG.normal(size=(60, 4)), ACC, k=5), "CR-LS")[1],
    "curves_figure": lambda: figures.curves_figure(CURVES, 91.5, "t", labelled=10),
    "live_curve_figure": lambda: figures.live_curve_figure({"crls:search": [(1, 80.0), (5, 85.0)]}, 91.0, labelled=2),
    "found_figure": lambda: figures.found_figure(_found(), "t"),
    "surface_figure": lambda: figures.surface_figure(SURFACE, "t"),
}


def test_every_figure_builder_is_listed_here():
    public = {n for n, f in vars(figures).items() if callable(f) and getattr(f, "__module__", "") == figures.__name__
              and n.endswith("_figure") or n in ("latent_scatter_3d", "side_by_side", "trajectory_overview",
                                                 "accuracy_histogram", "similarity_heatmap")}
    assert public - {"similarity_heatmap", "live_curve_figure"} <= {k.split()[0] for k in BUILDERS}


@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_figure_has_text_of_at_least_14_px_in_a_dark_colour(name):
    fig = BUILDERS[name]()
    assert theme.font_problems(fig) == []
    layout = fig.layout
    assert layout.font.size >= 14 and theme.is_dark(layout.font.color) and layout.hoverlabel.font.size >= 14
    for annotation in layout.annotations:  # subplot titles, line labels: set or inherited, never below 14
        assert (annotation.font.size or layout.font.size) >= 14


def test_a_plain_plotly_figure_is_caught_and_the_theme_fixes_it():
    fig = go.Figure(go.Scatter(x=[1, 2], y=[1, 2], mode="markers+text", text=["a", "b"]))
    fig.add_annotation(text="small", font=dict(size=10, color="#999999"), x=1, y=1)
    assert theme.font_problems(fig)  # Plotly's 12 px #444 default and the grey 10 px note
    theme.apply_theme(fig)
    assert theme.font_problems(fig) == []
    assert fig.layout.annotations[0].font.size == 14 and fig.data[0].textfont.size >= 14


def test_dark_means_readable_on_a_projector():
    assert theme.is_dark("#1a1a1a") and theme.is_dark("black") and theme.is_dark("#333")
    assert not theme.is_dark("#444444") and not theme.is_dark("#999") and not theme.is_dark("rgb(200,200,200)")


def test_one_colour_language():
    assert figures.SCALE == theme.RANK_SCALE  # the Latent page's 3-D and 2-D charts and the Convexity dots
    assert pictures.DOT_SCALE == theme.RANK_CMAP
    assert pictures.LINE_COLOURS == {"true": theme.TRUE_COLOUR, "predicted": theme.PREDICTED_COLOUR}
    assert theme.TRUE_COLOUR not in theme.SIDE_COLOURS.values() and theme.PREDICTED_COLOUR not in theme.SIDE_COLOURS.values()
    surface = figures.surface_figure(SURFACE, "t").data[0]
    assert [to_hex(c) for _, c in surface.colorscale] == [theme.PLANE_LOW, theme.PLANE_HIGH]


def test_the_pictures_draw_their_text_at_the_themes_size_and_colour(monkeypatch):
    seen = []

    def texts(fig):  # every text matplotlib draws: titles, ticks, labels, legends, notes
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig).draw()  # ticks are made at the first draw
        for text in fig.findobj(lambda o: hasattr(o, "get_fontsize") and hasattr(o, "get_text") and o.get_text()):
            if text.get_visible():
                seen.append((text.get_text(), text.get_fontsize(), to_hex(text.get_color())))

    real_png = pictures.png
    monkeypatch.setattr(pictures, "png", lambda fig: (texts(fig), real_png(fig))[1])
    gaps = RNG.normal(size=(40, 3))
    ts, pairs = np.array([0.25, 0.5, 0.75]), np.zeros((40, 2), int)
    infos = {"ls": JensenInfo(ts, pairs, gaps, gaps, 0.5, 0.5, 0.0), "crls": JensenInfo(ts, pairs, gaps - 2, gaps - 1, 0.0, 0.4, 0.0)}
    assert pictures.jensen_picture(infos)[:4] == b"\x89PNG"
    assert pictures.contour_picture([(SURFACE, ACC, "LS")], "t")[:4] == b"\x89PNG"
    assert pictures.line_picture(np.linspace(0, 1, 5), np.ones(5), np.ones(5), "t")[:4] == b"\x89PNG"
    assert len(seen) > 30
    assert [s for s in seen if s[1] < 14] == [] and [s for s in seen if not theme.is_dark(s[2])] == []


def test_method_and_side_colours_have_one_owner_the_method_record():
    from crlso_core.catalog.methods import METHOD_TABLE, SIDE_TABLE

    for side in SIDE_TABLE.values():
        assert theme.SIDE_COLOURS[side.id] == METHOD_TABLE[side.method].colour == theme.colour_of(side.method)
    assert theme.method_colour("REA") == METHOD_TABLE["rea"].colour == theme.colour_of("rea")
    assert len({m.colour for m in METHOD_TABLE.values() if m.colour}) == len([m for m in METHOD_TABLE.values() if m.colour])
