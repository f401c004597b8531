"""The presets of the narrow-accuracy spaces take the accuracy scale out; NB201 keeps the
reference scale its committed bench was measured with."""

from crlso_core.config import PRESET_NAMES, preset


def test_nb301_and_nb101_presets_standardise_and_step_in_code_spacing():
    for name in PRESET_NAMES:
        for space in ("nb301", "nb101"):
            config = preset(name, space=space)
            assert config.teacher.standardise and config.search.standardise_refit, (name, space)
            assert config.search.step_length == "spacing" and config.search.finetune_lr == 1e-3, (name, space)


def test_nb201_presets_keep_the_reference_scale():
    for name in PRESET_NAMES:
        reference = preset(name, space="nb201")
        assert not reference.teacher.standardise and not reference.search.standardise_refit
        assert reference.search.step_length == "gradient" and reference.search.finetune_lr == 1e-4
