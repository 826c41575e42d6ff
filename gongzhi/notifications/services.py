"""Sending notifications: one inbox entry per recipient and, after commit, an e-mail.

A kind is a pair of templates, `notifications/kinds/<kind>.subject.txt` and
`<kind>.body.txt`, rendered in the recipient's preferred language, so a resident reads
Chinese and an English-speaking clerk reads English from the same event.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template import Context, Engine
from django.utils import timezone, translation

from gongzhi.audit.services import email_consent_given

from .models import Delivery, Notification, NotificationPreference, NotificationSettings

NOTIFICATIONS = "notifications"  # audit.models.ConsentPurpose.NOTIFICATIONS

# Plain-text templates: no HTML escaping here; the inbox page escapes when it shows them.
_engine: Engine | None = None


def _text_engine() -> Engine:
    global _engine
    if _engine is None:
        from django.template import engines

        main = engines["django"].engine  # type: ignore[attr-defined]
        _engine = Engine(dirs=main.dirs, app_dirs=True, autoescape=False, libraries=main.libraries)
    return _engine


def _render(kind: str, context: dict[str, Any], language: str) -> tuple[str, str]:
    engine = _text_engine()
    with translation.override(language):
        subject = (
            engine.get_template(f"notifications/kinds/{kind}.subject.txt")
            .render(Context(context))
            .strip()
        )
        body = (
            engine.get_template(f"notifications/kinds/{kind}.body.txt")
            .render(Context(context))
            .strip()
        )
    return " ".join(subject.split())[:200], body


def delivery_for(recipient: Any, kind: str) -> tuple[str, bool]:
    """(delivery, daily digest) for a recipient and kind; defaults when nothing is stored."""
    pref = (
        NotificationPreference.objects.filter(user=recipient, kind=kind)
        .values_list("delivery", flat=True)
        .first()
    )
    digest = NotificationSettings.objects.filter(user=recipient, daily_digest=True).exists()
    return pref or Delivery.BOTH, digest


def notification_send(
    *,
    recipient: Any,
    kind: str,
    context: dict[str, Any] | None = None,
    url: str = "",
    email: bool = True,
    consent: str = "notifications",
) -> Notification:
    """Put a notification in `recipient`'s inbox and e-mail it once the transaction commits.

    The recipient's preference for the kind decides: inbox and e-mail (default), inbox
    only, e-mail only (the entry is stored already read) or off (stored read, not sent).
    People with the daily digest get their e-mails in one message from `send_digests`.
    No e-mail at all unless the person's e-mail consent for `consent` (an audit
    `ConsentPurpose`) holds; the inbox entry is kept either way.
    """
    ctx = {"recipient": recipient, "url": url, "site_url": settings.SITE_URL, **(context or {})}
    subject, body = _render(kind, ctx, recipient.preferred_language or settings.LANGUAGE_CODE)
    delivery, digest = delivery_for(recipient, kind)
    silent = delivery in (Delivery.EMAIL, Delivery.OFF)
    note = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        subject=subject,
        body=body,
        url=url,
        read_at=timezone.now() if silent else None,
    )
    wants_email = (
        email
        and delivery in (Delivery.BOTH, Delivery.EMAIL)
        and bool(recipient.email)
        and email_consent_given(user=recipient, purpose=consent)
    )
    if not wants_email:
        # Marked as handled so the digest does not pick it up either.
        Notification.objects.filter(pk=note.pk).update(emailed_at=note.created_at)
    elif not digest:
        transaction.on_commit(lambda: _email(note.pk, consent))
    return note


def send_digests(*, now: Any = None) -> int:
    """One e-mail per person with the daily digest, listing what arrived since the last one."""
    now = now or timezone.now()
    sent = 0
    for prefs in NotificationSettings.objects.filter(daily_digest=True).select_related("user"):
        user = prefs.user
        notes = list(
            Notification.objects.filter(recipient=user, emailed_at=None).order_by("created_at")[
                :200
            ]
        )
        if not notes or not user.email:
            continue
        if not email_consent_given(user=user, purpose=NOTIFICATIONS):
            # Withdrawn since these arrived: they stay in the inbox, no e-mail goes out.
            Notification.objects.filter(pk__in=[n.pk for n in notes]).update(emailed_at=now)
            continue
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            subject = str(
                translation.gettext("Your daily summary: %(n)d notifications") % {"n": len(notes)}
            )
        lines = []
        for n in notes:
            link = f"{settings.SITE_URL}{n.url}" if n.url.startswith("/") else n.url
            lines.append(f"- {n.subject}\n  {link}".rstrip())
        send_mail(
            settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, "\n".join(lines), None, [user.email]
        )
        Notification.objects.filter(pk__in=[n.pk for n in notes]).update(emailed_at=now)
        prefs.last_digest_at = now
        prefs.save(update_fields=["last_digest_at"])
        sent += 1
    return sent


def known_kinds() -> list[str]:
    """Every notification kind that has templates, for the preferences page."""
    from pathlib import Path

    from django.apps import apps

    kinds: set[str] = set()
    for config in apps.get_app_configs():
        folder = Path(config.path) / "templates" / "notifications" / "kinds"
        if folder.is_dir():
            kinds.update(p.name.removesuffix(".subject.txt") for p in folder.glob("*.subject.txt"))
    return sorted(kinds)


def preferences_save(*, actor: Any, deliveries: dict[str, str], daily_digest: bool) -> None:
    """Store the actor's choices; unknown kinds or values are ignored by the form before this."""
    with transaction.atomic():
        for kind, delivery in deliveries.items():
            NotificationPreference.objects.update_or_create(
                user=actor, kind=kind, defaults={"delivery": delivery}
            )
        NotificationSettings.objects.update_or_create(
            user=actor, defaults={"daily_digest": daily_digest}
        )


def _email(notification_id: int, consent: str = NOTIFICATIONS) -> None:
    from .tasks import email_notification

    email_notification(notification_id, consent)


def deliver_email(notification_id: int, consent: str = NOTIFICATIONS) -> None:
    note = (
        Notification.objects.select_related("recipient")
        .filter(pk=notification_id, emailed_at=None)
        .first()
    )
    if note is None:
        return
    # Consent is checked again at sending time: it may have been withdrawn since.
    if not note.recipient.email or not email_consent_given(
        user=note.recipient, purpose=consent
    ):
        Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
        return
    link = f"{settings.SITE_URL}{note.url}" if note.url.startswith("/") else note.url
    body = f"{note.body}\n\n{link}".strip()
    send_mail(
        settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + note.subject, body, None, [note.recipient.email]
    )
    Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())


def notification_mark_read(*, actor: Any, notification_ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=actor, read_at=None)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())
