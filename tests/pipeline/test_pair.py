import dataclasses

import pytest

from crlso_core.catalog.methods import METHOD_TABLE, SIDE_TABLE, LatentMethod
from crlso_core.catalog.presets import preset
from crlso_core.common.errors import CRLSOError
from crlso_core.pipeline.pair import pair_config


def test_each_side_trains_and_searches_as_its_method_record_says(monkeypatch):
    config = preset("smoke", space="nb201")
    ls, crls = pair_config(config, "ls"), pair_config(config, "crls")
    assert (ls.gvae.icnn, ls.search.predictor) == (False, "mlp")
    assert (crls.gvae.icnn, crls.search.predictor) == (True, "icnn")
    assert config.to_dict() == preset("smoke", space="nb201").to_dict()  # the pair's config is left as it was
    # the side reads its method's record, not a mapping of its own
    monkeypatch.setitem(METHOD_TABLE, "lso", dataclasses.replace(METHOD_TABLE["lso"], latent=LatentMethod(None, False, "icnn", None)))
    assert SIDE_TABLE["ls"].method == "lso" and pair_config(config, "ls").search.predictor == "icnn"


def test_a_side_that_is_not_one_is_a_clear_error():
    with pytest.raises(CRLSOError, match="A pair side is ls or crls, got 'both'"):
        pair_config(preset("smoke", space="nb201"), "both")
