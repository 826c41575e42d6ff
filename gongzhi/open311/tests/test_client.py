"""A real third-party Open311 client from PyPI (civicbot's GeoReport v2 client) against a live server.

Why civicbot: `open311` 1.1 and `three` 0.8.0 are Python 2 code (implicit relative
imports, itertools.ifilter) and do not import on Python 3.11; `georeport` 0.3.1 runs
but can only read (no POST). civicbot 0.4.0 has no dependencies and covers reads and
writes.
"""

from __future__ import annotations

import pytest

from gongzhi.cases.models import Case


@pytest.fixture
def georeport(live_server, tcatalogue):
    from civicbot.http import HttpTransport, RateLimiter
    from civicbot.open311 import Open311Client
    from civicbot.registry import Endpoint

    endpoint = Endpoint(id="gongzhi-test", name="Gongzhi", base_url=f"{live_server.url}/open311/v2", write=True)
    # The library is polite to real cities (one call per 0.5 s per host); not needed on loopback.
    transport = HttpTransport(rate_limiter=RateLimiter(min_interval=0.0), timeout=20)
    return Open311Client(endpoint, transport)


@pytest.mark.django_db(transaction=True)
def test_a_third_party_open311_client_lists_posts_fetches_and_filters(georeport, tcatalogue):
    from civicbot.open311 import CONFIRM_TOKEN

    from gongzhi.open311.services import open311_key_create

    _key, api_key = open311_key_create(actor=None, organisation=tcatalogue.orgs["public-works"], name="client test")

    services = georeport.list_services()
    assert "pothole" in {s["service_code"] for s in services}
    definition = georeport.get_service_definition("pothole")
    assert definition["attributes"][0]["code"] == "size"

    grid = tcatalogue.grid(1, 2)
    prepared = georeport.create_request(
        "pothole", dry_run=False, confirm=CONFIRM_TOKEN, api_key=api_key, validate_remote=True,
        lat=grid.centroid_lat, lng=grid.centroid_lon, description="Deep pothole in front of the school gate.",
        attributes={"size": "large"}, first_name="Mei", phone="13800138000",
    )
    number = prepared.response[0]["service_request_id"]
    case = Case.objects.get(number=number)
    assert case.channel == "open311" and case.attributes == {"size": "large"}

    fetched = georeport.get_request(number)
    assert fetched["service_request_id"] == number and fetched["status"] == "open"
    assert fetched["service_code"] == "pothole"

    open_potholes = georeport.list_requests(service_code="pothole", status="open")
    assert number in {r["service_request_id"] for r in open_potholes}
    assert georeport.list_requests(service_code="pothole", status="closed") == []
    assert [r["service_request_id"] for r in georeport.list_requests(service_request_ids=[number])] == [number]
