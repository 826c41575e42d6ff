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

from .models import Notification

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
        subject = engine.get_template(f"notifications/kinds/{kind}.subject.txt").render(Context(context)).strip()
        body = engine.get_template(f"notifications/kinds/{kind}.body.txt").render(Context(context)).strip()
    return " ".join(subject.split())[:200], body


def notification_send(
    *,
    recipient: Any,
    kind: str,
    context: dict[str, Any] | None = None,
    url: str = "",
    email: bool = True,
) -> Notification:
    """Put a notification in `recipient`'s inbox and e-mail it once the transaction commits."""
    ctx = {"recipient": recipient, "url": url, "site_url": settings.SITE_URL, **(context or {})}
    subject, body = _render(kind, ctx, recipient.preferred_language or settings.LANGUAGE_CODE)
    note = Notification.objects.create(recipient=recipient, kind=kind, subject=subject, body=body, url=url)
    if email and recipient.email:
        transaction.on_commit(lambda: _email(note.pk))
    return note


def _email(notification_id: int) -> None:
    from .tasks import email_notification

    email_notification(notification_id)


def deliver_email(notification_id: int) -> None:
    note = Notification.objects.select_related("recipient").filter(pk=notification_id, emailed_at=None).first()
    if note is None:
        return
    link = f"{settings.SITE_URL}{note.url}" if note.url.startswith("/") else note.url
    body = f"{note.body}\n\n{link}".strip()
    send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + note.subject, body, None, [note.recipient.email])
    Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())


def notification_mark_read(*, actor: Any, notification_ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=actor, read_at=None)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())
