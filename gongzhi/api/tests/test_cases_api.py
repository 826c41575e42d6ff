"""Contract tests of the case endpoints: create, list, detail, timeline, actions, scope."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from gongzhi.cases.models import Case

from .test_http import assert_error_shape


def case_body(cast, **extra):
    grid = cast.grid(1, 2)
    return {"category": "pothole", "description": "A deep pothole at the corner of Liu'an Road.",
            "lat": grid.centroid_lat, "lon": grid.centroid_lon, **extra}


def test_categories_list_their_extra_questions(client, catalogue):
    body = client.get("/api/v1/categories").json()
    pothole = next(c for c in body if c["code"] == "pothole")
    assert pothole["questions"][0]["code"] == "size"
    assert {v["key"] for v in pothole["questions"][0]["values"]} == {"small", "large"}


def test_resident_files_a_case_and_gets_201_with_location(api_as, catalogue):
    response = api_as("resident").post("/api/v1/cases", case_body(catalogue, attributes={"size": "large"}))
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(number=body["number"])
    assert case.channel == "api" and case.reporter == catalogue.resident
    assert case.area.code == "JC.LJ.XH.C1.G02" and case.attributes == {"size": "large"}
    assert response["Location"] == f"/api/v1/cases/{case.number}"
    assert "withdraw" in body["allowed_actions"]


@pytest.mark.pg
def test_same_idempotency_key_files_one_case(api_as, catalogue):
    client = api_as("resident")
    first = client.post("/api/v1/cases", case_body(catalogue), key="case-1")
    second = client.post("/api/v1/cases", case_body(catalogue), key="case-1")
    assert first.status_code == second.status_code == 201
    assert first.json()["number"] == second.json()["number"]
    assert Case.objects.filter(reporter=catalogue.resident, channel="api").count() == 1
    refused = client.post("/api/v1/cases", case_body(catalogue, description="Something else entirely."), key="case-1")
    assert_error_shape(refused, 422, "idempotency_key_reused")
    assert Case.objects.filter(reporter=catalogue.resident, channel="api").count() == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"category": "no-such-category"}, "category"),
    ({"lat": 10.0, "lon": 10.0}, "lat"),
    ({"lat": 95.0}, "lat"),
    ({"lat": "north"}, "lat"),
    ({"description": "ab"}, "description"),
    ({"description": 42}, "description"),
    ({"attributes": {"size": "enormous"}}, "attr_size"),
    ({"urgency": "yesterday"}, "urgency"),
    ({"lon": None}, "lat"),
])
def test_bad_case_input_is_a_400_naming_the_field_and_writes_nothing(api_as, catalogue, change, field):
    before = Case.objects.count()
    body = assert_error_shape(api_as("resident").post("/api/v1/cases", case_body(catalogue, **change)), 400)
    assert field in body["errors"], body
    assert Case.objects.count() == before


def test_missing_required_fields_are_named(api_as, catalogue):
    body = assert_error_shape(api_as("resident").post("/api/v1/cases", {}), 400, "validation_failed")
    assert {"category", "description"} <= set(body["errors"])


def test_a_read_only_token_cannot_file_a_case(api_as, catalogue):
    assert_error_shape(api_as("resident", scope="read").post("/api/v1/cases", case_body(catalogue)), 403, "forbidden")
    assert not Case.objects.filter(channel="api").exists()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (200, 80, 40)).save(out, format="JPEG")
    return out.getvalue()


def test_a_case_with_photos_is_filed_as_multipart(api_as, catalogue):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api_as("resident")
    grid = catalogue.grid(1, 2)
    response = client.client.post(
        "/api/v1/cases/upload",
        {"category": "pothole", "description": "A pothole, see the photo.", "lat": grid.centroid_lat,
         "lon": grid.centroid_lon, "attribute[size]": "small",
         "photos": [SimpleUploadedFile("a.jpg", _jpeg(), "image/jpeg")]},
        headers=client.headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["photos"]) == 1 and body["attributes"] == {"size": "small"}
    photo = client.client.get(body["photos"][0]["url"], headers=client.headers)
    assert photo.status_code == 200


def test_a_file_that_is_not_an_image_is_refused(api_as, catalogue):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api_as("resident")
    response = client.client.post(
        "/api/v1/cases/upload",
        {"category": "pothole", "description": "A pothole, see the photo.",
         "photos": [SimpleUploadedFile("a.jpg", b"not an image at all", "image/jpeg")]},
        headers=client.headers,
    )
    body = assert_error_shape(response, 400)
    assert "photos" in body["errors"]
    assert not Case.objects.filter(channel="api").exists()


def _file(client, cast, n=1):
    return [client.post("/api/v1/cases", case_body(cast, description=f"Pothole number {i} on the road.")).json()["number"]
            for i in range(n)]


@pytest.mark.pg
def test_list_is_scoped_to_the_caller_and_paginated_by_cursor(api_as, catalogue):
    mine = _file(api_as("resident"), catalogue, 3)
    theirs = _file(api_as("resident2"), catalogue, 1)
    client = api_as("resident")
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/cases?limit=2" + (f"&cursor={cursor}" if cursor else "")).json()
        seen += [c["number"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert set(mine) <= set(seen) and not set(theirs) & set(seen)
    assert len(seen) == len(set(seen))


@pytest.mark.pg
def test_list_filters_by_status_category_and_area(api_as, catalogue):
    client = api_as("resident")
    number = _file(client, catalogue)[0]
    assert number in [c["number"] for c in client.get("/api/v1/cases?status=submitted&category=pothole").json()["items"]]
    assert number in [c["number"] for c in client.get("/api/v1/cases?status=open&area=JC.LJ.XH.C1").json()["items"]]
    assert client.get("/api/v1/cases?status=closed").json()["items"] == []
    assert client.get("/api/v1/cases?area=JC.LJ.XH.C2").json()["items"] == []
    assert_error_shape(client.get("/api/v1/cases?status=sleeping"), 400, "validation_failed")
    assert "category" in assert_error_shape(client.get("/api/v1/cases?category=nope"), 400)["errors"]


def test_someone_elses_case_is_not_found(api_as, catalogue):
    number = _file(api_as("resident"), catalogue)[0]
    other = api_as("resident2")
    assert_error_shape(other.get(f"/api/v1/cases/{number}"), 404, "not_found")
    assert_error_shape(other.get(f"/api/v1/cases/{number}/timeline"), 404, "not_found")
    assert_error_shape(other.post(f"/api/v1/cases/{number}/actions/withdraw", {}), 404, "not_found")
    assert Case.objects.get(number=number).status == "submitted"


def test_detail_has_an_etag_that_changes_with_the_case(api_as, catalogue):
    client = api_as("resident")
    number = _file(client, catalogue)[0]
    first = client.get(f"/api/v1/cases/{number}")
    assert client.get(f"/api/v1/cases/{number}", **{"If-None-Match": first["ETag"]}).status_code == 304
    client.post(f"/api/v1/cases/{number}/actions/withdraw", {"note": "Fixed already."})
    changed = client.get(f"/api/v1/cases/{number}", **{"If-None-Match": first["ETag"]})
    assert changed.status_code == 200 and changed.json()["status"] == "withdrawn"


def test_the_whole_life_of_a_case_through_the_api(api_as, catalogue):
    resident, operator, clerk = api_as("resident"), api_as("operator"), api_as("clerk")
    number = _file(resident, catalogue)[0]
    assert "dispatch" in [a["action"] for a in operator.get(f"/api/v1/cases/{number}/actions").json()]
    steps = [
        (operator, "dispatch", {"lead": "public-works", "note": "Road surface."}),
        (clerk, "accept", {}),
        (clerk, "start", {}),
        (clerk, "note", {"text": "Crew booked for Tuesday.", "is_public": True}),
        (clerk, "reply", {"text": "The pothole was filled on Tuesday."}),
    ]
    for client, action, body in steps:
        response = client.post(f"/api/v1/cases/{number}/actions/{action}", body)
        assert response.status_code == 200, (action, response.content)
    status = Case.objects.get(number=number).status
    if status == "reply_pending":
        assert api_as("head").post(f"/api/v1/cases/{number}/actions/approve_reply", {}).status_code == 200
    evaluated = resident.post(f"/api/v1/cases/{number}/actions/evaluate", {"resolved": True, "satisfaction": 5})
    assert evaluated.status_code == 200, evaluated.content
    assert evaluated.json()["status"] == "closed"
    kinds = [e["kind"] for e in resident.get(f"/api/v1/cases/{number}/timeline").json()]
    assert kinds[0] == "submitted" and "evaluated" in kinds


def test_an_action_not_allowed_now_is_a_409_listing_what_is(api_as, catalogue):
    operator = api_as("operator")
    number = _file(api_as("resident"), catalogue)[0]
    body = assert_error_shape(operator.post(f"/api/v1/cases/{number}/actions/accept", {}), 409)
    assert body["code"] in ("transition_not_allowed", "forbidden")


def test_an_action_the_caller_may_not_take_is_refused_and_changes_nothing(api_as, catalogue):
    number = _file(api_as("resident"), catalogue)[0]
    response = api_as("resident").post(f"/api/v1/cases/{number}/actions/dispatch", {"lead": "public-works"})
    assert response.status_code in (403, 404, 409)
    assert_error_shape(response, response.status_code)
    assert Case.objects.get(number=number).status == "submitted"


def test_action_input_errors_name_the_field(api_as, catalogue):
    number = _file(api_as("resident"), catalogue)[0]
    operator = api_as("operator")
    body = assert_error_shape(operator.post(f"/api/v1/cases/{number}/actions/dispatch", {"lead": "no-such-dept"}), 400)
    assert "lead" in body["errors"]
    body = assert_error_shape(operator.post(f"/api/v1/cases/{number}/actions/reject", {}), 400)
    assert "reason" in body["errors"]
    assert_error_shape(operator.post(f"/api/v1/cases/{number}/actions/fly", {}), 400, "validation_failed")


@pytest.mark.pg
def test_a_stale_version_is_a_conflict(api_as, catalogue):
    resident = api_as("resident")
    number = _file(resident, catalogue)[0]
    version = resident.get(f"/api/v1/cases/{number}").json()["version"]
    api_as("operator").post(f"/api/v1/cases/{number}/actions/dispatch", {"lead": "public-works"})
    response = resident.post(f"/api/v1/cases/{number}/actions/withdraw", {"version": version})
    assert_error_shape(response, 409)


def test_case_output_carries_no_contact_details(api_as, catalogue):
    number = _file(api_as("resident"), catalogue)[0]
    text = json.dumps(api_as("committee").get(f"/api/v1/cases/{number}").json())
    assert "caller_phone" not in text and "reporter" not in text and catalogue.resident.username not in text


@pytest.mark.pg
def test_listing_cases_costs_the_same_queries_for_3_or_8_cases(api_as, catalogue):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_as("resident")
    _file(client, catalogue, 3)
    client.get("/api/v1/cases?limit=20")  # warm the caches of memberships and the calendar
    with CaptureQueriesContext(connection) as three:
        assert len(client.get("/api/v1/cases?limit=20").json()["items"]) == 3
    _file(client, catalogue, 5)
    client.get("/api/v1/cases?limit=20")
    with CaptureQueriesContext(connection) as eight:
        assert len(client.get("/api/v1/cases?limit=20").json()["items"]) == 8
    assert len(eight) == len(three) <= 12, [q["sql"][:120] for q in eight.captured_queries]


@pytest.fixture
def library_entry(db):
    from gongzhi.mediation.services import legal_basis_save

    return legal_basis_save(actor=None, code="petition-work-regulations", kind="regulation",
                            title_zh="信访工作条例", title_en="Regulations on Petition Work")


def test_a_rejection_cites_library_codes_which_the_timeline_returns(api_as, catalogue, library_entry):
    number = _file(api_as("resident"), catalogue)[0]
    response = api_as("operator").post(f"/api/v1/cases/{number}/actions/reject",
                                       {"reason": "A court matter.", "legal_bases": ["petition-work-regulations"]})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "rejected"
    rejected = [e for e in api_as("resident").get(f"/api/v1/cases/{number}/timeline").json()
                if e["kind"] == "rejected"]
    assert [e["legal_bases"] for e in rejected] == [["petition-work-regulations"]]


def test_an_unknown_library_code_is_a_400_on_legal_bases_and_changes_nothing(api_as, catalogue, library_entry):
    number = _file(api_as("resident"), catalogue)[0]
    body = assert_error_shape(api_as("operator").post(
        f"/api/v1/cases/{number}/actions/reject",
        {"reason": "A court matter.", "legal_bases": ["petition-work-regulations", "no-such-law"]}), 400)
    assert set(body["errors"]) == {"legal_bases"}
    assert Case.objects.get(number=number).status == "submitted"


def test_the_free_text_legal_basis_still_works_for_clients_that_send_it(api_as, catalogue):
    number = _file(api_as("resident"), catalogue)[0]
    response = api_as("operator").post(f"/api/v1/cases/{number}/actions/reject",
                                       {"reason": "Not public.", "legal_basis": "Art. 1"})
    assert response.status_code == 200, response.content
    event = Case.objects.get(number=number).events.get(kind="rejected")
    assert (event.data["legal_basis"], event.data["legal_bases"]) == ("Art. 1", [])
