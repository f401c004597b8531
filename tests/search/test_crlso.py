import numpy as np
import pytest
import torch
from torch import nn

from crlso_core.benchmarks import Oracle
from crlso_core.catalog.config import SearchConfig
from crlso_core.models import GVAE, ICNN
from crlso_core.models.output_scale import rescale_output_
from crlso_core.models.training import kendall_tau
from crlso_core.search.crlso import CRLSOSearch
from crlso_core.search.latent import LatentCodes


class NoTestOracle(Oracle):
    """Fails loudly if search code ever looks at test accuracy."""

    def test_accuracy(self, cell):
        raise AssertionError("search code read a test accuracy")


def _search(benchmark, space, rule, budget, labelled=20, seed=0, run=True, **settings):
    torch.manual_seed(seed)
    gvae = GVAE(space.node_features, space.edge_features, space.decoder_output_dim, latent=6, hidden=16, layers=2).eval()
    torch.manual_seed(seed)  # the ICNN's start does not depend on the G-VAE's architecture
    icnn = ICNN(6, hidden=16, convex_layers=1, biases=True)
    oracle = NoTestOracle(benchmark, "cifar10", budget)
    for cell in space.sample(np.random.default_rng(seed), labelled):
        oracle.query(cell, "labelled")
    cfg = SearchConfig(**{"rule": rule, "top_k": 4, "finetune_epochs": 2, "max_retries": 4, "candidates_per_start": 6, **settings})
    codes = LatentCodes(space, gvae, torch.device("cpu"))
    search = CRLSOSearch(space, codes, icnn, oracle, cfg, torch.device("cpu"), torch.Generator().manual_seed(seed))
    return search, oracle, search.run() if run else []


@pytest.mark.parametrize("rule", ["ray", "step", "ranked", "mixed", "authors", "authors-uphill"])
def test_search_spends_exactly_the_budget_and_records_every_step(benchmark, space, rule):
    search, oracle, steps = _search(benchmark, space, rule, budget=45)
    assert oracle.used == 45  # spent, never exceeded (the oracle would raise)
    queried = [s for s in steps if s.queried]
    assert len(queried) == 45 - 20
    assert [s.arch for s in queried] == [q.arch for q in oracle.history[20:]]
    for s in steps:
        assert len(s.z) == 6 and space.parse(s.arch) and space.parse(s.start_arch)
        assert (s.valid_acc is not None) == s.queried
        if s.queried:
            assert s.valid_acc == oracle.answers[space.parse(s.arch)]


def test_step_rule_descends_the_predicted_error(benchmark, space):
    """The reference code climbed the error; ours must step downhill."""
    search, oracle, _ = _search(benchmark, space, "step", budget=21)
    z = search.codes([next(iter(oracle.answers))])
    g = search._gradient(z)
    with torch.no_grad():
        assert search.predictor(z - 1e-3 * g).item() < search.predictor(z).item()


def test_step_rule_grows_eta_on_repeats(benchmark, space):
    _, _, steps = _search(benchmark, space, "step", budget=40)
    by_start = {}
    for s in steps:
        if s.attempt >= 0:
            by_start.setdefault((s.round, s.start_arch), []).append(s)
    for attempts in by_start.values():
        etas = [s.eta for s in attempts]
        assert etas == sorted(etas) and all(not s.queried for s in attempts[:-1])


def test_search_is_reproducible(benchmark, space):
    _, a, _ = _search(benchmark, space, "ranked", budget=35, seed=5)
    _, b, _ = _search(benchmark, space, "ranked", budget=35, seed=5)
    assert [q.arch for q in a.history] == [q.arch for q in b.history]


def test_a_decoded_cell_the_benchmark_cannot_answer_is_never_queried(benchmark, space):
    """On a benchmark that holds only part of the space, every query the search makes is a
    cell it can answer; the rest count as known and the step is retried."""
    from crlso_core.benchmarks import TabularBenchmark

    half = TabularBenchmark(space, benchmark.cells[::2], {"cifar10": benchmark.valid["cifar10"][::2]}, {}, "every other row")
    torch.manual_seed(0)
    gvae = GVAE(space.node_features, space.edge_features, space.decoder_output_dim, latent=6, hidden=16, layers=2).eval()
    oracle = Oracle(half, "cifar10", 40)
    for cell in half.sample(np.random.default_rng(0), 20):
        oracle.query(cell, "labelled")
    cfg = SearchConfig(rule="step", top_k=4, finetune_epochs=2, max_retries=4)
    steps = CRLSOSearch(space, LatentCodes(space, gvae, torch.device("cpu")), ICNN(6, hidden=16, convex_layers=1, biases=True), oracle, cfg,
                        torch.device("cpu"), torch.Generator().manual_seed(0)).run()
    assert oracle.used == 40 and half.can_answer(list(oracle.answers)).all()
    assert any(not s.queried and not half.can_answer([space.parse(s.arch)])[0] for s in steps)  # some were skipped


