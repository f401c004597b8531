import json

from tests.crlso_app.views.conftest import page_components


def _cloud(at) -> dict:
    """What the 2-D chart (crlso_app/cloud_chart.py) was sent: LS and CR-LS as two panels."""
    (chart,) = page_components(at)
    assert chart.proto.component_name == "crlso_cloud_chart"
    return json.loads(chart.proto.json)


def _panels_3d(at) -> list[str]:
    """The trace types of the 3-D Plotly chart's panels."""
    (chart,) = at.get("plotly_chart")
    data = json.loads(chart.proto.spec)["data"]
    return [t["type"] for t in data if t.get("name") == "cells"]


def test_without_runs_it_points_to_the_train_page(open_page, empty_store):
    at = open_page("latent", empty_store)
    assert "No trained runs yet" in at.info[0].value


def test_shows_ls_beside_crls_and_a_selected_cell_with_latent_neighbours(open_page, smoke_pair, text_of):
    at = open_page("latent", smoke_pair, run="pair", cell="9930")
    cloud = _cloud(at)
    assert [p["title"] for p in cloud["panels"]] == ["LS (no convexity term)", "CR-LS (convexity-regularised)"]
    assert cloud["title"] == "LS and CR-LS · PCA"
    assert all("mark" in p and len(p["x"]) == len(p["label"]) > 0 for p in cloud["panels"])  # the URL's cell, gold on both sides
    assert [h.value for h in at.subheader][:1] == ["Selected cell"]
    text = text_of(at)
    assert "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|" in [c.value for c in at.code]
    assert "Nearest 10 cells in the LS latent space" in text and "Nearest 10 cells in the CR-LS latent space" in text
    neighbours = at.dataframe[0].value
    assert len(neighbours) == 10 and (neighbours["latent distance"].diff().dropna() >= 0).all()
    at.number_input(key="w-neighbours").set_value(3).run()
    assert len(at.dataframe[0].value) == 3


def test_decodes_a_point_of_the_plane_and_switches_to_3d(open_page, smoke_pair, clean, text_of):
    at = open_page("latent", smoke_pair, run="pair")
    assert "Decode a point of the plane" in [h.value for h in at.subheader]
    assert "maps to a latent code exactly (PCA inverts)" in text_of(at)
    at.radio(key="w-dims").set_value(3).run()
    clean(at)
    assert _panels_3d(at) == ["scatter3d", "scatter3d"]
    # no 2-D chart; the one component left lets the wheel scroll the page over the 3-D cloud
    assert [c.proto.component_name for c in page_components(at)] == ["crlso_wheel_guard"]
    assert "Decode a point of the plane" not in [h.value for h in at.subheader]


def test_an_uncomputed_tsne_offers_a_background_job(open_page, smoke_pair):
    at = open_page("latent", smoke_pair, run="pair")
    at.selectbox(key="proj").select("tsne").run()
    assert "t-SNE of the 15,625 codes is not computed yet" in at.info[0].value
    assert any(b.label == "Compute t-SNE" for b in at.button)
    assert at.query_params["proj"] == "tsne"


def test_a_corrupt_run_file_is_one_clear_message(open_page, smoke_pair, tmp_path, copy_pair):
    root = copy_pair(smoke_pair, tmp_path / "store")
    (root / "pair-crls" / "latent.npz").write_bytes(b"garbage")
    at = open_page("latent", root, expect_clean=False, run="pair")
    assert not at.exception and len(at.error) == 1 and "latent.npz is corrupt" in at.error[0].value


def test_neighbour_tables_put_numbers_first(open_page, smoke_pair):
    at = open_page("latent", smoke_pair, run="pair", cell="9930")
    assert list(at.dataframe[0].value.columns) == ["latent distance", "valid acc", "predicted acc", "cell", "cell string"]


def test_while_a_job_runs_the_projection_offer_gives_way_to_its_progress(open_page, smoke_pair, busy_store, copy_pair, text_of):
    copy_pair(smoke_pair, busy_store)
    at = open_page("latent", busy_store, run="pair", proj="tsne")
    assert not any(b.label.startswith("Compute") for b in at.button)
    assert "train other" in text_of(at)  # the running job is shown instead


def test_a_region_is_lit_on_both_sides_set_against_the_whole_space_and_saved_as_csv(open_page, smoke_pair, text_of, monkeypatch):
    import csv
    import io

    from crlso_app import selection

    offered = []  # what the download button is given (AppTest keeps no file behind a button)
    real = selection.selection_csv
    monkeypatch.setattr(selection, "selection_csv", lambda *a, **k: offered.append(real(*a, **k)) or offered[-1])
    at = open_page("latent", smoke_pair, run="pair", cell="9930")
    # what the chart sends for a box drawn on LS (its left half); the page keeps it under this key
    at.session_state["latent-region"] = {"view": "pair-pca", "panel": 0, "polygon": [[-1e3, -1e3], [0, -1e3], [0, 1e3], [-1e3, 1e3]]}
    at.run()
    (title,) = [h.value for h in at.subheader if h.value.startswith("Selected region in LS")]
    count = int(title.split(": ")[1].split(" cells")[0].replace(",", ""))
    panels = _cloud(at)["panels"]
    left, right = panels[0]["selected"], panels[1]["selected"]
    assert 0 < count < 15_625 and left["total"] == right["total"] == count
    assert sorted(left["label"]) == sorted(right["label"]) and sorted(right["x"]) != sorted(left["x"])  # the same cells, at CR-LS's places
    assert all(x < 0 for x in left["x"])  # the box's cells: left of 0 on LS
    assert "region" in panels[0] and "region" not in panels[1]  # the box is outlined where it was drawn
    assert [len(n["x"]) for n in panels[1]["neighbours"]] == [10, 10]  # the picked cell's neighbours stay marked
    text = text_of(at)
    assert "(whole space " in text and "(space's best " in text and "top-5 % cells" in text and "The same cells are lit in CR-LS" in text
    (button,) = at.get("download_button")
    assert button.proto.label == f"Download the {count:,} cells as CSV"
    lines = list(csv.reader(io.StringIO(offered[-1].decode())))
    assert lines[0] == ["cell string", "valid acc", "test acc", "LS predicted acc", "CR-LS predicted acc"]
    assert len(lines) == count + 1 and float(lines[1][1]) >= float(lines[-1][1])  # every cell of the region, best first
    # a lasso on CR-LS (a triangle): the same, the other way round
    at.session_state["latent-region"] = {"view": "pair-pca", "panel": 1, "polygon": [[0, 0], [1e3, 0], [0, 1e3]]}
    at.run()
    assert any(h.value.startswith("Selected region in CR-LS: ") for h in at.subheader)
    panels = _cloud(at)["panels"]
    assert "region" in panels[1] and "region" not in panels[0]
    left, right = panels[0]["selected"], panels[1]["selected"]
    assert sorted(left["label"]) == sorted(right["label"]) and all(x > 0 for x in right["x"])
    assert "The same cells are lit in LS" in text_of(at)
