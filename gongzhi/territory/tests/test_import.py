from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from gongzhi.core.errors import ValidationFailed
from gongzhi.territory.models import Area
from gongzhi.territory.services import areas_import_geojson
from gongzhi.territory.spatial import area_for_point, grid_for_point

pytestmark = pytest.mark.pg


def square(x, y, size=0.01):
    return {"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]}


def feature(code, kind, parent, geometry, name="名"):
    return {"type": "Feature", "geometry": geometry, "properties": {"code": code, "kind": kind, "parent": parent, "name_zh": name, "name_en": "N"}}


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def good_file():
    return collection(
        feature("NC", "city", None, square(100, 10, 1)),
        feature("NC.D", "district", "NC", square(100, 10, 0.5)),
        feature("NC.D.S", "street", "NC.D", square(100, 10, 0.1)),
        feature("NC.D.S.C", "community", "NC.D.S", square(100, 10, 0.02)),
        feature("NC.D.S.C.G1", "grid", "NC.D.S.C", square(100, 10)),
        feature("NC.D.S.C.G2", "grid", "NC.D.S.C", square(100.01, 10)),
    )


def test_good_file_imports_every_level_and_point_lookup_finds_the_grid(db):
    report = areas_import_geojson(actor=None, data=good_file())
    assert len(report.created) == 6
    grid = grid_for_point(10.005, 100.015)
    assert grid is not None and grid.code == "NC.D.S.C.G2"
    assert grid_for_point(10.5, 100.5) is None
    assert area_for_point(10.015, 100.015).code == "NC.D.S.C"


def test_reimport_updates_instead_of_duplicating(db):
    areas_import_geojson(actor=None, data=good_file())
    report = areas_import_geojson(actor=None, data=good_file())
    assert len(report.updated) == 6 and not report.created
    assert Area.objects.filter(code__startswith="NC").count() == 6


BOWTIE = {"type": "Polygon", "coordinates": [[[100, 10], [100.01, 10.01], [100.01, 10], [100, 10.01], [100, 10]]]}


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda f: f["features"][4].update(geometry=BOWTIE), "invalid polygon"),
        (lambda f: f["features"][5].update(geometry=square(100.005, 10)), "overlaps grid"),
        (lambda f: f["features"][5]["properties"].update(parent="NC.D.S.X"), "unknown parent"),
        (lambda f: f["features"][5]["properties"].update(code="NC.D.S.C.G1"), "duplicate code"),
        (lambda f: f["features"][5]["properties"].update(kind="planet"), "unknown kind"),
        (lambda f: f["features"][5].update(geometry={"type": "Point", "coordinates": [1, 2]}), "Polygon or MultiPolygon"),
        (lambda f: f["features"][5].update(geometry=square(300, 10)), "outside longitude"),
        (lambda f: f["features"][5]["properties"].update(code="OTHER.G2"), "must start with its parent"),
        (lambda f: f["features"][2]["properties"].update(kind="grid"), "cannot sit under"),
    ],
)
def test_each_problem_names_the_feature_and_nothing_is_half_imported(db, mutate, needle):
    data = good_file()
    mutate(data)
    with pytest.raises(ValidationFailed) as error:
        areas_import_geojson(actor=None, data=data)
    flat = [f"{where}: {msg}" for where, msgs in error.value.errors.items() for msg in msgs]
    assert any(needle in line and "feature" in line for line in flat), flat
    assert not Area.objects.filter(code__startswith="NC").exists()


def test_overlap_with_a_stored_grid_is_caught(cast):
    intruder = collection(feature("JC.LJ.XH.C1.G99", "grid", "JC.LJ.XH.C1", square(121.462, 31.222, 0.002)))
    with pytest.raises(ValidationFailed) as error:
        areas_import_geojson(actor=None, data=intruder)
    assert "overlaps grid JC.LJ.XH.C1.G01" in json.dumps(error.value.errors, ensure_ascii=False)


def test_not_a_feature_collection_is_refused(db):
    with pytest.raises(ValidationFailed):
        areas_import_geojson(actor=None, data={"type": "Feature"})


def test_command_reports_problems_and_imports_good_files(db, tmp_path):
    bad = tmp_path / "bad.geojson"
    data = good_file()
    data["features"][4]["geometry"] = BOWTIE
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match=r"NC\.D\.S\.C\.G1"):
        call_command("import_areas", str(bad))
    good = tmp_path / "good.geojson"
    good.write_text(json.dumps(good_file()), encoding="utf-8")
    call_command("import_areas", str(good))
    assert Area.objects.filter(code__startswith="NC").count() == 6
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not a UTF-8 JSON"):
        call_command("import_areas", str(broken))


def test_admin_upload_page_shows_problems_and_imports(cast, login, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(cast, "admin")
    data = good_file()
    data["features"][5]["geometry"] = square(100.005, 10)
    response = client.post("/areas/import/", {"file": SimpleUploadedFile("a.geojson", json.dumps(data).encode())})
    assert response.status_code == 400
    assert "NC.D.S.C.G1" in response.content.decode()  # the feature is named, in the admin's language
    response = client.post("/areas/import/", {"file": SimpleUploadedFile("a.geojson", b"\xff\xfe")})
    assert response.status_code == 400
    response = client.post("/admin/territory/area/import/", {"file": SimpleUploadedFile("a.geojson", json.dumps(good_file()).encode())})
    assert response.status_code == 302
    assert Area.objects.filter(code__startswith="NC").count() == 6
    assert login(cast, "resident").get("/areas/import/").status_code == 404


def test_demo_grids_do_not_overlap_and_cover_their_communities(cast):
    from shapely.geometry import shape

    grids = Area.objects.filter(kind="grid", code__startswith="JC.LJ.XH")
    assert grids.count() == 12
    shapes = [shape(g.geometry) for g in grids]
    for i, a in enumerate(shapes):
        assert a.is_valid
        for b in shapes[i + 1:]:
            assert a.intersection(b).area < 1e-10
    for g in grids:
        lookup = grid_for_point(g.centroid_lat, g.centroid_lon)
        assert lookup is not None and lookup.code == g.code


def test_geojson_endpoint_validates_the_kind(client, cast):
    assert client.get("/areas/geojson/?kind=grid").json()["features"]
    response = client.get("/areas/geojson/?kind=moon")
    assert response.status_code == 400 and "kind" in response.json()["errors"]
