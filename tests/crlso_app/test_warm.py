"""The server's background warm-up: each shipped example loaded before a page asks for it."""

from crlso_app import state, warm
from crlso_core.store.examples import PREFIX


def test_the_warm_up_loads_every_example_run_and_its_projections_so_a_page_reads_memory(monkeypatch, tmp_path):
    monkeypatch.setenv("CRLSO_RUNS", str(tmp_path / "runs"))
    monkeypatch.delenv("CRLSO_EXAMPLES", raising=False)
    state._view.clear()
    state._projection.clear()
    runs = warm.runs_to_warm()
    assert [p.name for p in runs][:2] == [f"{PREFIX}nb201-ls", f"{PREFIX}nb201-crls"]  # the first page's pair first
    assert {p.name.split("-")[1] for p in runs} == {"nb201", "nb301", "nb101"}
    spent = warm.warm()
    assert set(spent) == {"imports", *(p.name for p in runs)}

    def refuse(*args, **kwargs):
        raise AssertionError("loaded again: the warm-up's load was not kept")

    monkeypatch.setattr(state, "load_view", refuse)
    monkeypatch.setattr("crlso_core.analysis.cache.read_projection_file", refuse)
    for path in runs:  # what a page asks for, answered from memory
        run = state.view(path)
        for method, dims in warm.SHOWN:
            assert state.projection(run, method, dims) is not None, (path.name, method, dims)


def test_a_warm_up_that_fails_says_so_on_the_terminal_and_never_raises(monkeypatch, capsys):
    def broken():
        raise OSError("disk gone")

    monkeypatch.setattr(warm, "warm", broken)
    warm._warm_in_background()
    assert "The background warm-up stopped" in capsys.readouterr().err


def test_the_rehearsal_leaves_an_example_page_nothing_to_compute_on_its_first_visit(monkeypatch, tmp_path):
    """What `crlso app` does before it serves: the Similarity page opened afterwards (a new
    session, as a browser's) finds its blocks in the cache and computes none."""
    from streamlit.testing.v1 import AppTest

    from crlso_core.analysis import similarity

    monkeypatch.setenv("CRLSO_RUNS", str(tmp_path / "runs"))
    monkeypatch.delenv("CRLSO_EXAMPLES", raising=False)
    pair = f"{PREFIX}nb201"
    assert warm.pairs_to_rehearse()[0] == pair  # an empty store: the first example is the first page's pair
    spent = warm.rehearse([pair])
    assert set(spent) == {f"{pair} pages"}
    computed = []
    real = similarity.cosine_blocks
    monkeypatch.setattr(similarity, "cosine_blocks", lambda *a, **k: computed.append(a) or real(*a, **k))
    at = AppTest.from_file(str(warm.Path(warm.__file__).parent / "main.py"), default_timeout=120)
    at.query_params["run"] = pair
    at.run()
    at.switch_page("views/similarity.py").run()
    assert not at.exception and at.title[0].value == "Similarity"
    assert computed == []  # both sides' blocks were the rehearsal's


def test_a_rehearsal_whose_page_fails_says_which_and_goes_on(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("CRLSO_RUNS", str(tmp_path / "runs"))
    spent = warm.rehearse(["no-such-pair"])
    assert set(spent) == {"no-such-pair pages"}  # it went on to the end
    err = capsys.readouterr().err
    assert "The warm-up's visit of no-such-pair stopped" in err


def test_a_run_that_cannot_be_opened_is_skipped_and_the_others_are_warmed(monkeypatch, tmp_path, capsys):
    """`make test` once left a toy-space run in ./runs; the warm-up then stopped at it and the
    server started cold."""
    monkeypatch.delenv("CRLSO_EXAMPLES", raising=False)
    example = next(p for p in warm.runs_to_warm() if p.name == f"{PREFIX}nb101-crls")
    monkeypatch.setattr(warm, "runs_to_warm", lambda: [tmp_path / "gone-crls", example])
    spent = warm.warm()
    assert set(spent) == {"imports", example.name}
    assert "The warm-up skipped gone-crls" in capsys.readouterr().err
