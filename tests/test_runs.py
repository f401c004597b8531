import pickle
from pathlib import Path

import pytest
import torch

from crlso_core.common.errors import CRLSOError
from crlso_core.common.files import read_json, write_bytes_atomic, write_json
from crlso_core.store.models import load_latent, load_state, save_latent
from crlso_core.store.records import RunSummary
from crlso_core.store.folder import default_root
from crlso_core.store.index import index_run, list_runs
from crlso_core.store.folder import RunFolder


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "summary.json"
    write_json(path, {"a": 1})
    monkeypatch.setattr("crlso_core.common.files.os.replace", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        write_json(path, {"a": 2})
    assert read_json(path) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]  # no temp file left behind


def test_corrupt_json_is_a_clear_error(tmp_path):
    (tmp_path / "summary.json").write_text("{not json")
    with pytest.raises(CRLSOError, match="corrupt"):
        read_json(tmp_path / "summary.json")


class Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def test_model_files_load_with_weights_only(tmp_path):
    """A pickle that runs code on load is refused as a model state, not executed."""
    path = tmp_path / "gvae.pt"
    write_bytes_atomic(path, pickle.dumps({"weight": Evil()}))
    with pytest.raises(CRLSOError, match="could not be loaded"):
        load_state(path, torch.nn.Linear(2, 2))
    (tmp_path / "truncated.pt").write_bytes(b"PK\x03\x04")
    with pytest.raises(CRLSOError):
        load_state(tmp_path / "truncated.pt", torch.nn.Linear(2, 2))


def test_latent_round_trip_without_pickle(tmp_path):
    mu = torch.randn(5, 3)
    save_latent(tmp_path / "latent.npz", ["a", "b", "c", "d", "e"], mu)
    archs, back = load_latent(tmp_path / "latent.npz")
    assert archs == ["a", "b", "c", "d", "e"] and torch.equal(torch.from_numpy(back), mu)


def test_index_lists_runs_newest_first_and_forgets_deleted_folders(tmp_path):
    for i, name in enumerate(["old", "new", "gone"]):
        (tmp_path / name).mkdir()
        index_run(tmp_path / name, RunSummary(dataset="cifar10", status="complete", created=i + 1, best_valid_acc=90.0 + i))
    (tmp_path / "gone").rmdir()
    runs = list_runs(tmp_path)
    assert [r.name for r in runs] == ["new", "old"]
    assert runs[0].summary.best_valid_acc == 91.0 and runs[0].path == (tmp_path / "new").resolve()
    assert list_runs(tmp_path / "nothing-here") == []


def test_the_runs_root_is_one_setting_for_the_app_and_the_cli(tmp_path, monkeypatch):
    monkeypatch.delenv("CRLSO_RUNS", raising=False)
    assert default_root() == Path("runs")
    monkeypatch.setenv("CRLSO_RUNS", str(tmp_path))
    assert default_root() == tmp_path
    (tmp_path / "r").mkdir()
    index_run(tmp_path / "r", RunSummary(dataset="cifar10", status="trained", created=1.0))
    assert [r.name for r in list_runs()] == ["r"]


def test_summaries_of_older_runs_read_with_their_old_names(tmp_path):
    """Format 1 (before the benchmark contract): no pool, benchmark or format keys, and local
    search's baseline under its old name 'ls'."""
    old = {"space": "nb201", "dataset": "cifar10", "status": "complete", "best_test_acc": 94.37, "extra_key": 1,
           "baselines": {"ls": {"budget": 500, "best_arch": "x", "best_valid_acc": 91.6, "best_test_acc": 94.4,
                                "wall_s": 0.1, "queries_to_best": 90}}}
    write_json(tmp_path / "summary.json", old)
    summary = RunFolder(tmp_path).summary()
    assert summary.run_format == 1 and summary.pool_size is None and summary.best_test_acc == 94.37
    assert list(summary.baselines) == ["local"] and summary.baselines["local"].queries_to_best == 90
    write_json(tmp_path / "summary.json", {**old, "run_format": 99})
    with pytest.raises(CRLSOError, match="newer crlso"):
        RunFolder(tmp_path).summary()


def test_export_zip_holds_the_runs_record_and_delete_removes_it_from_the_index(smoke_pair, tmp_path):
    import io
    import shutil
    import zipfile

    from crlso_core.store.bundles import export_zip
    from crlso_core.store.index import delete_run

    run = tmp_path / "pair-crls"
    shutil.copytree(smoke_pair / "pair-crls", run)
    index_run(run, RunFolder(run).summary())
    names = zipfile.ZipFile(io.BytesIO(export_zip(run))).namelist()
    assert {"pair-crls/config.json", "pair-crls/summary.json", "pair-crls/queries.csv", "pair-crls/trajectories.csv",
            "pair-crls/baselines/rea.csv", "pair-crls/latent.npz", "pair-crls/gvae.pt", "pair-crls/predictor.pt"} <= set(names)
    assert not any("index.sqlite" in n or "/." in n for n in names)  # the run's own files, nothing of the store
    assert delete_run(run, tmp_path)
    assert not run.exists() and list_runs(tmp_path) == []
    (tmp_path / "not-a-run").mkdir()
    with pytest.raises(CRLSOError, match="not a run folder"):
        delete_run(tmp_path / "not-a-run", tmp_path)
