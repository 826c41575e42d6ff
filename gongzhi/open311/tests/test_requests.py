"""GeoReport v2 services and requests, in JSON and XML, with the spec's errors."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from gongzhi.cases.models import Case
from gongzhi.open311.services import open311_key_create


@pytest.fixture
def key(catalogue):
    return open311_key_create(actor=None, organisation=catalogue.orgs["public-works"])[1]


def post(client, key, cast, **fields):
    grid = cast.grid(1, 2)
    data = {"api_key": key, "service_code": "pothole", "lat": grid.centroid_lat, "long": grid.centroid_lon,
            "description": "A deep pothole at the bus stop.", **fields}
    return client.post("/open311/v2/requests.json", {k: v for k, v in data.items() if v is not None})


def test_services_are_the_leaf_categories_with_metadata_when_they_have_questions(client, catalogue):
    services = client.get("/open311/v2/services.json").json()
    pothole = next(s for s in services if s["service_code"] == "pothole")
    assert pothole["metadata"] is True and pothole["type"] == "realtime" and pothole["group"]
    assert not any(s["service_code"] == "city" for s in services)  # a group, not a service
    root = ET.fromstring(client.get("/open311/v2/services.xml").content)
    assert root.tag == "services" and len(root.findall("service")) == len(services)


@pytest.mark.parametrize("path", ["services/pothole.json", "service/pothole.json", "services/pothole.json/",
                                  "services/pothole"])
def test_service_definition_from_the_categorys_questions_on_tolerant_paths(client, catalogue, path):
    body = client.get(f"/open311/v2/{path}").json()
    attribute = body["attributes"][0]
    assert body["service_code"] == "pothole"
    assert attribute["code"] == "size" and attribute["datatype"] == "singlevaluelist" and attribute["order"] == 1
    assert {v["key"] for v in attribute["values"]} == {"small", "large"}


def test_an_unknown_service_is_a_404(client, catalogue):
    response = client.get("/open311/v2/services/nope.xml")
    assert response.status_code == 404
    assert ET.fromstring(response.content).find("error/code").text == "404"


def test_posting_a_request_files_an_open311_case(client, catalogue, key):
    response = post(client, key, catalogue, **{"attribute[size]": "large", "first_name": "Mei", "last_name": "Wang",
                                               "phone": "13800138000"})
    assert response.status_code == 200, response.content
    number = response.json()[0]["service_request_id"]
    case = Case.objects.get(number=number)
    assert case.channel == "open311" and case.attributes == {"size": "large"}
    assert case.caller_name == "Mei Wang" and case.area.code == "JC.LJ.XH.C1.G02"


def test_api_key_is_accepted_in_the_query_string(client, catalogue, key):
    grid = catalogue.grid(1, 2)
    response = client.post(f"/open311/v2/requests.xml?api_key={key}&jurisdiction_id=",
                           {"service_code": "pothole", "lat": grid.centroid_lat, "long": grid.centroid_lon,
                            "description": "A deep pothole at the bus stop."})
    assert response.status_code == 200, response.content
    assert ET.fromstring(response.content).find("request/service_request_id").text


def test_a_json_body_is_tolerated(client, catalogue, key):
    grid = catalogue.grid(1, 2)
    response = client.post("/open311/v2/requests.json", {
        "api_key": key, "service_code": "pothole", "lat": grid.centroid_lat, "long": grid.centroid_lon,
        "description": "A deep pothole at the bus stop.", "attribute": {"size": "small"}}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert Case.objects.get(number=response.json()[0]["service_request_id"]).attributes == {"size": "small"}


def test_an_address_alone_is_enough_and_media_url_is_kept(client, catalogue, key):
    response = post(client, key, catalogue, lat=None, long=None, address_string="12 Liu'an Road",
                    media_url="https://example.org/p.jpg")
    assert response.status_code == 200, response.content
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    assert case.address == "12 Liu'an Road" and "https://example.org/p.jpg" in case.description


@pytest.mark.parametrize(("fields", "status", "words"), [
    ({"api_key": None}, 403, "api_key"),
    ({"api_key": "o311_bad_key"}, 403, "api_key"),
    ({"service_code": None}, 400, "service_code"),
    ({"service_code": "nope"}, 404, "service_code"),
    ({"lat": None, "long": None}, 400, "location"),
    ({"long": None}, 400, "long"),
    ({"lat": "north"}, 400, "lat"),
    ({"lat": "10", "long": "10"}, 400, "outside"),
    ({"lat": "91"}, 400, "lat"),
    ({"attribute[size]": "enormous"}, 400, "attribute[size]"),
    ({"description": "ab"}, 400, "description"),
    ({"phone": "call me"}, 400, "phone"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
])
def test_bad_posts_get_the_spec_error_format_and_write_nothing(client, catalogue, key, fields, status, words):
    before = Case.objects.count()
    response = post(client, key, catalogue, **fields)
    assert response.status_code == status, response.content
    errors = response.json()
    assert errors and all(e["code"] == status for e in errors)
    assert any(words in e["description"] for e in errors), errors
    assert Case.objects.count() == before


def test_malformed_json_body_is_a_400(client, catalogue):
    response = client.post("/open311/v2/requests.json", "{nope", content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.json()[0]["description"]


def _filed(client, key, cast, n=1):
    return [post(client, key, cast).json()[0]["service_request_id"] for _ in range(n)]


def test_get_a_request_shows_public_fields_only(client, catalogue, key):
    number = _filed(client, key, catalogue)[0]
    Case.objects.filter(number=number).update(description="Call me on 13800138000 about it.")
    body = client.get(f"/open311/v2/requests/{number}.json").json()
    assert len(body) == 1
    request = body[0]
    assert request["service_request_id"] == number and request["status"] == "open"
    assert "13800138000" not in request["description"]
    assert request["lat"] == round(catalogue.grid(1, 2).centroid_lat, 3)
    assert request["requested_datetime"] and request["expected_datetime"]
    assert set(request) >= {"status_notes", "agency_responsible", "service_notice", "updated_datetime", "address",
                            "address_id", "zipcode", "media_url"}


def test_a_private_case_is_not_found(client, catalogue, key):
    number = _filed(client, key, catalogue)[0]
    Case.objects.filter(number=number).update(is_public=False)
    assert client.get(f"/open311/v2/requests/{number}.json").status_code == 404
    assert number not in [r["service_request_id"] for r in client.get("/open311/v2/requests.json").json()]


@pytest.mark.pg
def test_list_filters_by_ids_code_status_and_dates(client, catalogue, key):
    a, b = _filed(client, key, catalogue, 2)
    Case.objects.filter(number=b).update(status="closed", closed_at=timezone.now())
    listed = {r["service_request_id"]: r for r in client.get("/open311/v2/requests.json").json()}
    assert {a, b} <= set(listed) and listed[b]["status"] == "closed"
    by_id = {r["service_request_id"] for r in client.get(f"/open311/v2/requests.json?service_request_id={a},{b}").json()}
    assert by_id == {a, b}
    opened = {r["service_request_id"] for r in client.get("/open311/v2/requests.json?status=open").json()}
    assert a in opened and b not in opened
    assert a not in {r["service_request_id"] for r in client.get("/open311/v2/requests.json?service_code=litter").json()}
    assert a in {r["service_request_id"] for r in client.get("/open311/v2/requests.json?service_code=litter,pothole").json()}
    future = (timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert client.get(f"/open311/v2/requests.json?start_date={future}").json() == []


@pytest.mark.pg
def test_old_requests_fall_outside_the_default_90_days(client, catalogue, key):
    number = _filed(client, key, catalogue)[0]
    Case.objects.filter(number=number).update(submitted_at=timezone.now() - dt.timedelta(days=120))
    assert number not in [r["service_request_id"] for r in client.get("/open311/v2/requests.json").json()]
    start = (timezone.now() - dt.timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert number in [r["service_request_id"] for r in client.get(f"/open311/v2/requests.json?start_date={start}").json()]


@pytest.mark.parametrize("query", ["start_date=yesterday", "status=sleeping", "page_size=-1",
                                   "start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z"])
def test_bad_list_parameters_are_400s(client, catalogue, query):
    response = client.get(f"/open311/v2/requests.json?{query}")
    assert response.status_code == 400 and response.json()[0]["code"] == 400


def test_jurisdiction_limits_requests_to_an_area(client, catalogue, key):
    number = _filed(client, key, catalogue)[0]
    inside = client.get("/open311/v2/requests.json?jurisdiction_id=JC.LJ.XH.C1").json()
    outside = client.get("/open311/v2/requests.json?jurisdiction_id=JC.LJ.XH.C2").json()
    assert number in [r["service_request_id"] for r in inside]
    assert number not in [r["service_request_id"] for r in outside]


def test_requests_in_xml(client, catalogue, key):
    number = _filed(client, key, catalogue)[0]
    root = ET.fromstring(client.get(f"/open311/v2/requests/{number}.xml").content)
    assert root.tag == "service_requests" and root.find("request/service_request_id").text == number


def test_token_lookup_returns_the_request_id(client, catalogue, key):
    number = _filed(client, key, catalogue)[0]
    assert client.get(f"/open311/v2/tokens/{number}.json").json() == [{"service_request_id": number, "token": number}]
    assert client.get("/open311/v2/tokens/nothing.json").status_code == 404


@pytest.mark.pg
def test_a_retried_post_with_an_idempotency_key_files_one_case(client, catalogue, key):
    grid = catalogue.grid(1, 2)
    data = {"api_key": key, "service_code": "pothole", "lat": grid.centroid_lat, "long": grid.centroid_lon,
            "description": "A deep pothole at the bus stop."}
    first = client.post("/open311/v2/requests.json", data, headers={"Idempotency-Key": "o-1"})
    second = client.post("/open311/v2/requests.json", data, headers={"Idempotency-Key": "o-1"})
    assert first.json() == second.json()
    assert Case.objects.filter(channel="open311").count() == 1
