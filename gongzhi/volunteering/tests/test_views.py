from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import PERSONAS
from gongzhi.volunteering import services
from gongzhi.volunteering.certificates import CJK_FONT, certificate_pdf
from gongzhi.volunteering.models import HoursEntry, SignUp

from .helpers import checked_in, make_activity, running_activity


@pytest.fixture(autouse=True)
def english(cast):
    """Pages in English, so the assertions can quote the messages (the Chinese
    catalogue is checked by test_pages_in_chinese below)."""
    from django.contrib.auth import get_user_model

    get_user_model().objects.update(preferred_language="en")


def test_pages_in_chinese_for_a_chinese_speaking_volunteer(cast, login):
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(pk=cast.resident.pk).update(preferred_language="zh-hans")
    page = login(cast, "resident").get("/volunteering/me/").content.decode()
    assert "我的志愿服务" in page and "时长余额" in page


@pytest.mark.parametrize("persona", PERSONAS)
def test_volunteering_index_renders_for_every_persona(
    cast, login, persona, django_assert_max_num_queries
):
    activity = make_activity(cast)
    client = login(cast, persona)
    with django_assert_max_num_queries(25):
        response = client.get("/volunteering/")
    assert response.status_code == 200
    assert activity.title in response.content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_manage_page_is_only_for_the_organisers(cast, login, persona):
    activity = make_activity(cast)
    response = login(cast, persona).get(f"/volunteering/activities/{activity.pk}/manage/")
    expected = 200 if persona in ("social", "admin") else (302 if persona == "visitor" else 404)
    assert response.status_code == expected


def test_public_pages_render_for_a_visitor(cast, client):
    activity = make_activity(cast)
    for url in (
        "/volunteering/organisations/",
        "/volunteering/organisations/volunteers/",
        f"/volunteering/activities/{activity.pk}/",
        "/volunteering/certificates/",
    ):
        assert client.get(url).status_code == 200, url


def test_unverified_organisation_has_no_public_page(cast, client):
    profile = services.organisation_register(
        actor=cast.resident2,
        name_zh="未审核社",
        org_type="ngo",
        area=cast.street,
        contact_name="x",
        contact_phone="1",
    )
    assert (
        client.get(f"/volunteering/organisations/{profile.organisation.code}/").status_code == 404
    )


def test_resident_signs_up_through_the_page(cast, login):
    activity = make_activity(cast)
    response = login(cast, "resident").post(f"/volunteering/activities/{activity.pk}/signup/")
    assert response.status_code == 302
    assert SignUp.objects.get(activity=activity, volunteer=cast.resident).status == "confirmed"


def test_transfer_form_names_the_field_when_the_balance_is_too_small(cast, login):
    services.hours_certify(
        actor=cast.social, signup=checked_in(running_activity(cast), cast.resident), minutes=60
    )
    client = login(cast, "resident")
    response = client.post(
        "/volunteering/me/transfer/", {"recipient": "resident2", "hours": "2", "kind": "transfer"}
    )
    assert response.status_code == 400
    assert "You have only 1:00 hours to give." in response.content.decode()
    assert 'id="id_hours_error"' in response.content.decode()
    response = client.post(
        "/volunteering/me/transfer/",
        {"recipient": "nobody-here", "hours": "0.5", "kind": "transfer"},
    )
    assert response.status_code == 400
    assert "There is no one with that user name." in response.content.decode()
    response = client.post(
        "/volunteering/me/transfer/", {"recipient": "resident2", "hours": "-1", "kind": "transfer"}
    )
    assert response.status_code == 400
    assert HoursEntry.objects.filter(user=cast.resident2).count() == 0
    response = client.post(
        "/volunteering/me/transfer/", {"recipient": "resident2", "hours": "0.5", "kind": "donation"}
    )
    assert response.status_code == 302
    assert HoursEntry.objects.get(user=cast.resident2).minutes == 30


