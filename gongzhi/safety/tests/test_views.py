"""The patrol pages: phone-first forms that refuse bad input and survive retries."""

from __future__ import annotations

import uuid

from gongzhi.safety.models import Finding, PatrolRecord
from gongzhi.safety.workflow import FindingStatus

from .helpers import make_jpeg, not_an_image


def form_data(safety, *, problems=None, key=None, skip=()):
    problems = problems or {}
    data = {"client_uuid": str(key or uuid.uuid4()), "notes": "Evening round"}
    for n, item in enumerate(safety.fire.items.all()):
        if n in skip:
            continue
        if n in problems:
            data[f"item_{item.pk}"] = "problem"
            data[f"note_{item.pk}"] = problems[n]
        else:
            data[f"item_{item.pk}"] = "ok"
    return data


def test_patrol_form_carries_a_fresh_client_uuid_per_rendering(cast, safety, login):
    client = login(cast, "gridworker")
    url = f"/safety/plans/{safety.plans[0].pk}/record/"
    first, second = client.get(url), client.get(url)
    assert first.status_code == 200
    assert 'name="client_uuid"' in first.content.decode()
    assert first.context["form"].initial["client_uuid"] != second.context["form"].initial["client_uuid"]


def test_posting_twice_with_one_uuid_saves_one_record(cast, safety, login):
    client = login(cast, "gridworker")
    url = f"/safety/plans/{safety.plans[0].pk}/record/"
    data = form_data(safety, problems={0: "Exit blocked"})
    r1 = client.post(url, data)
    r2 = client.post(url, data)
    assert r1.status_code == r2.status_code == 302
    assert r1["Location"] == r2["Location"]
    assert PatrolRecord.objects.count() == 1 and Finding.objects.count() == 1


def test_missing_answers_rerender_the_form_with_the_question_marked(cast, safety, login):
    client = login(cast, "gridworker")
    first_item = safety.fire.items.first()
    response = client.post(f"/safety/plans/{safety.plans[0].pk}/record/", form_data(safety, skip=(0,)))
    assert response.status_code == 400
    assert response.context["form"].errors[f"item_{first_item.pk}"]
    assert not PatrolRecord.objects.exists()


def test_the_form_stores_the_phones_position_and_refuses_half_of_one_beside_the_field(cast, safety, login):
    client = login(cast, "gridworker")
    url = f"/safety/plans/{safety.plans[0].pk}/record/"
    half = client.post(url, {**form_data(safety), "lat": "31.2304"})
    assert half.status_code == 400
    assert half.context["form"].errors["lat"]
    assert '<div class="field field-error"><label for="id_lat">' in half.content.decode()
    assert not PatrolRecord.objects.exists()
    assert client.post(url, {**form_data(safety), "lat": "31.2304", "lon": "121.4737"}).status_code == 302
    assert PatrolRecord.objects.values_list("lat", "lon").get() == (31.2304, 121.4737)


def test_a_non_image_upload_is_refused_on_the_form(cast, safety, login):
    client = login(cast, "gridworker")
    data = form_data(safety)
    data["photos"] = [not_an_image("notes.jpg")]
    response = client.post(f"/safety/plans/{safety.plans[0].pk}/record/", data)
    assert response.status_code == 400
    assert "notes.jpg" in response.content.decode()
    assert not PatrolRecord.objects.exists()


def test_fixing_and_reporting_findings_from_the_record_page(cast, safety, login):
    client = login(cast, "gridworker")
    client.post(f"/safety/plans/{safety.plans[0].pk}/record/", form_data(safety, problems={0: "Boxes", 1: "Dark"}))
    record = PatrolRecord.objects.get()
    first, second = record.findings.all()
    page = client.get(f"/safety/patrols/{record.client_uuid}/")
    assert page.status_code == 200 and "Boxes" in page.content.decode()
    bad = client.post(f"/safety/findings/{first.pk}/fix/", {"note": "moved"})
    assert bad.status_code == 400
    ok = client.post(f"/safety/findings/{first.pk}/fix/", {"note": "moved", "photo": make_jpeg()})
    assert ok.status_code == 302
    assert client.post(f"/safety/findings/{second.pk}/report/", {"note": ""}).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == FindingStatus.FIXED
    assert second.status in (FindingStatus.REPORTED, FindingStatus.AWAITING_CASE)
    photo = first.photos.get()
    assert client.get(f"/safety/photos/{photo.pk}/").status_code == 200
    assert login(cast, "clerk").get(f"/safety/photos/{photo.pk}/").status_code == 404


def test_statistics_page_query_count_does_not_grow_with_grids(cast, safety, login, django_assert_max_num_queries):
    client = login(cast, "committee")
    with django_assert_max_num_queries(16):
        response = client.get("/safety/statistics/")
    assert response.status_code == 200
    assert len(response.context["rows"]) == 12