@pytest.mark.parametrize("rule", ["step", "ranked"])
def test_on_a_partial_table_a_decoded_cell_it_cannot_answer_moves_to_the_nearest_answerable_pool_cell(benchmark, space, rule):
    """NB101's offline table answers 30,001 of 423,624 cells: a decoded cell outside it is
    replaced by the unseen pool cell the table answers that lies nearest to the decoded point
    (source 'crlso-nearest'), so latent steps keep spending the budget."""
    from crlso_core.benchmarks import TabularBenchmark
    from crlso_core.models.training import encode_all

    half = TabularBenchmark(space, benchmark.cells[::2], {"cifar10": benchmark.valid["cifar10"][::2]}, {}, "every other row")
    torch.manual_seed(0)
    gvae = GVAE(space.node_features, space.edge_features, space.decoder_output_dim, latent=6, hidden=16, layers=2).eval()
    pool = benchmark.cells  # the whole space: half of it answerable
    mu = encode_all(gvae, space.graph_batch(pool), torch.device("cpu"))
    oracle = Oracle(half, "cifar10", 40)
    for cell in half.sample(np.random.default_rng(0), 20):
        oracle.query(cell, "labelled")
    cfg = SearchConfig(rule=rule, top_k=4, finetune_epochs=2, max_retries=4, candidates_per_start=6)
    codes = LatentCodes.from_pool(space, gvae, torch.device("cpu"), pool, mu)
    steps = CRLSOSearch(space, codes, ICNN(6, hidden=16, convex_layers=1, biases=True), oracle, cfg, torch.device("cpu"),
                        torch.Generator().manual_seed(0)).run()
    assert oracle.used == 40 and half.can_answer(list(oracle.answers)).all()
    moved = [s for s in steps if s.queried and s.source == "crlso-nearest"]
    assert moved
    answerable = np.flatnonzero(half.can_answer(pool))
    order = [q.arch for q in oracle.history]
    for step in moved:
        seen_before = {space.parse(a) for a in order[: order.index(step.arch)]}
        unseen = [i for i in answerable.tolist() if pool[i] not in seen_before]
        distance = ((mu[unseen] - torch.tensor(step.z)) ** 2).sum(1)
        assert float(((codes([space.parse(step.arch)])[0] - torch.tensor(step.z)) ** 2).sum()) <= float(distance.min()) + 1e-4


def test_step_rule_records_a_run_of_retries_on_one_cell_by_its_ends(benchmark, space):
    """Retries that decode to the same known cell are one row at each end of the run, not a
    row each (a stalled NB101 search wrote 126,000 rows); the attempt numbers keep the count."""
    _, _, steps = _search(benchmark, space, "step", budget=60)
    by_start = {}
    for s in steps:
        if s.attempt >= 0:  # fallback and random queries are -1
            by_start.setdefault((s.round, s.start_arch), []).append(s)
    runs = 0
    for rows in by_start.values():
        assert [r.attempt for r in rows] == sorted(r.attempt for r in rows) and rows[0].attempt == 0
        for before, row, after in zip(rows, rows[1:], rows[2:]):
            assert not (before.arch == row.arch == after.arch)  # no interior row of a run
        for before, row in zip(rows, rows[1:]):
            if row.attempt > before.attempt + 1:  # rows were left out between these two
                assert before.arch == row.arch
                runs += 1
    assert runs > 0  # the small random G-VAE decodes many retries to one cell


def test_mixed_rule_queries_the_best_predicted_of_steps_and_the_starts_neighbours(benchmark, space):
    """The mixed rule ranks the starts' one-mutation neighbours with the latent steps' cells:
    each queried neighbour is one mutation from its start, and no candidate left unqueried
    in a round was predicted better than one queried in it."""
    _, oracle, steps = _search(benchmark, space, "mixed", budget=40)
    assert oracle.used == 40
    mutations = [s for s in steps if s.source == "crlso-mutation"]
    assert mutations and all(s.queried for s in mutations)
    for s in mutations:
        assert space.parse(s.arch) in space.neighbours(space.parse(s.start_arch))
    known, checked = {q.arch for q in oracle.history}, 0
    for round_ in {s.round for s in steps}:
        queried = [s.pred_acc for s in steps if s.round == round_ and s.queried]
        passed = [s.pred_acc for s in steps if s.round == round_ and not s.queried and s.arch not in known]
        if passed and len(queried) == 4:  # a full round of top_k queries
            assert min(queried) >= max(passed) - 1e-9
            checked += 1
    assert checked


