"""Contract of the JSON API's edges: auth, the error shape, idempotency, limits, CORS, ETags."""

from __future__ import annotations

import json

import pytest

from gongzhi.api.models import IdempotencyRecord
from gongzhi.notifications.models import Notification

pytestmark = pytest.mark.django_db

def assert_error_shape(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = json.loads(response.content)
    assert set(body) >= {"code", "message", "errors"}
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], dict)
    if code:
        assert body["code"] == code
    return body


def test_missing_credentials_get_401_in_the_error_shape(client):
    response = client.get("/api/v1/me")
    assert_error_shape(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer gz_abc_def", "Bearer "])
def test_invalid_tokens_get_401_with_a_precise_message(client, header):
    body = assert_error_shape(client.get("/api/v1/me", headers={"Authorization": header}), 401, "unauthenticated")
    assert "token" in body["message"].lower() or "authentication" in body["message"].lower()


def test_a_token_acts_as_its_owner(api_as):
    body = api_as("clerk").get("/api/v1/me").json()
    assert body["username"] == "clerk" and body["auth"] == "token" and "staff" in body["roles"]


def test_session_authentication_works_for_the_sites_own_pages(cast, login):
    body = login(cast, "resident").get("/api/v1/me").json()
    assert body["username"] == "resident" and body["auth"] == "session"


def test_session_posts_need_the_csrf_token(cast):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.resident)
    response = client.post("/api/v1/notifications/read", data="{}", content_type="application/json")
    assert_error_shape(response, 403, "forbidden")


def test_a_read_only_token_cannot_write(api_as, cast):
    body = assert_error_shape(api_as("resident", scope="read").post("/api/v1/notifications/read", {}), 403, "forbidden")
    assert "read-only" in body["message"]


def test_unknown_endpoint_is_a_404_in_the_error_shape(api_as):
    assert_error_shape(api_as("resident").get("/api/v1/no/such/thing"), 404, "not_found")


