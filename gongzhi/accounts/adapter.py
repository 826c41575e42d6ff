from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Sends allauth's mails in the person's language and hands over invitations on log-in."""

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        from django.utils import translation

        user = context.get("user")
        language = getattr(user, "preferred_language", None) or translation.get_language()
        with translation.override(language):
            super().send_mail(template_prefix, email, context)

    def login(self, request: HttpRequest, user: Any) -> None:
        super().login(request, user)
        from gongzhi.organizations.services import invitations_accept_for

        if user.emailaddress_set.filter(email__iexact=user.email, verified=True).exists():
            invitations_accept_for(user=user)