def test_spacing_steps_are_the_codes_spacing_long_whatever_the_predictors_scale(benchmark, space):
    """step_length "spacing": eta = 1 moves one median nearest-neighbour distance between
    codes, downhill; shrinking the predictor's outputs 1000-fold (errors that vary by 0.5 %
    instead of 50 %) shrinks reference steps 1000-fold, and these not at all."""
    search, oracle, _ = _search(benchmark, space, "step", budget=30, run=False, step_length="spacing")
    codes = search.codes(list(oracle.answers))
    distance = torch.cdist(codes, codes) + torch.diag(torch.full((len(codes),), float("inf")))
    assert search._spacing == pytest.approx(float(distance.min(1).values.median()), rel=1e-5)
    step = search._gradient(codes)
    assert torch.allclose(step.norm(dim=1), torch.full((len(codes),), search._spacing), rtol=1e-4)
    with torch.no_grad():
        assert (search.predictor(codes - 1e-3 * step) < search.predictor(codes)).all()
    reference = CRLSOSearch(space, search.codes, search.predictor, oracle, SearchConfig(step_length="gradient"), torch.device("cpu"),
                            torch.Generator())
    before = reference._gradient(codes)
    rescale_output_(search.predictor.output_layers(), 1e-3, 0.0)
    assert torch.allclose(search._gradient(codes), step, atol=1e-4 * search._spacing)
    assert torch.allclose(reference._gradient(codes), 1e-3 * before, rtol=1e-3, atol=1e-9)


def test_a_standardised_refit_learns_narrow_errors_and_still_predicts_accuracies(benchmark, space):
    """Queried accuracies within half a percent of 94 % (NB301's spread), a predictor
    pre-trained to their scale: fine-tuned on standardised errors and scaled back, it ranks
    them and predicts accuracies (not scores), and an ICNN stays convex."""
    search, oracle, _ = _search(benchmark, space, "step", budget=60, labelled=60, run=False,
                                finetune_epochs=200, finetune_lr=1e-3, standardise_refit=True, z_noise=0.01, label_noise=0.001)
    cells = list(oracle.answers)
    # errors a convex predictor can learn: the codes of this untrained G-VAE say nothing of
    # the table's accuracies (ranking those held for one seed of four, before and after
    # the alignment), so the accuracies fall with the squared distance from the codes' mean
    codes = search.codes(cells)
    raw = -((codes - codes.mean(0)) ** 2).sum(1).numpy()
    for cell, value in zip(cells, 94.0 + 0.5 * (raw - raw.mean()) / raw.std()):
        oracle.answers[cell] = float(value)
    with torch.no_grad():  # as after pre-training: the mean error, outputs spread as the errors
        out = search.predictor(search.codes(cells))
    scale = 0.005 / float(out.std())
    rescale_output_(search.predictor.output_layers(), scale, 0.06 - scale * float(out.mean()))
    search._refit()
    predicted = search.predicted_accuracy(search.codes(cells))
    assert kendall_tau(predicted, np.array([oracle.answers[c] for c in cells])) > 0.3
    assert abs(predicted.mean() - 94.0) < 0.5 and predicted.std() < 2.0  # accuracies, not standardised scores
    assert search.predictor.is_convex_by_construction()


# --- the ray rule on a latent space built by hand ------------------------------------------

class LookupCodes(LatentCodes):
    """Codes placed by hand; decoding a point gives the pool cell whose code is nearest, so
    where each cell decodes is known exactly."""

    def __init__(self, space, cells, mu):
        super().__init__(space, None, torch.device("cpu"), dict(zip(cells, mu)))
        self.pool = (list(cells), mu)

    def __call__(self, cells):
        return torch.stack([self._cache[c] for c in cells]) if cells else torch.empty(0, 2)

    def decode(self, z):
        cells, mu = self.pool
        return [cells[i] for i in torch.cdist(z.float(), mu).argmin(1).tolist()]


