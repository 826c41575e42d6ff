from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone

from gongzhi.accounts.models import Residence, ResidenceStatus
from gongzhi.audit import privacy, services
from gongzhi.audit.models import AuditEvent, EmailConsent, RetentionRule
from gongzhi.core.demo import DEMO_PASSWORD
from gongzhi.core.errors import Conflict, ValidationFailed
from gongzhi.notifications.models import Notification


def test_resident_downloads_all_their_data_as_json(cast: Any, login: Any) -> None:
    Notification.objects.create(recipient=cast.resident, kind="x", subject="Your case was answered")
    response = login(cast, "resident").get("/audit/my-data.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["user_id"] == cast.resident.pk
    account = data["sections"]["accounts"]
    assert account["username"] == "resident" and account["email"] == cast.resident.email
    assert [n["subject"] for n in data["sections"]["notifications"]["notifications"]] == [
        "Your case was answered"
    ]
    assert AuditEvent.objects.filter(
        stream=f"account:{cast.resident.pk}", action="data_exported"
    ).exists()


def _resident_takes_part_everywhere(cast: Any) -> dict[str, Any]:
    """The resident reports and evaluates a case, proposes, supports, argues and votes,
    volunteers and earns hours, and applies for mediation against resident2."""
    from gongzhi.cases import demo as cases_demo
    from gongzhi.cases.models import Case, Category
    from gongzhi.cases.services import case_submit
    from gongzhi.consultations import demo as consultations_demo
    from gongzhi.mediation import services as mediation
    from gongzhi.mediation.models import PartyRole
    from gongzhi.volunteering import services as volunteering
    from gongzhi.volunteering.models import Activity, SignUp
    from gongzhi.volunteering.workflow import SignUpStatus

    cases_demo.seed_calendar()
    cases_demo.seed_categories()
    area = cast.grid(1, 1)
    case = case_submit(
        actor=cast.resident, channel="web", category=Category.objects.get(code="pothole"),
        description="A deep pothole by the school gate.", area=area,
        lat=area.centroid_lat, lon=area.centroid_lon,
    )
    Case.objects.filter(pk=case.pk).update(
        resolved=True, satisfaction=4, evaluation_comment="Fixed within a week.",
        evaluated_at=timezone.now(),
    )
    consultations_demo.seed(cast)
    volunteering.volunteer_profile_save(
        actor=cast.resident, skills=["first_aid"], note="Evenings only, please."
    )
    start = timezone.now() - timedelta(hours=1)
    activity = Activity.objects.create(
        organisation=cast.orgs["volunteers"], title="Litter picking by the river",
        area=cast.community(1), place="Bridge", starts_at=start,
        ends_at=start + timedelta(hours=2), slots=5, created_by=cast.social,
    )
    signup = SignUp.objects.create(
        activity=activity, volunteer=cast.resident, status=SignUpStatus.CHECKED_IN,
        checked_in_at=start,
    )
    volunteering.hours_certify(actor=cast.social, signup=signup, minutes=90)
    mediation.supervisor_designate(actor=cast.admin, area=cast.street, user=cast.committee)
    dispute = mediation.mediation_apply(
        actor=cast.resident, dispute_type="noise", area=cast.community(1),
        description="Drumming upstairs every night.",
        respondent=mediation.PartyData(PartyRole.RESPONDENT, "Li Wei", phone="13911112222"),
    )
    return {"case": case, "mediation": dispute}


def test_the_download_holds_each_apps_own_data_and_no_ballot_choice(
    cast: Any, login: Any
) -> None:
    from gongzhi.consultations.models import Ballot

    made = _resident_takes_part_everywhere(cast)
    response = login(cast, "resident").get("/audit/my-data.json")
    assert response.status_code == 200
    sections = json.loads(response.content)["sections"]

    cases = sections["cases"]
    assert [c["number"] for c in cases["reported_cases"]] == [made["case"].number]
    assert cases["reported_cases"][0]["description"] == "A deep pothole by the school gate."
    assert cases["evaluations"] == [
        {
            "case": made["case"].number, "resolved": True, "satisfaction": 4,
            "comment": "Fixed within a week.", "evaluated_at": cases["evaluations"][0]["evaluated_at"],
            "by_default": False,
        }
    ]

    consultations = sections["consultations"]
    assert {p["title"] for p in consultations["proposals"]} == {
        "增设儿童游乐区", "柳岸社区增设电动自行车充电桩"
    }
    assert [s["title"] for s in consultations["supports"]] == ["柳岸社区增设电动自行车充电桩"]
    assert [a["body"] for a in consultations["arguments"]] == ["下班回家已经八点多，延长时间能减少乱堆放。"]
    assert len(consultations["votes_taken_part_in"]) == 2
    # Participation only: no receipt, no option, nothing a ballot could be matched with.
    text = response.content.decode()
    for ballot in Ballot.objects.all():
        assert ballot.receipt_hash not in text and str(ballot.pk) not in text
    assert all(
        set(v) == {"topic", "question", "voted_on", "age_declared"}
        for v in consultations["votes_taken_part_in"]
    )
    assert "choices" not in text

    volunteering = sections["volunteering"]
    assert volunteering["profile"]["skills"] == ["first_aid"]
    assert volunteering["profile"]["note"] == "Evenings only, please."
    assert [s["title"] for s in volunteering["signups"]] == ["Litter picking by the river"]
    assert [(e["kind"], e["minutes"]) for e in volunteering["ledger"]] == [("certified", 90)]

    mediation = sections["mediation"]
    [entry] = mediation["mediation_cases"]
    assert entry["number"] == made["mediation"].number and entry["role"] == "applicant"
    assert entry["my_party_record"]["name"] == cast.resident.public_name
    assert "Li Wei" not in text and "13911112222" not in text


def test_my_data_page_shows_the_data_escaped(cast: Any, login: Any) -> None:
    cast.resident.display_name = "<b>Wang</b>"
    cast.resident.save()
    response = login(cast, "resident").get("/audit/my-data/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "&lt;b&gt;Wang&lt;/b&gt;" in html and "<b>Wang</b>" not in html


def test_visitor_is_sent_to_log_in_for_my_data(db: Any, client: Any) -> None:
    response = client.get("/audit/my-data/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_deleting_an_account_anonymises_the_person_but_keeps_the_row(cast: Any, login: Any) -> None:
    from gongzhi.cases import demo as cases_demo
    from gongzhi.cases.models import Case, Category
    from gongzhi.cases.services import case_submit

    user = cast.resident2
    pk = user.pk
    name = user.public_name
    Notification.objects.create(recipient=user, kind="x", subject="hello")
    cases_demo.seed_calendar()
    cases_demo.seed_categories()
    case = case_submit(
        actor=user, channel="web", category=Category.objects.get(code="pothole"),
        description="Broken paving outside number 12.", area=cast.grid(1, 1),
        caller_name="Wang Fang", caller_phone="13800001111", contact_preference="phone",
    )
    client = login(cast, "resident2")
    response = client.post("/audit/delete/", {"password": DEMO_PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    # The case stays in the record, without anything that says who reported it.
    case = Case.objects.get(pk=case.pk)
    assert case.description == "Broken paving outside number 12." and case.reporter_id == pk
    assert (case.caller_name, case.caller_phone, case.contact_preference) == ("", "", "")
    public = Client().get(f"/cases/{case.number}/").content.decode()
    assert case.number in public and name not in public and "Wang Fang" not in public
    user.refresh_from_db()
    assert (user.pk, user.username, user.email, user.phone, user.display_name) == (
        pk,
        f"deleted-{pk}",
        "",
        "",
        "",
    )
    assert not user.is_active and not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not Notification.objects.filter(recipient=user).exists()
    assert not Residence.objects.filter(user=user, status=ResidenceStatus.APPROVED).exists()
    assert AuditEvent.objects.filter(stream=f"account:{pk}", action="account_deleted").exists()
    assert client.get("/audit/my-data/").status_code == 302


def test_deletion_with_a_wrong_password_names_the_field_and_changes_nothing(
    cast: Any, login: Any
) -> None:
    response = login(cast, "resident").post(
        "/audit/delete/", {"password": "wrong-password", "confirm": "on"}
    )
    assert response.status_code == 400
    assert (
        "password is not right" in response.content.decode() or "密码" in response.content.decode()
    )
    cast.resident.refresh_from_db()
    assert cast.resident.is_active and cast.resident.username == "resident"


def test_deletion_without_confirmation_is_refused(cast: Any, login: Any) -> None:
    response = login(cast, "resident").post("/audit/delete/", {"password": DEMO_PASSWORD})
    assert response.status_code == 400
    cast.resident.refresh_from_db()
    assert cast.resident.is_active


def test_a_blocker_refuses_the_whole_deletion_with_its_reason(cast: Any) -> None:
    privacy.register(
        "test-mediation", deletion_blocker=lambda user: "You are a party to open mediation M-1."
    )
    try:
        with pytest.raises(Conflict, match="open mediation M-1"):
            services.account_delete(actor=cast.resident, password=DEMO_PASSWORD)
    finally:
        privacy._handlers.pop("test-mediation")
    cast.resident.refresh_from_db()
    assert cast.resident.is_active and EmailAddress.objects.filter(user=cast.resident).exists()


def test_staff_with_an_active_role_cannot_delete_their_account(cast: Any, login: Any) -> None:
    response = login(cast, "clerk").get("/audit/delete/")
    assert response.status_code == 200
    assert b'name="password"' not in response.content
    with pytest.raises(Conflict):
        services.account_delete(actor=cast.clerk, password=DEMO_PASSWORD)


def test_wrong_password_raises_validation_on_the_password_field(cast: Any) -> None:
    with pytest.raises(ValidationFailed) as error:
        services.account_delete(actor=cast.resident, password="nope")
    assert error.value.field == "password"


def test_consents_are_recorded_and_withdrawn(cast: Any, login: Any) -> None:
    user = cast.resident
    assert services.email_consent_given(user=user, purpose="notifications")
    assert not services.email_consent_given(user=user, purpose="news")
    client = login(cast, "resident")
    assert client.post("/audit/consents/", {"news": "on"}).status_code == 302
    assert services.email_consent_given(user=user, purpose="news")
    assert not services.email_consent_given(user=user, purpose="notifications")
    client.post("/audit/consents/", {"notifications": "on"})
    assert not services.email_consent_given(user=user, purpose="news")
    news = EmailConsent.objects.get(user=user, purpose="news")
    assert news.withdrawn_at is not None and news.given_at <= news.withdrawn_at
    assert (
        AuditEvent.objects.filter(stream=f"account:{user.pk}", action="consent_withdrawn").count()
        == 2
    )


def test_retention_removes_only_data_older_than_the_rule(cast: Any) -> None:
    now = timezone.now()
    old = Notification.objects.create(
        recipient=cast.resident, kind="x", subject="old", read_at=now - timedelta(days=400)
    )
    recent = Notification.objects.create(
        recipient=cast.resident, kind="x", subject="new", read_at=now - timedelta(days=45)
    )
    unread = Notification.objects.create(recipient=cast.resident, kind="x", subject="unread")
    result = services.retention_run(now=now)
    assert result["notifications.read"] >= 1
    remaining = set(
        Notification.objects.filter(pk__in=[old.pk, recent.pk, unread.pk]).values_list(
            "pk", flat=True
        )
    )
    assert remaining == {recent.pk, unread.pk}
    rule = RetentionRule.objects.get(data_type="notifications.read")
    assert rule.months == 12 and rule.last_run_at == now
    RetentionRule.objects.filter(pk=rule.pk).update(months=1)
    services.retention_run(now=now)
    assert set(
        Notification.objects.filter(pk__in=[recent.pk, unread.pk]).values_list("pk", flat=True)
    ) == {unread.pk}
    assert AuditEvent.objects.filter(stream="privacy:retention", action="purged").count() >= 2


def test_months_before_clamps_to_the_end_of_a_short_month() -> None:
    moment = timezone.now().replace(year=2026, month=3, day=31)
    assert services.months_before(moment, 1).date().isoformat() == "2026-02-28"
    assert services.months_before(moment, 15).date().isoformat() == "2024-12-31"


def test_anchors_page_is_public_and_lists_anchors(db: Any, client: Any) -> None:
    services.audit_record(stream="case:77", action="created")
    anchor = services.audit_anchor_create(until=timezone.now())
    assert anchor is not None
    response = client.get("/audit/anchors/")
    assert response.status_code == 200 and anchor.hash in response.content.decode()
    doc = client.get("/audit/anchors.json").json()
    assert doc["anchors"][-1]["hash"] == anchor.hash


def test_retention_clears_callers_contact_details_months_after_the_case_closed(cast: Any) -> None:
    from gongzhi.cases import demo as cases_demo
    from gongzhi.cases.models import Case, Category, Status
    from gongzhi.cases.services import case_submit

    cases_demo.seed_calendar()
    cases_demo.seed_categories()
    now = timezone.now()

    def phoned(description: str, status: str, closed_days_ago: int | None) -> Case:
        case = case_submit(
            actor=cast.operator, channel="phone", category=Category.objects.get(code="pothole"),
            description=description, area=cast.grid(1, 1),
            caller_name="Zhao Min", caller_phone="13700002222",
        )
        closed = now - timedelta(days=closed_days_ago) if closed_days_ago is not None else None
        Case.objects.filter(pk=case.pk).update(status=status, closed_at=closed)
        return case

    long_closed = phoned("Closed eight months ago.", Status.CLOSED, 240)
    recently_closed = phoned("Closed a month ago.", Status.CLOSED, 30)
    rejected_long_ago = phoned("Rejected a year ago.", Status.REJECTED, 365)
    still_open = phoned("Still being handled.", Status.IN_PROGRESS, None)

    result = services.retention_run(now=now)
    assert result["cases.contact"] == 2
    contacts = {
        c.pk: (c.caller_name, c.caller_phone)
        for c in Case.objects.filter(
            pk__in=[long_closed.pk, recently_closed.pk, rejected_long_ago.pk, still_open.pk]
        )
    }
    assert contacts == {
        long_closed.pk: ("", ""),
        rejected_long_ago.pk: ("", ""),
        recently_closed.pk: ("Zhao Min", "13700002222"),
        still_open.pk: ("Zhao Min", "13700002222"),
    }
    assert Case.objects.get(pk=long_closed.pk).description == "Closed eight months ago."
    rule = RetentionRule.objects.get(data_type="cases.contact")
    assert rule.months == 6 and rule.last_purged == 2
