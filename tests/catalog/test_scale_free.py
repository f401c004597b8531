"""The presets of the narrow-accuracy spaces take the accuracy scale out of the teacher and
the search's fine-tuning; NB201's presets search with the authors' rule."""

from crlso_core.catalog.presets import PRESET_NAMES, preset


def test_nb301_and_nb101_presets_standardise_and_step_in_code_spacing():
    for name in PRESET_NAMES:
        for space in ("nb301", "nb101"):
            config = preset(name, space=space)
            assert config.teacher.standardise and config.search.standardise_refit, (name, space)
            assert config.search.step_length == "spacing" and config.search.finetune_lr == 1e-3, (name, space)


def test_nb201_presets_fine_tune_on_raw_errors_but_step_in_code_spacings():
    for name in PRESET_NAMES:
        config = preset(name, space="nb201")
        assert not config.teacher.standardise and not config.search.standardise_refit
        assert config.search.finetune_lr == 1e-4
        assert config.search.rule == "authors" and config.search.step_length == "spacing"  # the authors' rule
        assert config.search.eta_step == 0.2  # the authors' retry growth
        assert config.search.ray_step == 0.5  # the ray's, chosen on development seeds (experiments/search_settings.py)


def test_nb301_and_nb101_keep_the_ranked_rule_and_the_noise_their_settings_were_chosen_with():
    for name in PRESET_NAMES:
        for space in ("nb301", "nb101"):
            search = preset(name, space=space).search
            assert search.rule == "ranked" and (search.z_noise, search.label_noise) == (0.01, 0.001), (name, space)
            assert preset(name, space=space).gvae.icnn_biases  # a standardised refit shifts the output
