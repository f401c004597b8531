import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crlso_core.catalog import methods
from crlso_core.catalog.methods import METHOD_TABLE, Method, MethodTableError, check_methods, side
from crlso_core.common.errors import CRLSOError

ROOT = Path(__file__).resolve().parents[2]


def _extra(**changes) -> Method:
    return dataclasses.replace(METHOD_TABLE["rs"], **{"id": "extra", "label": "extra search", "about": "an extra baseline",
                                                       "colour": "#123456", **changes})


def test_every_view_of_the_table_reads_a_record_added_to_it(monkeypatch):
    assert "extra" not in methods.METHODS
    monkeypatch.setitem(METHOD_TABLE, "extra", _extra())
    check_methods(["extra", "crlso"])  # what `crlso bench --methods` is checked by
    assert methods.METHODS["extra"] == "an extra baseline" and methods.BASELINE_LABELS["extra"] == "extra search"
    assert methods.METHOD_COLOURS["extra search"] == "#123456" == methods.colour_of("extra")
    assert methods.method_ids("baseline") == ["rs", "rea", "local", "extra"]


def test_the_views_say_what_the_old_dicts_said():
    assert dict(methods.BASELINE_LABELS) == {"rs": "random search", "rea": "REA", "local": "local search"}
    assert methods.METHOD_COLOURS["CR-LSO"] == methods.SIDE_COLOURS["crls"] and methods.METHOD_COLOURS["LSO"] == methods.SIDE_COLOURS["ls"]
    assert methods.SIDE_METHODS == {"ls": "LSO", "crls": "CR-LSO"}
    assert methods.LATENT_METHODS["crlso50-step"] == methods.LatentMethod(50, True, "icnn", "step")
    assert methods.method_colour("pair-crls: REA") == METHOD_TABLE["rea"].colour
    assert methods.method_colour("crlso-ray", 1) == methods.OTHER_COLOURS[1]  # no colour of its own
    assert methods.method_words("rea") == "regularised evolution" and methods.method_words("rs") == "random search"
    with pytest.raises(CRLSOError, match="Unknown method"):
        check_methods(["bogo"])


def test_a_record_without_its_runner_or_a_runner_without_its_record_is_refused_naming_it(monkeypatch):
    def nothing(space, oracle, rng):
        pass

    registered = {m.runner: nothing for m in METHOD_TABLE.values() if m.kind == "baseline"}
    assert methods.bind_runners("baseline", registered) == {"rs": nothing, "rea": nothing, "local": nothing}
    with pytest.raises(MethodTableError, match="'tests.x:spare' has no method"):
        methods.bind_runners("baseline", {**registered, "tests.x:spare": nothing})
    monkeypatch.setitem(METHOD_TABLE, "extra", _extra(runner="crlso_core.search.baselines:extra_search"))
    with pytest.raises(MethodTableError, match="Method 'extra' .* names the runner 'crlso_core.search.baselines:extra_search'"):
        methods.bind_runners("baseline", registered)


def test_importing_the_baselines_with_a_method_that_has_no_runner_fails_at_import():
    script = (
        "import dataclasses\n"
        "from crlso_core.catalog import methods as m\n"
        "m.METHOD_TABLE['extra'] = dataclasses.replace(m.METHOD_TABLE['rs'], id='extra', label='extra',"
        " runner='crlso_core.search.baselines:extra_search')\n"
        "import crlso_core.search.baselines\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "MethodTableError: Method 'extra' (baseline) names the runner" in done.stderr


@pytest.mark.parametrize("change, problem", [
    (dict(label="REA"), "has the label 'REA' of method 'rea'"),
    (dict(kind="latent"), "is latent without latent settings"),
    (dict(kind="oracle"), "has kind 'oracle'"),
    (dict(runner="random_search"), "not as 'module:function'"),
])
def test_a_broken_record_is_refused(change, problem):
    with pytest.raises(MethodTableError, match=problem):
        methods.check_table({**METHOD_TABLE, "extra": _extra(**change)})


def test_a_side_knows_its_method_its_config_and_its_folder():
    ls, crls = side("ls"), side("crls")
    assert (ls.icnn, ls.predictor, ls.method, ls.name) == (False, "mlp", "lso", "LS")
    assert (crls.icnn, crls.predictor, crls.method, crls.name) == (True, "icnn", "crlso", "CR-LS")
    assert crls.colour == METHOD_TABLE["crlso"].colour
    assert methods.side_of(True) == "crls" and methods.side_of(False) == "ls"
    assert methods.pair_run_name("seed3", "crls") == "seed3-crls" == crls.run_name("seed3")
    with pytest.raises(CRLSOError, match="A pair side is ls or crls, got 'both'"):
        side("both")


def test_a_searchs_query_source_is_the_latent_method_of_its_latent_and_predictor():
    assert [methods.latent_method_name(r, p) for r, p in [(True, "icnn"), (True, "mlp"), (False, "icnn"), (False, "mlp")]] == [
        "crlso", "crls-mlp", "ls-icnn", "lso"]
