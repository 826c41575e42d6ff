"""Navigation labels of the volunteering pages, kept here so that their translations
live in this app's catalogue (core/navigation.py imports them)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

NAV_ORGANISE = _("Organise activities")
NAV_REFERRALS = _("Referred cases")
NAV_REVIEW = _("Organisations to verify")
