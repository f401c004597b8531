import gc
import sys
import types

from crlso_app import heap


def test_a_run_that_imported_modules_freezes_the_heap_and_later_runs_leave_it(monkeypatch):
    monkeypatch.setattr(heap, "_modules_at_freeze", 0)
    try:
        assert heap.freeze_after_imports()  # the first run imported the app
        frozen = gc.get_freeze_count()
        assert frozen > 1000 and gc.get_count()[2] == 0  # the long-lived objects left the generations a collection scans
        assert not heap.freeze_after_imports()  # nothing new imported: nothing done
        monkeypatch.setitem(sys.modules, "crlso_test_new_module", types.ModuleType("crlso_test_new_module"))
        assert heap.freeze_after_imports()  # a page imported something: what is alive now is frozen too
    finally:
        gc.unfreeze()  # the test process goes on collecting as before
