from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from gongzhi.open311.models import Open311Key
from gongzhi.open311.render import to_xml
from gongzhi.open311.services import (
    open311_key_authenticate,
    open311_key_create,
    open311_key_revoke,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def test_open311_key_command_prints_a_working_key(cast):
    out = io.StringIO()
    call_command("open311_key", "create", "--organisation", "public-works", "--name", "city app", stdout=out)
    raw = out.getvalue().strip()
    key = open311_key_authenticate(raw)
    assert key is not None and key.organisation.code == "public-works"
    assert raw not in key.key_hash


def test_open311_key_command_names_an_unknown_organisation(cast):
    with pytest.raises(CommandError, match="nope"):
        call_command("open311_key", "create", "--organisation", "nope")


def test_revoked_or_mistyped_keys_do_not_authenticate(cast):
    key, raw = open311_key_create(actor=None, organisation=cast.orgs["public-works"])
    assert open311_key_authenticate(raw[:-2] + "xx") is None
    open311_key_revoke(actor=cast.admin, key=key)
    assert open311_key_authenticate(raw) is None
    assert Open311Key.objects.get(pk=key.pk).revoked_at is not None


@pytest.mark.parametrize("path", ["discovery.json", "discovery.json/", "discovery", "discovery/",
                                  "discovery.json?jurisdiction_id=", "discovery.json?jurisdiction_id=gongzhi"])
def test_discovery_tolerates_slashes_extensions_and_empty_jurisdiction(client, path):
    response = client.get(f"/open311/v2/{path}")
    assert response.status_code == 200
    body = response.json()
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert "text/xml" in body["endpoints"][0]["formats"]


def test_discovery_in_xml(client):
    response = client.get("/open311/v2/discovery.xml")
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "discovery"
    assert [f.text for f in root.iter("format")] == ["application/json", "text/xml"]


def test_an_unknown_jurisdiction_is_a_404_in_the_spec_error_format(client):
    response = client.get("/open311/v2/discovery.json?jurisdiction_id=atlantis")
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": response.json()[0]["description"]}]
    assert "atlantis" in response.json()[0]["description"]


def test_errors_in_xml_follow_the_spec(client):
    response = client.get("/open311/v2/nothing-here.xml")
    assert response.status_code == 404
    root = ET.fromstring(response.content)
    assert root.tag == "errors" and root.find("error/code").text == "404"
    assert root.find("error/description").text


def test_an_unknown_format_is_a_400(client):
    response = client.get("/open311/v2/discovery.csv")
    assert response.status_code == 400 and ".csv" in response.json()[0]["description"]


def test_a_wrong_method_is_a_405_with_allow(client):
    response = client.post("/open311/v2/discovery.json")
    assert response.status_code == 405 and response["Allow"] == "GET"
    assert response.json()[0]["code"] == 405


def test_rate_limit_answers_in_the_open311_format(client, settings):
    settings.GONGZHI_API_RATE_IP = "1/60"
    client.get("/open311/v2/discovery.xml")
    response = client.get("/open311/v2/discovery.xml")
    assert response.status_code == 429 and response["Retry-After"]
    assert ET.fromstring(response.content).find("error/code").text == "429"


def test_xml_escapes_markup_and_drops_characters_xml_cannot_hold():
    raw = to_xml("service_requests", [{"description": "<b>&\"x\"</b>\x01 ok", "flag": True, "none": None}])
    root = ET.fromstring(raw)
    request = root.find("request")
    assert request.find("description").text == "<b>&\"x\"</b> ok"
    assert request.find("flag").text == "true" and request.find("none").text is None


def test_json_errors_are_lists_of_code_and_description(client):
    body = json.loads(client.get("/open311/v2/nope.json").content)
    assert isinstance(body, list) and set(body[0]) == {"code", "description"}


def test_admin_issues_a_key_and_shows_it_once(cast, login):
    client = login(cast, "admin")
    response = client.post("/admin/open311/open311key/add/",
                           {"organisation": cast.orgs["public-works"].pk, "name": "city app"}, follow=True)
    assert response.status_code == 200
    key = Open311Key.objects.get(name="city app")
    import re

    raw = re.search(r"o311_[A-Za-z0-9_-]+", " ".join(str(m) for m in response.context["messages"])).group(0)
    assert open311_key_authenticate(raw) == key


def test_a_huge_body_is_a_413_in_the_spec_format(client, settings):
    settings.GONGZHI_API_MAX_BODY = 100
    response = client.post("/open311/v2/requests.json", {"description": "x" * 500})
    assert response.status_code == 413 and response.json()[0]["code"] == 413


def test_an_xml_body_is_refused_with_a_precise_400_not_a_crash(client, cast):
    from gongzhi.open311.services import open311_key_create

    _key, raw = open311_key_create(actor=None, organisation=cast.orgs["public-works"])
    response = client.post(f"/open311/v2/requests.xml?api_key={raw}", "<service_request><oops",
                           content_type="text/xml")
    assert response.status_code == 400
    assert "service_code" in ET.fromstring(response.content).find("error/description").text
