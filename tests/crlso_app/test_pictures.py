import io

import numpy as np
from PIL import Image

from crlso_app import pictures
from crlso_app.theme import PLANE_HIGH, PLANE_LOW
from crlso_core.analysis.convexity import JensenInfo, SurfaceInfo
from crlso_core.catalog.methods import SIDE_COLOURS

VIRIDIS_YELLOW = "#fde725"  # the rank scale's best end


def _image(data: bytes) -> np.ndarray:
    picture = Image.open(io.BytesIO(data))
    assert picture.format == "PNG"
    return np.asarray(picture.convert("RGB")).astype(int)


def _pixels_of(image: np.ndarray, colour: str, tolerance: int = 12) -> int:
    rgb = np.array([int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)])
    return int((np.abs(image - rgb).max(axis=-1) <= tolerance).sum())


def _surface(n=300, seed=0) -> SurfaceInfo:
    rng = np.random.default_rng(seed)
    xs, ys = np.linspace(-2, 2, 30), np.linspace(-2, 2, 25)
    predicted = 90 - 5 * (xs[None, :] ** 2 + ys[:, None] ** 2)  # a bowl: high in the middle, low at the corners
    return SurfaceInfo(xs, ys, predicted, rng.uniform(-1.5, 1.5, (n, 2)), np.array([0.3, 0.2]))


def test_the_contour_dots_are_a_fixed_sample_with_the_best_drawn_last():
    acc = np.random.default_rng(1).uniform(10, 95, 2000)
    acc[5] = np.nan
    rows, rank = pictures.dots_shown(acc)
    assert len(rows) == pictures.CONTOUR_DOTS == len(set(rows.tolist()))
    assert np.all(np.diff(rank) >= 0)  # worst first, best last (on top)
    assert np.array_equal(rows, pictures.dots_shown(acc)[0])  # the same cells on every draw
    every, every_rank = pictures.dots_shown(acc, count=len(acc))
    assert every[-1] == int(np.nanargmax(acc)) and every_rank[-1] == 1.0
    assert every[0] == 5 and every_rank[0] == 0.0  # an unknown accuracy counts as the worst


def test_the_contours_show_both_ends_of_their_scale_and_the_best_cells_in_the_dots_own_colour():
    acc = np.random.default_rng(2).uniform(10, 95, 300)
    image = _image(pictures.contour_picture([(_surface(), acc, "LS"), (_surface(seed=1), acc, "CR-LS")], "both"))
    assert image.shape[1] == round(pictures.WIDTH_IN * pictures.DPI)  # drawn at the page's width: shown 1:1
    assert _pixels_of(image, PLANE_LOW, 3) > 50 and _pixels_of(image, PLANE_HIGH, 3) > 50  # low corners light, high middle dark
    assert _pixels_of(image, VIRIDIS_YELLOW) > 100  # the best cells' dots, and the dots' colour bar


def _jensen(shift: float, rng) -> JensenInfo:
    gaps = rng.normal(shift, 1, (300, 3))
    return JensenInfo(np.array([0.25, 0.5, 0.75]), np.zeros((300, 2), int), gaps, np.where(gaps > 2, np.nan, gaps), 0.1, 0.2, 0.0)


def test_the_jensen_histograms_draw_each_side_in_its_colour_and_only_the_sides_given():
    rng = np.random.default_rng(3)
    both = _image(pictures.jensen_picture({"ls": _jensen(0.5, rng), "crls": _jensen(-0.5, rng)}))
    ls, crls = SIDE_COLOURS["ls"], SIDE_COLOURS["crls"]
    assert _pixels_of(both, ls, 6) > 300 and _pixels_of(both, crls, 6) > 300
    alone = _image(pictures.jensen_picture({"crls": _jensen(-0.5, rng)}))
    assert _pixels_of(alone, ls, 6) == 0 and _pixels_of(alone, crls, 6) > 300


def test_a_side_whose_decoded_cells_all_lack_a_true_accuracy_still_draws_its_predicted_gaps():
    rng = np.random.default_rng(4)
    info = _jensen(0.0, rng)
    info.gap_true[:] = np.nan
    image = _image(pictures.jensen_picture({"ls": info}))
    assert _pixels_of(image, SIDE_COLOURS["ls"], 6) > 100


def test_the_line_draws_true_and_predicted_accuracy_in_their_colours_with_gaps_where_unknown():
    t = np.linspace(0, 1, 11)
    true_acc = np.where(np.arange(11) == 4, np.nan, 80 + t)
    image = _image(pictures.line_picture(t, true_acc, 85 - 3 * t, "LS: from a to b"))
    assert _pixels_of(image, pictures.LINE_COLOURS["true"], 6) > 200
    assert _pixels_of(image, pictures.LINE_COLOURS["predicted"], 6) > 200


def test_a_long_title_is_wrapped_to_lines_that_fit_the_picture():
    title = "LS: from " + " | ".join(["sk(0) sk(1)|s5(0) d5(1)|s5(0) s5(3)"] * 6) + " to " + "x" * 150
    lines = pictures.wrapped(title).split("\n")
    assert len(lines) > 2 and all(len(line) <= pictures.TITLE_CHARS for line in lines)
    assert "".join(lines).replace(" ", "") == title.replace(" ", "")  # nothing lost, only broken
    assert pictures.wrapped("CR-LS: from a to b") == "CR-LS: from a to b"
    image = _image(pictures.line_picture(np.linspace(0, 1, 3), np.ones(3), np.ones(3), title))
    assert image.shape[1] == round(pictures.WIDTH_IN * pictures.DPI)