class Slope(nn.Module):
    """Predicted error falling along +x by 1e-6 a unit: a gradient far too small for a
    reference step (eta times the gradient) to leave its start cell."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.tensor([-1e-6, 0.0]))  # fine-tuning is off in these tests

    def forward(self, z):
        return 0.5 + z @ self.weight


def _hand_made(benchmark_toy, target_at, special_start_at=None):
    """20 labelled toy cells on the x-axis at x = 0..19; one unseen target cell at
    `target_at`; the other 195 unseen cells far away (y = -100, x spread over 0..30). With
    `special_start_at`, the worst labelled cell moves there."""
    space = benchmark_toy.space
    cells = space.all_cells()
    labelled, target, rest = cells[:20], cells[20], cells[21:]
    mu = torch.zeros(len(cells), 2)
    mu[:20, 0] = torch.arange(20.0)
    mu[20] = torch.tensor(target_at)
    mu[21:, 0] = torch.linspace(0, 30, len(rest))
    mu[21:, 1] = -100.0
    oracle = Oracle(benchmark_toy, "synthetic", 21)
    for cell in labelled:
        oracle.query(cell, "labelled")
    if special_start_at is not None:
        worst = min(labelled, key=oracle.answers.__getitem__)
        mu[cells.index(worst)] = torch.tensor(special_start_at)
    return space, LookupCodes(space, cells, mu), oracle, target


def _hand_search(space, codes, oracle, **settings):
    cfg = SearchConfig(**{"rule": "ray", "top_k": 4, "finetune_epochs": 0, **settings})
    search = CRLSOSearch(space, codes, Slope(), oracle, cfg, torch.device("cpu"), torch.Generator().manual_seed(0))
    return search, search.run()


def test_the_ray_reaches_a_new_cell_at_a_known_distance_where_a_reference_step_falls_back():
    from tests.toy_space import load_toy

    space, codes, oracle, target = _hand_made(load_toy(), target_at=(30.0, 0.0))
    search, steps = _hand_search(space, codes, oracle)
    assert oracle.history[-1].arch == space.format(target) and oracle.history[-1].source == "crlso"
    hit = next(s for s in steps if s.queried)
    start_x = float(codes([space.parse(hit.start_arch)])[0, 0])
    assert hit.z[0] > 24.5 and hit.z[1] == pytest.approx(0.0, abs=1e-5)  # past the midpoint to (30, 0): it decodes there
    misses = [s for s in steps if s.start_arch == hit.start_arch and not s.queried]
    assert misses and all(s.z[0] < 24.5 for s in misses)  # every earlier point decoded to a known cell
    assert hit.eta * search._spacing == pytest.approx(hit.z[0] - start_x, rel=1e-4)  # eta is counted in code spacings

    space, codes, oracle, target = _hand_made(load_toy(), target_at=(30.0, 0.0))
    _hand_search(space, codes, oracle, rule="step", step_length="gradient")
    assert oracle.history[-1].source == "crlso-fallback"  # the reference length never leaves the start cell


def test_when_the_best_starts_rays_are_spent_a_lower_start_moves_before_any_fallback():
    """The target lies off every ray from the x-axis; only the worst labelled cell, moved to
    (0, 40), has it on its ray. The rule walks down the ranking to it instead of falling back."""
    from tests.toy_space import load_toy

    space, codes, oracle, target = _hand_made(load_toy(), target_at=(30.0, 40.0), special_start_at=(0.0, 40.0))
    _, steps = _hand_search(space, codes, oracle)
    assert oracle.history[-1].arch == space.format(target) and oracle.history[-1].source == "crlso"
    hit = next(s for s in steps if s.queried)
    assert min(oracle.answers.values()) == oracle.answers[space.parse(hit.start_arch)]  # the worst labelled cell
    spent = {s.start_arch for s in steps if not s.queried}
    assert len(spent - {hit.start_arch}) == 4  # the top-4 starts' rays were walked and recorded first

    space, codes, oracle, _ = _hand_made(load_toy(), target_at=(30.0, 40.0), special_start_at=(0.0, 40.0))
    _hand_search(space, codes, oracle, start_depth=4, ray_tries=0)
    assert oracle.history[-1].source == "crlso-fallback"  # held to the top 4 and their gradient rays, it has to fall back


def test_when_every_gradient_ray_is_spent_a_turned_ray_still_goes_downhill_to_a_new_cell():
    """Known cells line the x-axis out to x = 60 (every gradient ray decodes to them); unseen
    cells lie 5 above and below it. A ray turned from +x reaches them: a decoded step that
    still descends, where without turned rays the round falls back."""
    from tests.toy_space import load_toy

    def layout():
        benchmark = load_toy()
        cells = benchmark.space.all_cells()
        mu = torch.zeros(len(cells), 2)
        mu[:61, 0] = torch.arange(61.0)  # the labelled cells
        mu[61:101, 0] = torch.arange(20.0, 60.0)
        mu[61:101, 1] = torch.tensor([5.0, -5.0]).repeat(20)
        mu[101:, 0], mu[101:, 1] = torch.linspace(0, 60, len(cells) - 101), -300.0
        oracle = Oracle(benchmark, "synthetic", 62)
        for cell in cells[:61]:
            oracle.query(cell, "labelled")
        return benchmark.space, LookupCodes(benchmark.space, cells, mu), oracle, set(cells[61:101])

    space, codes, oracle, beside = layout()
    _, steps = _hand_search(space, codes, oracle, ray_tries=8)
    last = oracle.history[-1]
    assert last.source == "crlso" and space.parse(last.arch) in beside
    hit = next(s for s in steps if s.queried)
    start = codes([space.parse(hit.start_arch)])[0]
    moved = torch.tensor(hit.z) - start
    assert moved[0] > 0 and abs(float(moved[1])) > 0.5  # downhill (+x), and off the gradient's line

    space, codes, oracle, _ = layout()
    _hand_search(space, codes, oracle, ray_tries=0)
    assert oracle.history[-1].source == "crlso-fallback"


def test_origins_of_a_search_add_up_to_its_queries(benchmark, space):
    from crlso_core.search.origins import LATENT, ORIGINS, Origins, origin

    for rule in ("ray", "mixed"):
        _, oracle, steps = _search(benchmark, space, rule, budget=45)
        origins = Origins.of(q.source for q in oracle.history)
        assert origins.searched == 45 - 20 == sum(origins.counts.values())
        assert set(origins.counts) == set(ORIGINS)
        assert origins.latent == sum(origin(q.source) in LATENT for q in oracle.history)
        assert origins.latent_share == origins.latent / 25
        assert [origin(q.source) for q in oracle.history[:20]] == ["labelled"] * 20
    assert origin("crlso50-ranked") == "step" and origin("lso-nearest") == "nearest" and origin("crls-mlp") == "step"


# --- the authors' rule (docs/fidelity.md) ---------------------------------------------------


def test_authors_rule_queries_the_first_new_cell_and_grows_eta_on_repeats(benchmark, space):
    """From each start: tries at eta0, eta0 + eta_step, ...; every try before the queried one
    decoded to a known cell, and the query is the first try that decoded to a new one."""
    search, oracle, steps = _search(benchmark, space, "authors", budget=60, max_retries=12, restart_noise=0.3)
    history = [q.arch for q in oracle.history]
    by_try: dict = {}
    for s in steps:
        by_try.setdefault((s.round, s.start_arch), []).append(s)
    grew = False
    for tries in by_try.values():
        etas = [s.eta for s in tries]
        assert all(e == pytest.approx(0.2 + 0.2 * s.attempt) for e, s in zip(etas, tries))
        queried = [s for s in tries if s.queried]
        assert len(queried) <= 1 and (not queried or queried[0] is tries[-1])
        if queried:
            when = history.index(queried[0].arch)
            for earlier in tries[:-1]:  # known before this query
                assert history.index(earlier.arch) < when
            grew |= len(tries) > 1
    assert grew  # some start needed a larger eta


def _first_tries(rule, benchmark, space):
    search, oracle, steps = _search(benchmark, space, rule, budget=24, restart_noise=0.0, max_retries=1,
                                    queried_code="encoded")
    first = [s for s in steps if s.attempt == 0]
    starts = search.codes([space.parse(s.start_arch) for s in first])
    with torch.no_grad():
        moved = torch.tensor([s.z for s in first])
        return search.predictor(moved) - search.predictor(starts)


def test_authors_rule_descends_the_predicted_error_and_the_uphill_variant_climbs_it(benchmark, space):
    """The paper's sign: z - eta grad f lowers the predicted error; the authors' code's
    sign (authors-uphill) raises it. Without noise each try is one plain gradient step."""
    assert (_first_tries("authors", benchmark, space) < 0).all()
    assert (_first_tries("authors-uphill", benchmark, space) > 0).all()


def test_a_queried_cell_keeps_the_stepped_code_that_decoded_to_it(benchmark, space):
    search, oracle, steps = _search(benchmark, space, "authors", budget=40)
    queried = [s for s in steps if s.queried and s.source == "crlso"]
    assert queried
    for s in queried:
        assert torch.allclose(search.codes([space.parse(s.arch)])[0], torch.tensor(s.z), atol=1e-5)
        assert space.decode(search.codes.gvae.decoder(torch.tensor([s.z])))[0] == space.parse(s.arch)
    encoded, _, steps = _search(benchmark, space, "authors", budget=40, queried_code="encoded")
    cell = space.parse(next(s for s in steps if s.queried).arch)
    with torch.no_grad():
        mu = encoded.codes.gvae.encode(space.graph_batch([cell]))[0][0]
    assert torch.allclose(encoded.codes([cell])[0], mu)
