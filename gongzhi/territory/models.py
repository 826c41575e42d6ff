"""Areas of the territory, as one tree: city → district → street → community → grid.

An area's code is hierarchical: a child's code is its parent's code, a dot, and a
segment (`XH.C1.G03`), so a subtree is a prefix query on an indexed column.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class AreaKind(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Grid")


KIND_RANK = {
    AreaKind.CITY: 0,
    AreaKind.DISTRICT: 1,
    AreaKind.STREET: 2,
    AreaKind.COMMUNITY: 3,
    AreaKind.GRID: 4,
}

code_validator = RegexValidator(
    r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$",
    _("Use letters, digits, '-' and '_', with '.' between the levels, e.g. XH.C1.G03."),
)


class BilingualNameMixin(models.Model):
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        if (get_language() or "zh-hans").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh

    def __str__(self) -> str:
        return self.name


class Area(BilingualNameMixin):
    code = models.CharField(_("code"), max_length=64, unique=True, validators=[code_validator])
    kind = models.CharField(_("kind"), max_length=16, choices=AreaKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    geometry = models.JSONField(_("boundary (GeoJSON geometry)"), null=True, blank=True)
    centroid_lat = models.FloatField(null=True, blank=True, editable=False)
    centroid_lon = models.FloatField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        indexes = [models.Index(fields=["kind", "code"])]

    @property
    def is_grid(self) -> bool:
        return self.kind == AreaKind.GRID

    def subtree_q(self, prefix: str = "") -> Q:
        """A filter for this area and everything below it, on a field path ending in an Area."""
        field = f"{prefix}code" if prefix else "code"
        return Q(**{field: self.code}) | Q(**{f"{field}__startswith": self.code + "."})

    def ancestor_codes(self) -> list[str]:
        parts = self.code.split(".")
        return [".".join(parts[: i + 1]) for i in range(len(parts))]

    def contains(self, other: Area) -> bool:
        return other.code == self.code or other.code.startswith(self.code + ".")

    def geojson_feature(self, **extra: Any) -> dict[str, Any]:
        return {
            "type": "Feature",
            "id": self.code,
            "geometry": self.geometry,
            "properties": {
                "code": self.code,
                "kind": self.kind,
                "name": self.name,
                "name_zh": self.name_zh,
                "name_en": self.name_en,
                "parent": self.parent.code if self.parent_id and self.parent else None,
                **extra,
            },
        }
