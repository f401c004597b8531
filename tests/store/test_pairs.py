from crlso_core.store.pairs import list_pairs, pair_folder, pair_folders


def test_pairs_group_the_ls_and_crls_runs_trained_together(smoke_pair):
    (pair,) = list_pairs(smoke_pair)
    assert pair.name == "pair" and pair.sides == ["ls", "crls"] and pair.dataset == "cifar10" and pair.space == "nb201"


def test_a_pairs_run_folders_are_named_in_one_place(tmp_path):
    assert pair_folder(tmp_path, "seed0", "crls") == tmp_path / "seed0-crls"
    assert pair_folders(tmp_path, "seed0") == {"ls": tmp_path / "seed0-ls", "crls": tmp_path / "seed0-crls"}
    assert pair_folders(tmp_path, "seed0", ["crls"]) == {"crls": tmp_path / "seed0-crls"}
    assert pair_folder(tmp_path, "copy", "run") == tmp_path / "copy-run"  # an example run trained alone keeps its word
