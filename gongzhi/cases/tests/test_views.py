"""The pages: report, case page and actions, queues, public list; bad input and query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import PERSONAS
from gongzhi.cases import services as s
from gongzhi.cases.models import Case, CaseEvent, Category, Status
from gongzhi.core.errors import Conflict

from .conftest import jpeg_bytes, new_case, upload
from .test_workflow import make_case_in


def test_report_form_submits_with_a_photo_and_a_map_point(catalogue: Any, login: Any) -> None:
    grid = catalogue.grid(1, 2)
    client = login(catalogue, "resident")
    response = client.post(
        reverse("cases:report"),
        {
            "category": Category.objects.get(code="pothole").pk,
            "description": "Big hole by the school gate.",
            "lat": grid.centroid_lat,
            "lon": grid.centroid_lon,
            "photos": [upload(jpeg_bytes())],
            "is_public": "on",
            "contact_preference": "inbox",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "cases:detail", args=[case.number]
    )
    assert case.area == grid and case.photos.count() == 1


def test_report_form_names_each_wrong_field(catalogue: Any, login: Any) -> None:
    client = login(catalogue, "resident")
    response = client.post(
        reverse("cases:report"),
        {"category": "999999", "description": "x", "lat": "north", "lon": ""},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"category", "description", "lat"} <= set(errors)
    bad_photo = client.post(
        reverse("cases:report"),
        {
            "category": Category.objects.get(code="pothole").pk,
            "description": "Big hole by the gate.",
            "photos": [upload(b"not an image at all", "x.jpg")],
        },
    )
    assert bad_photo.status_code == 400 and "photos" in bad_photo.context["form"].errors
    assert not Case.objects.exists()


def test_visitor_can_report_anonymously_and_sees_the_number(catalogue: Any, login: Any) -> None:
    response = login(catalogue, "visitor").post(
        reverse("cases:report"),
        {
            "category": Category.objects.get(code="streetlight").pk,
            "description": "The light is out on Bridge Lane.",
        },
        follow=True,
    )
    case = Case.objects.get()
    assert case.is_anonymous and case.number in response.content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_case_page_answers_404_out_of_scope_and_full_page_in_scope(
    catalogue: Any, login: Any, persona: str
) -> None:
    case = make_case_in(catalogue, Status.IN_PROGRESS, is_public=False)
    response = login(catalogue, persona).get(reverse("cases:detail", args=[case.number]))
    expected = (
        200
        if persona in {"resident", "operator", "clerk", "head", "gridworker", "committee", "admin"}
        else 404
    )
    assert response.status_code == expected


def test_public_case_page_masks_phone_and_id_numbers_and_coarsens_the_place(
    catalogue: Any, login: Any
) -> None:
    case = new_case(
        catalogue,
        description="Call me on 13812345678, my ID 11010519491231002X, the lamp is out.",
        caller_name="",
        lat=31.2345678,
        lon=121.4765432,
        area=catalogue.grid(1, 1),
    )
    body = (
        login(catalogue, "resident2")
        .get(reverse("cases:detail", args=[case.number]))
        .content.decode()
    )
    assert "13812345678" not in body and "11010519491231002X" not in body
    assert "138****78" in body
    assert "31.235" in body and "31.2345678" not in body
    assert catalogue.resident.display_name not in body


def test_actions_shown_are_exactly_those_allowed(catalogue: Any, login: Any) -> None:
    case = make_case_in(catalogue, Status.DISPATCHED)
    body = (
        login(catalogue, "clerk").get(reverse("cases:detail", args=[case.number])).content.decode()
    )
    for action in ("accept", "return", "transfer"):
        assert f'data-action="{action}"' in body
    assert 'data-action="reply"' not in body


def test_a_stale_page_gets_409_with_the_case_changed_and_only_one_event(
    catalogue: Any, login: Any
) -> None:
    case = make_case_in(catalogue, Status.DISPATCHED)
    url = reverse("cases:action", args=[case.number, "accept"])
    first = login(catalogue, "clerk").post(url, {"accept-version": case.version})
    second = login(catalogue, "head").post(url, {"accept-version": case.version})
    assert first.status_code == 302
    assert second.status_code == 409
    assert isinstance(second.context["error"], Conflict)
    assert second.context["error"].message in second.content.decode()
    assert CaseEvent.objects.filter(case=case, kind="accepted").count() == 1


def test_a_transition_not_allowed_answers_with_what_is_allowed(catalogue: Any, login: Any) -> None:
    case = make_case_in(catalogue, Status.IN_PROGRESS)
    response = login(catalogue, "clerk").post(
        reverse("cases:action", args=[case.number, "accept"]), {}
    )
    assert response.status_code == 409
    assert "Reply" in response.content.decode() or "答复" in response.content.decode()


def test_action_form_errors_name_the_field(catalogue: Any, login: Any) -> None:
    case = make_case_in(catalogue, Status.IN_PROGRESS)
    client = login(catalogue, "clerk")
    response = client.post(
        reverse("cases:action", args=[case.number, "request_extension"]),
        {"request_extension-hours": "lots"},
    )
    assert response.status_code == 400
    assert {"hours", "reason"} <= set(response.context["form"].errors)


def test_contact_details_page_is_audited_and_refused_to_others(catalogue: Any, login: Any) -> None:
    from gongzhi.audit.models import AuditEvent

    case = make_case_in(catalogue, Status.IN_PROGRESS)
    assert (
        login(catalogue, "clerk").get(reverse("cases:contact", args=[case.number])).status_code
        == 200
    )
    assert (
        login(catalogue, "gridworker").get(reverse("cases:contact", args=[case.number])).status_code
        == 404
    )
    assert AuditEvent.objects.filter(stream=f"access:case:{case.pk}").count() == 1


def test_bulk_accept_accepts_dispatched_cases_of_the_department(catalogue: Any, login: Any) -> None:
    cases = [make_case_in(catalogue, Status.DISPATCHED) for _ in range(3)]
    login(catalogue, "clerk").post(
        reverse("cases:bulk_accept"), {"number": [c.number for c in cases[:2]]}
    )
    assert [Case.objects.get(pk=c.pk).status for c in cases] == [
        "accepted",
        "accepted",
        "dispatched",
    ]


def test_queue_search_by_number_and_filters(catalogue: Any, login: Any) -> None:
    a = make_case_in(catalogue, Status.DISPATCHED)
    b = make_case_in(catalogue, Status.ACCEPTED, warning_level=2)
    client = login(catalogue, "clerk")
    page = client.get(reverse("cases:queue"), {"q": a.number, "status": ""}).context["page"]
    assert [c.number for c in page] == [a.number]
    page = client.get(reverse("cases:queue"), {"warning": "2", "status": "open"}).context["page"]
    assert [c.number for c in page] == [b.number]
    assert client.get(reverse("cases:queue"), {"date_from": "yesterday"}).status_code == 200


@pytest.mark.parametrize(
    ("url_name", "persona", "allowed"),
    [
        ("cases:queue", "clerk", True),
        ("cases:queue", "resident", False),
        ("cases:triage", "operator", True),
        ("cases:triage", "clerk", False),
        ("cases:supervision", "committee", True),
        ("cases:supervision", "head", False),
        ("cases:grid_queue", "gridworker", True),
        ("cases:intake", "operator", True),
        ("cases:intake", "resident", False),
        ("cases:catalogue", "committee", True),
        ("cases:catalogue", "clerk", False),
    ],
)
def test_staff_pages_are_for_their_roles(
    catalogue: Any, login: Any, url_name: str, persona: str, allowed: bool
) -> None:
    assert login(catalogue, persona).get(reverse(url_name)).status_code == (200 if allowed else 404)


def test_operator_dispatches_from_triage_with_the_catalogue_suggestion(
    catalogue: Any, login: Any
) -> None:
    case = new_case(catalogue)
    client = login(catalogue, "operator")
    body = client.get(reverse("cases:triage")).content.decode()
    assert case.number in body
    pw = catalogue.orgs["public-works"]
    assert f'<option value="{pw.pk}" selected>' in body
    client.post(
        reverse("cases:action", args=[case.number, "dispatch"]),
        {"dispatch-version": case.version, "dispatch-lead": pw.pk},
    )
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.lead_department == pw


def test_intake_records_a_phone_case_for_a_named_caller(catalogue: Any, login: Any) -> None:
    response = login(catalogue, "operator").post(
        reverse("cases:intake"),
        {
            "channel": "phone",
            "caller_name": "吴先生",
            "caller_phone": "13900001111",
            "category": Category.objects.get(code="noise").pk,
            "description": "KTV noise every night after 23:00.",
        },
    )
    case = Case.objects.get()
    assert (
        response.status_code == 302
        and case.channel == "phone"
        and case.caller_phone == "13900001111"
    )


def test_public_geojson_coarsens_locations(catalogue: Any, client: Any) -> None:
    new_case(catalogue, lat=31.2345678, lon=121.4765432)
    data = client.get(reverse("cases:public_geojson")).json()
    assert data["features"][0]["geometry"]["coordinates"] == [121.477, 31.235]


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.pg
@pytest.mark.parametrize(
    ("url_name", "persona"),
    [
        ("cases:queue", "clerk"),
        ("cases:mine", "resident"),
        ("cases:triage", "operator"),
        ("cases:supervision", "committee"),
        ("cases:grid_queue", "gridworker"),
        ("cases:public_list", "visitor"),
    ],
)
def test_queue_pages_keep_a_constant_query_count_as_cases_grow(
    catalogue: Any, login: Any, url_name: str, persona: str
) -> None:
    client = login(catalogue, persona)

    def add(n: int) -> None:
        for state in [Status.DISPATCHED, Status.SUBMITTED, Status.ACCEPTED][:n] * 1:
            make_case_in(catalogue, state, is_supervised=True, warning_level=3)

    add(3)
    url = reverse(url_name)
    _count(client, url)  # the first request warms per-process caches (category tree, triage model)
    before = _count(client, url)
    for _ in range(4):
        add(3)
    assert _count(client, url) == before


@pytest.mark.pg
def test_case_page_keeps_a_constant_query_count_as_events_grow(catalogue: Any, login: Any) -> None:
    case = make_case_in(catalogue, Status.IN_PROGRESS)
    client = login(catalogue, "clerk")
    url = reverse("cases:detail", args=[case.number])
    s.case_note(actor=catalogue.clerk, case=case, text="first")
    before = _count(client, url)
    for i in range(6):
        s.case_note(actor=catalogue.clerk, case=case, text=f"note {i}", is_public=i % 2 == 0)
    assert _count(client, url) == before


def test_public_case_page_masks_personal_data_in_the_public_reply_too(catalogue: Any, login: Any) -> None:
    case = new_case(catalogue, description="The lamp is out.", caller_name="", area=catalogue.grid(1, 1))
    type(case).objects.filter(pk=case.pk).update(
        public_reply="Fixed. Questions: call 13912345678 or write to wang.fang@example.org."
    )
    body = login(catalogue, "resident2").get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "13912345678" not in body and "wang.fang@example.org" not in body
    assert "139****78" in body


def test_the_reporter_sees_the_departments_question_beside_the_answer_box(
    catalogue: Any, login: Any
) -> None:
    case = make_case_in(catalogue, Status.IN_PROGRESS)
    asked = login(catalogue, "clerk").post(
        reverse("cases:action", args=[case.number, "request_info"]),
        {"request_info-version": case.version, "request_info-question": "Which building exactly?"},
    )
    assert asked.status_code == 302
    body = login(catalogue, "resident").get(reverse("cases:detail", args=[case.number])).content.decode()
    form_start = body.index('action-provide_info')
    assert body.index("Which building exactly?", form_start) < body.index('data-action="provide_info"')
    # Others without the answer action do not get the box or the prompt.
    clerk_body = login(catalogue, "clerk").get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "pending-question" not in clerk_body
