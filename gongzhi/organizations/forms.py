from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.territory.models import Area

from .models import ROLES_BY_KIND, Organisation, Role
from .services import PRIVILEGED_ROLES


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"))
    area = forms.ModelChoiceField(
        label=_("Area scope (optional)"), queryset=Area.objects.none(), required=False,
        empty_label=_("The whole area the organisation serves"),
    )

    def __init__(self, *args: Any, organisation: Organisation, can_grant_privileged: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = ROLES_BY_KIND.get(organisation.kind, set())
        self.fields["role"].choices = [  # type: ignore[attr-defined]
            (r.value, r.label) for r in Role if r in allowed and (can_grant_privileged or r not in PRIVILEGED_ROLES)
        ]
        self.fields["area"].queryset = Area.objects.filter(organisation.area.subtree_q()).order_by("code")  # type: ignore[attr-defined]
