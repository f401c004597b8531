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
