import numpy as np

from crlso_core.analysis.convexity import jensen_gaps, line_between, pc_surface


def _grid_world():
    """Cells on a 1-d line of codes; error is a convex (or concave) function of position."""
    codes = np.linspace(-1, 1, 201, dtype=np.float32)[:, None] * np.array([[1.0, 0.5]], dtype=np.float32)
    decode = lambda z: np.clip(np.rint((z[:, 0] + 1) * 100).astype(int), 0, 200)  # nearest cell
    return codes, decode


def test_convex_error_has_no_violations_and_concave_error_has_many():
    codes, decode = _grid_world()
    x = codes[:, 0]
    convex_acc = 100 - 50 * x**2  # error = 50 x^2: convex
    predict_convex = lambda z: 100 - 50 * z[:, 0] ** 2
    info = jensen_gaps(codes, convex_acc, predict_convex, lambda z: convex_acc[decode(z)], pairs=300, seed=1)
    assert info.gap_true.shape == (300, 3)
    assert info.violation_predicted == 0.0
    assert info.violation_true < 0.1 and info.gap_true.max() < 0.6  # only from rounding to the nearest grid cell
    concave_acc = 50 + 50 * x**2 - 50  # error = 100 - 50 x^2: concave
    info = jensen_gaps(codes, concave_acc, lambda z: 50 * z[:, 0] ** 2, lambda z: concave_acc[decode(z)], pairs=300, seed=1)
    assert info.violation_predicted > 0.9 and info.violation_true > 0.9


def test_cells_without_a_known_accuracy_are_never_ends_and_their_points_are_left_out():
    codes, decode = _grid_world()
    acc = 100 - 50 * codes[:, 0] ** 2
    acc[::2] = np.nan  # the benchmark cannot answer every other cell
    info = jensen_gaps(codes, acc, lambda z: 100 - 50 * z[:, 0] ** 2, lambda z: acc[decode(z)], pairs=200, seed=2)
    assert np.isfinite(acc[info.pairs]).all()
    assert np.isnan(info.gap_true).any() and np.isfinite(info.violation_true)
    assert info.violation_true == (info.gap_true[np.isfinite(info.gap_true)] > info.tol).mean()


def test_surface_spans_the_cells_and_line_walks_between_two_cells():
    codes, decode = _grid_world()
    rng = np.random.default_rng(0)
    codes2 = np.hstack([codes, rng.normal(0, 0.01, (len(codes), 1)).astype(np.float32)])
    info = pc_surface(codes2, lambda z: -np.abs(z).sum(1), resolution=20)
    assert info.predicted.shape == (20, 20) and info.cell_xy.shape == (201, 2)
    assert info.xs[0] <= info.cell_xy[:, 0].min() and info.xs[-1] >= info.cell_xy[:, 0].max()
    names = [f"cell{i}" for i in range(len(codes))]
    acc = np.arange(len(codes), dtype=np.float64)
    line = line_between(codes[0], codes[200], lambda z: z[:, 0], lambda z: [names[i] for i in decode(z)],
                        lambda archs: acc[[names.index(a) for a in archs]], steps=5)
    assert line.archs == ["cell0", "cell50", "cell100", "cell150", "cell200"] and np.allclose(line.predicted, [-1, -0.5, 0, 0.5, 1])
    assert list(line.valid) == [0, 50, 100, 150, 200]


def test_the_jensen_sentence_says_no_gain_when_the_true_error_rates_are_within_noise():
    import numpy as np

    from crlso_core.analysis.convexity import JensenInfo, compare_true_violations

    def info(rate):  # 1,500 points, `rate` of them above the chord
        gaps = np.where(np.arange(1500) < rate * 1500, 1.0, -1.0).reshape(500, 3)
        return JensenInfo(np.array([0.25, 0.5, 0.75]), np.zeros((500, 2), int), gaps, gaps, rate, rate, 1e-3)

    same = compare_true_violations(info(0.480), info(0.478))
    assert same.sentence().startswith("No gain: LS 48.0 % vs CR-LS 47.8 %") and "within 2 s.e." in same.sentence()
    assert compare_true_violations(info(0.48), info(0.30)).sentence().startswith("Gain: CR-LS's decoded cells break convexity less")
    assert "the opposite" in compare_true_violations(info(0.48), info(0.60)).sentence()


def test_a_flat_plane_says_its_span_in_words():
    import numpy as np

    from crlso_core.analysis.convexity import SurfaceInfo, plane_span

    flat = SurfaceInfo(np.arange(3.0), np.arange(3.0), 94.22 + np.full((3, 3), 0.09) * np.arange(3), np.zeros((3, 2)), np.ones(2))
    cells = np.linspace(91, 95, 200)  # the cells spread over 4 points
    words = plane_span(flat, cells).words("CR-LS")
    assert words.startswith("CR-LS's plane spans 0.18 points of predicted accuracy (94.22–94.40 %)") and "exaggerate" in words
    steep = SurfaceInfo(np.arange(3.0), np.arange(3.0), np.full((3, 3), 5.0) * np.arange(3), np.zeros((3, 2)), np.ones(2))
    assert "exaggerate" not in plane_span(steep, cells).words("LS")


def test_only_an_icnn_is_convex_by_construction():
    from crlso_core.analysis.convexity import convex_by_construction

    assert convex_by_construction("icnn") and not convex_by_construction("mlp")
