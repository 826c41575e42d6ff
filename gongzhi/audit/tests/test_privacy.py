from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
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
    user = cast.resident2
    pk = user.pk
    Notification.objects.create(recipient=user, kind="x", subject="hello")
    client = login(cast, "resident2")
    response = client.post("/audit/delete/", {"password": DEMO_PASSWORD, "confirm": "on"})
    assert response.status_code == 302
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
