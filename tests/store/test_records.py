
import pytest

from crlso_core.common.errors import CRLSOError
from crlso_core.common.files import write_json
from crlso_core.store.folder import RunFolder


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
