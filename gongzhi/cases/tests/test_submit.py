"""Submission from every channel, its validation, photos and idempotency."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core import mail
from django.utils import translation
from PIL import Image

from gongzhi.audit.models import AuditEvent
from gongzhi.cases import hooks
from gongzhi.cases.models import Case, CasePhoto, Category, Status
from gongzhi.cases.services import dispatch_rule_save, dispatch_suggest
from gongzhi.core.errors import LimitExceeded, NotPermitted, ValidationFailed

from .conftest import jpeg_bytes, new_case, upload


def test_web_submission_gets_a_number_an_event_an_audit_entry_and_an_email(
    catalogue: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = new_case(catalogue)
    assert case.status == Status.SUBMITTED and case.reporter == catalogue.resident
    assert len(case.number) == 13 and case.number[6] == "-"
    assert case.area == catalogue.grid(1, 1)
    assert case.events.get().kind == "submitted"
    assert AuditEvent.objects.filter(stream=f"case:{case.pk}", action="case.submitted").exists()
    assert any(case.number in m.subject for m in mail.outbox)


def test_location_alone_finds_the_grid(catalogue: Any) -> None:
    grid = catalogue.grid(2, 3)
    case = new_case(catalogue, area=None, lat=grid.centroid_lat, lon=grid.centroid_lon)
    assert case.area == grid


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"description": "hi"}, "description"),
        ({"description": "x" * 5001}, "description"),
        ({"title": "t" * 121}, "title"),
        ({"lat": 31.2, "lon": None}, "lat"),
        ({"lat": 95.0, "lon": 121.0}, "lat"),
        ({"urgency": "whenever"}, "urgency"),
        ({"contact_preference": "pigeon"}, "contact_preference"),
        ({"is_anonymous": True, "category": "lift"}, "is_anonymous"),
        ({"attributes": {"size": "enormous"}}, "attr_size"),
    ],
)
def test_wrong_values_are_refused_with_the_field_named(
    catalogue: Any, kwargs: dict[str, Any], field: str
) -> None:
    if "category" in kwargs:
        kwargs["category"] = Category.objects.get(code=kwargs["category"])
    with pytest.raises(ValidationFailed) as info:
        new_case(catalogue, **kwargs)
    assert field in info.value.errors
    assert not Case.objects.exists()


def test_phone_intake_needs_an_operator_and_a_caller(catalogue: Any) -> None:
    with pytest.raises(ValidationFailed) as info:
        new_case(catalogue, actor=catalogue.operator, channel="phone")
    assert "caller_name" in info.value.errors
    with pytest.raises(ValidationFailed) as info:
        new_case(
            catalogue,
            actor=catalogue.operator,
            channel="phone",
            caller_name="Mr Wu",
            caller_phone="call me",
        )
    assert "caller_phone" in info.value.errors
    with pytest.raises(NotPermitted):
        new_case(
            catalogue,
            actor=catalogue.resident,
            channel="phone",
            caller_name="Mr Wu",
            caller_phone="13800138000",
        )
    case = new_case(
        catalogue,
        actor=catalogue.operator,
        channel="phone",
        caller_name="Mr Wu",
        caller_phone="13800138000",
    )
    assert (
        case.reporter is None
        and case.caller_phone == "13800138000"
        and case.created_by == catalogue.operator
    )
    on_behalf = new_case(
        catalogue, actor=catalogue.operator, channel="counter", reporter=catalogue.resident2
    )
    assert on_behalf.reporter == catalogue.resident2


def test_visitors_may_report_anonymously_only_where_the_category_allows(catalogue: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    case = new_case(catalogue, actor=AnonymousUser(), code="pothole")
    assert case.is_anonymous and case.reporter is None
    with pytest.raises(ValidationFailed) as info:
        new_case(catalogue, actor=AnonymousUser(), code="lift")
    assert "category" in info.value.errors


def test_the_same_idempotency_key_returns_the_same_case(catalogue: Any) -> None:
    first = new_case(catalogue, idempotency_key="abc-1")
    again = new_case(catalogue, idempotency_key="abc-1")
    other = new_case(catalogue, idempotency_key="abc-2")
    assert first.pk == again.pk != other.pk
    assert Case.objects.count() == 2


def test_patrol_reports_are_dispatched_automatically(catalogue: Any) -> None:
    case = new_case(catalogue, actor=catalogue.gridworker, channel="patrol", code="fire-exit")
    assert case.status == Status.DISPATCHED
    assert case.lead_department.code == "city-management"
    assert set(case.assignments.values_list("organisation__code", "kind")) == {
        ("city-management", "lead"),
        ("housing", "assist"),
    }


def test_the_setting_dispatches_web_cases_automatically(catalogue: Any, settings: Any) -> None:
    settings.GONGZHI_CASES_AUTO_DISPATCH = True
    assert new_case(catalogue).status == Status.DISPATCHED


def test_photos_are_re_encoded_without_exif(catalogue: Any) -> None:
    case = new_case(catalogue, photos=[upload(jpeg_bytes(exif_gps=True))])
    photo = CasePhoto.objects.get(case=case)
    with photo.image.open("rb") as fh, Image.open(io.BytesIO(fh.read())) as img:
        assert img.format == "JPEG"
        assert not img.getexif()
        assert img.size == (40, 30)


def test_a_non_image_an_oversized_image_and_a_truncated_jpeg_are_refused(catalogue: Any) -> None:
    with pytest.raises(ValidationFailed) as info:
        new_case(catalogue, photos=[upload(b"%PDF-1.4 not a photo", "doc.jpg")])
    assert "photos" in info.value.errors and "doc.jpg" in info.value.message
    big = upload(b"\xff\xd8" + b"0" * (8 * 1024 * 1024 + 10), "big.jpg")
    with pytest.raises(LimitExceeded) as info2:
        new_case(catalogue, photos=[big])
    assert "8 MB" in info2.value.message
    truncated = jpeg_bytes((400, 300))[:-200]
    with pytest.raises(ValidationFailed):
        new_case(catalogue, photos=[upload(truncated, "cut.jpg")])
    with pytest.raises(LimitExceeded):
        new_case(catalogue, photos=[upload(jpeg_bytes()) for _ in range(6)])
    assert not Case.objects.exists()


def test_after_submit_hooks_run_on_commit_and_never_block(
    catalogue: Any, django_capture_on_commit_callbacks: Any
) -> None:
    seen: list[str] = []

    def broken(case: Any) -> None:
        raise RuntimeError("boom")

    registered = list(hooks.after_submit)
    hooks.after_submit[:] = [broken, lambda c: seen.append(c.number)]
    try:
        with django_capture_on_commit_callbacks(execute=True):
            case = new_case(catalogue)
    finally:
        hooks.after_submit[:] = registered
    assert seen == [case.number]


def test_the_most_specific_catalogue_rule_wins(catalogue: Any) -> None:
    cast = catalogue
    pothole = Category.objects.get(code="pothole")
    assert dispatch_suggest(category=pothole, area=cast.grid(1, 1)).lead.code == "public-works"
    dispatch_rule_save(
        actor=cast.admin, category=pothole, area=cast.community(2), lead=cast.orgs["transport"]
    )
    assert dispatch_suggest(category=pothole, area=cast.grid(2, 1)).lead.code == "transport"
    assert dispatch_suggest(category=pothole, area=cast.grid(1, 1)).lead.code == "public-works"
    # An unknown corner of the tree still has the fallback owner.
    assert (
        dispatch_suggest(category=Category.objects.get(code="city"), area=None).lead.code
        == "public-works"
    )


def test_equally_specific_rules_are_a_validation_error(catalogue: Any) -> None:
    pothole = Category.objects.get(code="pothole")
    dispatch_rule_save(
        actor=catalogue.admin,
        category=pothole,
        area=catalogue.community(2),
        lead=catalogue.orgs["transport"],
    )
    with pytest.raises(ValidationFailed) as info:
        dispatch_rule_save(
            actor=catalogue.admin,
            category=pothole,
            area=catalogue.community(2),
            lead=catalogue.orgs["housing"],
        )
    assert "category" in info.value.errors


def test_every_area_has_a_fallback_owner(catalogue: Any) -> None:
    from gongzhi.cases.services import catalogue_gaps

    assert catalogue_gaps() == []


def test_categories_import_from_csv_and_bad_rows_name_the_line(
    catalogue: Any, tmp_path: Any
) -> None:
    from django.core.management import CommandError, call_command

    good = tmp_path / "c.csv"
    good.write_text(
        "code,parent,name_zh,name_en,case_type,default_urgency,response_hours,resolution_days,allows_anonymous,public_by_default,questions\n"
        "parks,,公园,Parks,complaint,normal,8,5,yes,yes,\n"
        "parks-benches,parks,长椅,Benches,complaint,low,8,5,no,yes,\n"
        "broken-bench,parks-benches,长椅损坏,Broken bench,report,normal,4,3,yes,yes,[]\n",
        encoding="utf-8",
    )
    call_command("import_categories", str(good))
    leaf = Category.objects.get(code="broken-bench")
    assert leaf.depth == 2 and leaf.parent.code == "parks-benches" and leaf.allows_anonymous
    bad = tmp_path / "bad.csv"
    bad.write_text("code,parent,name_zh\nok-one,,好\nsecond,nowhere,坏\n", encoding="utf-8")
    with translation.override("en"), pytest.raises(CommandError, match="line 3"):
        call_command("import_categories", str(bad))
    assert not Category.objects.filter(code="ok-one").exists()
