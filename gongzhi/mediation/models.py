"""Mediation, legal aid and the library of legal bases that decisions cite."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class LegalBasisKind(models.TextChoices):
    LAW = "law", _("Law")
    REGULATION = "regulation", _("Administrative regulation")
    LOCAL_RULE = "local_rule", _("Local rule")
    POLICY = "policy", _("Policy document")


class LegalBasis(models.Model):
    """An article of a law, regulation or local rule that a decision can cite."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=LegalBasisKind.choices)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    article = models.CharField(_("article"), max_length=60, blank=True, help_text=_("E.g. Art. 28, paragraph 2"))
    text_zh = models.TextField(_("text (Chinese)"), blank=True)
    text_en = models.TextField(_("text (English)"), blank=True)
    url = models.URLField(_("official source"), blank=True)
    is_active = models.BooleanField(_("in force"), default=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal bases")

    def __str__(self) -> str:
        return f"{self.title} {self.article}".strip()

    @property
    def title(self) -> str:
        if (get_language() or "").startswith("en") and self.title_en:
            return self.title_en
        return self.title_zh

    @property
    def text(self) -> str:
        if (get_language() or "").startswith("en") and self.text_en:
            return self.text_en
        return self.text_zh
