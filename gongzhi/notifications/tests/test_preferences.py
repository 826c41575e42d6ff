"""Per-kind delivery preferences and the daily digest."""

from __future__ import annotations

from typing import Any

from django.core import mail
from django.urls import reverse

from gongzhi.notifications.models import Notification, NotificationPreference, NotificationSettings
from gongzhi.notifications.services import notification_send, send_digests


def _send(user: Any, kind: str = "case_submitted") -> Notification:
    return notification_send(
        recipient=user, kind=kind, context={"number": "261122-ABCDEF"}, url="/cases/261122-ABCDEF/"
    )


def test_default_is_inbox_and_email_in_the_recipients_language(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        note = _send(cast.resident2)  # prefers English
        zh = _send(cast.resident)
    assert note.read_at is None and "261122-ABCDEF" in note.subject and "received" in note.subject
    assert "受理" in zh.subject or "收到" in zh.subject or zh.subject != note.subject
    assert len(mail.outbox) == 2


def test_inbox_only_off_and_email_only(cast: Any, django_capture_on_commit_callbacks: Any) -> None:
    user = cast.resident2
    NotificationPreference.objects.create(user=user, kind="case_submitted", delivery="inbox")
    NotificationPreference.objects.create(user=user, kind="case_closed", delivery="off")
    NotificationPreference.objects.create(user=user, kind="case_replied", delivery="email")
    with django_capture_on_commit_callbacks(execute=True):
        inbox_only = _send(user)
        off = _send(user, "case_closed")
        email_only = _send(user, "case_replied")
    assert inbox_only.read_at is None
    assert off.read_at is not None and email_only.read_at is not None
    assert [m.subject for m in mail.outbox] == ["[Gongzhi] " + email_only.subject]


def test_staff_with_the_digest_get_one_email_a_day(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    NotificationSettings.objects.create(user=cast.clerk, daily_digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        for kind in ("case_dispatched", "case_reopened", "case_overdue"):
            _send(cast.clerk, kind)
    assert mail.outbox == []
    assert send_digests() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].body.count("/cases/261122-ABCDEF/") == 3
    assert send_digests() == 0


def test_preferences_page_saves_choices_and_rejects_unknown_values(cast: Any, login: Any) -> None:
    client = login(cast, "clerk")
    page = client.get(reverse("notifications:preferences"))
    assert page.status_code == 200 and "kind_case_dispatched" in page.content.decode()
    bad = client.post(reverse("notifications:preferences"), {"kind_case_dispatched": "pigeon"})
    assert bad.status_code == 400 and "kind_case_dispatched" in bad.context["form"].errors
    data = {f: "both" for f in page.context["form"].fields if f.startswith("kind_")}
    data.update({"kind_case_dispatched": "inbox", "daily_digest": "on"})
    assert client.post(reverse("notifications:preferences"), data).status_code == 302
    assert (
        NotificationPreference.objects.get(user=cast.clerk, kind="case_dispatched").delivery
        == "inbox"
    )
    assert NotificationSettings.objects.get(user=cast.clerk).daily_digest


def test_withdrawn_email_consent_keeps_notifications_in_the_inbox_only(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from gongzhi.audit.services import email_consent_set

    user = cast.resident2
    email_consent_set(actor=user, purpose="notifications", given=False)
    with django_capture_on_commit_callbacks(execute=True):
        note = _send(user)
    assert mail.outbox == []
    assert Notification.objects.get(pk=note.pk).read_at is None  # still in the inbox
    NotificationSettings.objects.create(user=user, daily_digest=True)
    assert send_digests() == 0 and mail.outbox == []


def test_consent_withdrawn_before_the_email_goes_out_stops_it(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from gongzhi.audit.services import email_consent_set
    from gongzhi.notifications.services import deliver_email

    user = cast.resident2
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        note = _send(user)
    assert len(callbacks) == 1
    email_consent_set(actor=user, purpose="notifications", given=False)
    deliver_email(note.pk)
    assert mail.outbox == []
    assert Notification.objects.get(pk=note.pk).emailed_at is not None


def test_the_digest_skips_people_who_withdrew_consent_after_the_notes_arrived(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from gongzhi.audit.services import email_consent_set

    NotificationSettings.objects.create(user=cast.clerk, daily_digest=True)
    NotificationSettings.objects.create(user=cast.clerk_b, daily_digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        _send(cast.clerk, "case_dispatched")
        _send(cast.clerk_b, "case_dispatched")
    email_consent_set(actor=cast.clerk_b, purpose="notifications", given=False)
    assert send_digests() == 1
    assert [m.to for m in mail.outbox] == [[cast.clerk.email]]
    assert send_digests() == 0