def test_wrong_method_is_a_405_in_the_error_shape(api_as):
    response = api_as("resident").client.delete("/api/v1/me", headers=api_as("resident").headers)
    assert_error_shape(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_malformed_json_is_a_400_naming_the_problem(api_as):
    body = assert_error_shape(api_as("resident").post_raw("/api/v1/notifications/read", "{bad", "application/json"), 400)
    assert "JSON" in body["message"]


def test_wrong_types_get_field_errors(api_as):
    body = assert_error_shape(api_as("resident").post("/api/v1/notifications/read", {"ids": "all"}), 400, "validation_failed")
    assert "ids" in body["errors"]


def test_bad_query_values_get_field_errors(api_as):
    body = assert_error_shape(api_as("resident").get("/api/v1/notifications?limit=0"), 400, "validation_failed")
    assert "limit" in body["errors"]
    body = assert_error_shape(api_as("resident").get("/api/v1/notifications?cursor=%%%"), 400, "validation_failed")
    assert "cursor" in body["errors"]


def test_a_huge_body_gets_413_before_it_is_read(api_as, settings):
    settings.GONGZHI_API_MAX_BODY = 1000
    response = api_as("resident").post_raw("/api/v1/notifications/read", json.dumps({"ids": list(range(500))}), "application/json")
    body = assert_error_shape(response, 413, "payload_too_large")
    assert "1000" in body["message"]


def test_rate_limit_per_token_answers_429_with_retry_after(api_as, settings):
    settings.GONGZHI_API_RATE_TOKEN = "3/60"
    client = api_as("resident")
    assert [client.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get("/api/v1/me")
    assert_error_shape(limited, 429, "rate_limited")
    assert 1 <= int(limited["Retry-After"]) <= 60
    # Another token has its own bucket.
    assert api_as("resident2").get("/api/v1/me").status_code == 200


def test_rate_limit_per_ip_covers_anonymous_callers(client, settings):
    settings.GONGZHI_API_RATE_IP = "2/60"
    assert client.get("/api/v1/departments").status_code == 200
    assert client.get("/api/v1/departments").status_code == 200
    assert_error_shape(client.get("/api/v1/departments"), 429, "rate_limited")


def _notes(cast, n):
    return [Notification.objects.create(recipient=cast.resident, kind="k", subject=f"note {i}") for i in range(n)]


@pytest.mark.pg
def test_same_idempotency_key_and_body_replay_the_response_without_doing_it_twice(api_as, cast):
    notes = _notes(cast, 2)
    client = api_as("resident")
    first = client.post("/api/v1/notifications/read", {"ids": [notes[0].pk]}, key="k-1")
    assert first.json() == {"marked": 1}
    Notification.objects.filter(pk=notes[0].pk).update(read_at=None)  # would be marked again if re-run
    second = client.post("/api/v1/notifications/read", {"ids": [notes[0].pk]}, key="k-1")
    assert second.status_code == 200 and second.json() == {"marked": 1}
    assert second["Idempotent-Replayed"] == "true"
    assert Notification.objects.get(pk=notes[0].pk).read_at is None


def test_same_idempotency_key_with_another_body_is_refused(api_as, cast):
    client = api_as("resident")
    client.post("/api/v1/notifications/read", {"ids": [1]}, key="k-2")
    body = assert_error_shape(client.post("/api/v1/notifications/read", {"ids": [2]}, key="k-2"), 422,
                              "idempotency_key_reused")
    assert "Idempotency-Key" in body["errors"]


def test_idempotency_keys_are_per_caller(api_as, cast):
    api_as("resident").post("/api/v1/notifications/read", {"ids": [1]}, key="shared")
    response = api_as("resident2").post("/api/v1/notifications/read", {"ids": [2]}, key="shared")
    assert response.status_code == 200 and "Idempotent-Replayed" not in response


def test_a_request_still_running_with_the_same_key_gets_409(api_as):
    client = api_as("resident")
    first = client.post("/api/v1/notifications/read", {}, key="busy")
    assert first.status_code == 200
    # Simulate the first request still running: its record has no response yet.
    IdempotencyRecord.objects.filter(key="busy").update(status_code=None)
    response = assert_error_shape(client.post("/api/v1/notifications/read", {}, key="busy"), 409,
                                  "idempotency_in_progress")
    assert response["message"]


def test_failed_authentication_does_not_burn_the_idempotency_key(client):
    response = client.post("/api/v1/notifications/read", data="{}", content_type="application/json",
                           headers={"Authorization": "Bearer gz_x_y", "Idempotency-Key": "k"})
    assert response.status_code == 401
    assert not IdempotencyRecord.objects.filter(key="k").exists()


def test_an_overlong_idempotency_key_is_rejected(api_as):
    assert_error_shape(api_as("resident").post("/api/v1/notifications/read", {}, key="x" * 300), 400,
                       "invalid_idempotency_key")


@pytest.mark.pg
def test_notifications_are_paginated_with_a_cursor_and_show_only_the_callers(api_as, cast):
    mine = _notes(cast, 5)
    Notification.objects.create(recipient=cast.resident2, kind="k", subject="not yours")
    client = api_as("resident")
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/notifications?limit=2" + (f"&cursor={cursor}" if cursor else "")).json()
        seen += [n["id"] for n in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(n.pk for n in mine)
    assert len(seen) == len(set(seen))


def test_marking_notifications_read_only_touches_the_callers(api_as, cast):
    other = Notification.objects.create(recipient=cast.resident2, kind="k", subject="x")
    _notes(cast, 1)
    assert api_as("resident").post("/api/v1/notifications/read", {}).json() == {"marked": 1}
    other.refresh_from_db()
    assert other.read_at is None
    assert api_as("resident").get("/api/v1/notifications?unread=true").json()["items"] == []


def test_area_detail_has_an_etag_and_answers_304_when_unchanged(client, cast):
    first = client.get("/api/v1/areas/JC.LJ.XH.C1")
    assert first.status_code == 200 and first["ETag"]
    again = client.get("/api/v1/areas/JC.LJ.XH.C1", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again.content == b""
    other = client.get("/api/v1/areas/JC.LJ.XH.C1", headers={"If-None-Match": '"stale"'})
    assert other.status_code == 200


def test_areas_and_grids_are_geojson_feature_collections(client, cast):
    grids = client.get("/api/v1/grids?within=JC.LJ.XH.C1").json()
    assert grids["type"] == "FeatureCollection" and grids["features"]
    assert all(f["properties"]["kind"] == "grid" and f["id"].startswith("JC.LJ.XH.C1.") for f in grids["features"])
    communities = client.get("/api/v1/areas?kind=community").json()
    assert {f["properties"]["kind"] for f in communities["features"]} == {"community"}


def test_unknown_area_codes_are_named_in_the_error(client, cast):
    body = assert_error_shape(client.get("/api/v1/grids?within=NOPE"), 400, "validation_failed")
    assert "within" in body["errors"]
    assert_error_shape(client.get("/api/v1/areas/NOPE"), 404, "not_found")


def test_departments_list_public_fields_only(client, cast):
    body = client.get("/api/v1/departments").json()
    codes = {d["code"] for d in body}
    assert "public-works" in codes
    assert all(set(d) == {"code", "name", "name_zh", "name_en", "kind", "area", "public_phone"} for d in body)


def test_cors_allows_configured_origins_only(client, settings):
    settings.GONGZHI_CORS_ORIGINS = ["https://app.example.org"]
    preflight = client.options("/api/v1/me", headers={"Origin": "https://app.example.org",
                                                     "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "https://app.example.org"
    assert "Authorization" in preflight["Access-Control-Allow-Headers"]
    simple = client.get("/api/v1/departments", headers={"Origin": "https://app.example.org"})
    assert simple["Access-Control-Allow-Origin"] == "https://app.example.org"
    other = client.get("/api/v1/departments", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other


def test_cors_is_off_by_default(client):
    response = client.get("/api/v1/departments", headers={"Origin": "https://app.example.org"})
    assert "Access-Control-Allow-Origin" not in response


def test_openapi_schema_and_documentation_page_are_served(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/notifications" in schema["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and b"swagger-ui-bundle.js" in docs.content
    assert b"cdn" not in docs.content.lower()