@pytest.mark.parametrize(
    ("hours", "message"), [("0", "0.01"), ("4", "3:00"), ("abc", "id_hours_error")]
)
def test_certify_form_refuses_bad_hours(cast, login, hours, message):
    signup = checked_in(running_activity(cast, hours=3), cast.resident)
    response = login(cast, "social").post(
        f"/volunteering/signups/{signup.pk}/hours/", {"hours": hours}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not HoursEntry.objects.filter(user=cast.resident).exists()


def test_certify_then_correct_through_the_page(cast, login):
    signup = checked_in(running_activity(cast, hours=3), cast.resident)
    client = login(cast, "social")
    assert (
        client.post(f"/volunteering/signups/{signup.pk}/hours/", {"hours": "2.5"}).status_code
        == 302
    )
    page = client.get(f"/volunteering/signups/{signup.pk}/hours/").content.decode()
    assert "Now credited: 2:30" in page
    assert (
        client.post(
            f"/volunteering/signups/{signup.pk}/hours/", {"hours": "-0.5", "reason": "left early"}
        ).status_code
        == 302
    )
    assert list(
        HoursEntry.objects.filter(user=cast.resident).values_list("minutes", flat=True)
    ) == [150, -30]


def test_registration_page_shows_document_errors_beside_the_field(cast, login):
    response = login(cast, "resident").post(
        "/volunteering/organisations/register/",
        {
            "name_zh": "测试社",
            "org_type": "ngo",
            "area": cast.street.pk,
            "contact_name": "A",
            "contact_phone": "1",
            "documents": [SimpleUploadedFile("x.exe", b"MZ")],
        },
    )
    assert response.status_code == 400
    assert 'id="id_documents_error"' in response.content.decode()


def test_committee_reviews_registration_and_downloads_documents(cast, login):
    profile = services.organisation_register(
        actor=cast.resident2,
        name_zh="审核社",
        org_type="ngo",
        area=cast.street,
        contact_name="x",
        contact_phone="1",
        documents=[SimpleUploadedFile("c.pdf", b"%PDF-1.4 x")],
    )
    code = profile.organisation.code
    committee = login(cast, "committee")
    assert code in committee.get("/volunteering/organisations/review/").content.decode()
    doc = profile.documents.get()
    assert (
        committee.get(f"/volunteering/organisations/review/{code}/documents/{doc.pk}/").status_code
        == 200
    )
    for persona in ("resident", "resident2", "social", "clerk"):
        assert (
            login(cast, persona).get(f"/volunteering/organisations/review/{code}/").status_code
            == 404
        )
        assert (
            login(cast, persona)
            .get(f"/volunteering/organisations/review/{code}/documents/{doc.pk}/")
            .status_code
            == 404
        )
    response = committee.post(
        f"/volunteering/organisations/review/{code}/", {"decision": "refuse", "note": ""}
    )
    assert response.status_code == 400
    response = committee.post(f"/volunteering/organisations/review/{code}/", {"decision": "verify"})
    assert response.status_code == 302
    profile.organisation.refresh_from_db()
    assert profile.organisation.is_verified


def test_certificate_check_page_shows_initials_not_the_name(cast, login, client):
    signup = checked_in(running_activity(cast), cast.resident)
    services.hours_certify(actor=cast.social, signup=signup, minutes=90)
    cert = services.certificate_issue(actor=cast.resident, signup=signup)
    page = client.get(f"/volunteering/certificates/{cert.code}/").content.decode()
    assert "1:30" in page and "王**" in page
    assert "王小梅" not in page and "resident@" not in page
    assert client.get("/volunteering/certificates/ZZZZ-ZZZZ-ZZZZ/").status_code == 404
    assert client.get("/volunteering/certificates/", {"code": cert.code.lower()}).status_code == 302
    download = login(cast, "resident").get(f"/volunteering/me/certificates/{cert.code}.pdf")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    assert (
        login(cast, "resident2").get(f"/volunteering/me/certificates/{cert.code}.pdf").status_code
        == 404
    )


def test_certificate_pdf_with_the_chinese_font_and_without_it(cast, tmp_path):
    signup = checked_in(running_activity(cast), cast.resident)
    services.hours_certify(actor=cast.social, signup=signup, minutes=90)
    cert = services.certificate_issue(actor=cast.resident, signup=signup)
    assert CJK_FONT.exists(), "the test image has the Noto CJK font"
    with_font = certificate_pdf(cert)
    without = certificate_pdf(cert, font_path=Path(tmp_path / "missing.ttc"))
    assert with_font.startswith(b"%PDF") and without.startswith(b"%PDF")
    assert b"NotoSansCJK" in with_font or b"cjk" in with_font.lower()
    assert b"Helvetica" in without
    assert len(with_font) != len(without)


def test_volunteer_profile_page_is_hidden_from_unrelated_people(cast, login):
    services.volunteer_profile_save(actor=cast.resident, skills=["first_aid"])
    url = f"/volunteering/volunteers/{cast.resident.pk}/"
    assert login(cast, "social").get(url).status_code == 404
    services.signup_create(actor=cast.resident, activity=make_activity(cast))
    assert "First aid" in login(cast, "social").get(url).content.decode()
    assert login(cast, "resident2").get(url).status_code == 404


def test_my_volunteering_shows_balance_summary_and_ledger(cast, login):
    services.hours_certify(
        actor=cast.social, signup=checked_in(running_activity(cast), cast.resident), minutes=75
    )
    page = login(cast, "resident").get("/volunteering/me/").content.decode()
    assert 'id="balance">1:15<' in page
    assert 'id="ledger"' in page


def _summary_cells(page):
    """The yearly summary as {year: [activities, served, given, received]} from the page."""
    import re

    table = page[page.index('id="summary-heading"') :]
    table = table[: table.index("</table>")]
    return {
        int(year): re.findall(r"<td[^>]*>([^<]*)</td>", cells)
        for year, cells in re.findall(r'<th scope="row">(\d{4})</th>(.*?)</tr>', table)
    }


def test_yearly_summary_counts_served_given_and_received_for_this_year(cast, login):
    from django.utils import timezone

    services.hours_certify(
        actor=cast.social, signup=checked_in(running_activity(cast), cast.resident), minutes=75
    )
    services.hours_transfer(actor=cast.resident, recipient=cast.resident2, minutes=30)
    year = timezone.localdate().year
    giver = login(cast, "resident").get("/volunteering/me/")
    assert giver.context["summary"] == [
        {"year": year, "served": 75, "given": 30, "received": 0, "activities": 1}
    ]
    assert _summary_cells(giver.content.decode()) == {year: ["1", "1:15", "0:30", "0:00"]}
    assert 'id="balance">0:45<' in giver.content.decode()
    receiver = login(cast, "resident2").get("/volunteering/me/").content.decode()
    assert _summary_cells(receiver) == {year: ["0", "0:00", "0:00", "0:30"]}


def test_activity_form_reports_bad_dates_beside_the_fields(cast, login):
    response = login(cast, "social").post(
        "/volunteering/activities/new/",
        {
            "organisation": cast.orgs["volunteers"].pk,
            "title": "t",
            "area": cast.community(1).pk,
            "place": "p",
            "starts_at": "2020-01-01T09:00",
            "ends_at": "2019-01-01T09:00",
            "slots": "3",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "The start must be in the future." in body
    assert "The end must be after the start." in body


def test_profile_edit_and_delete(cast, login):
    client = login(cast, "resident2")
    response = client.post(
        "/volunteering/me/profile/",
        {"skills": ["first_aid", "driving"], "suggestible": "on", "areas": [cast.community(2).pk]},
    )
    assert response.status_code == 302
    assert cast.resident2.volunteer_profile.skills == ["first_aid", "driving"]
    assert client.post("/volunteering/me/profile/", {"skills": ["nonsense"]}).status_code == 400
    assert client.post("/volunteering/me/profile/delete/").status_code == 302
    cast.resident2.refresh_from_db()
    assert (
        not hasattr(cast.resident2, "volunteer_profile") or cast.resident2.volunteer_profile is None
    )


def test_cancel_asks_for_confirmation_first(cast, login):
    activity = make_activity(cast, start_in=timedelta(days=3))
    signup = services.signup_create(actor=cast.resident, activity=activity)
    client = login(cast, "resident")
    assert (
        "Yes, cancel" in client.get(f"/volunteering/signups/{signup.pk}/cancel/").content.decode()
    )
    signup.refresh_from_db()
    assert signup.status == "confirmed"
    client.post(f"/volunteering/signups/{signup.pk}/cancel/")
    signup.refresh_from_db()
    assert signup.status == "cancelled"
