"""Writes to the territory: creating areas and importing them from GeoJSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import mapping, shape
from shapely.validation import explain_validity

from gongzhi.audit.services import audit_record
from gongzhi.core.errors import ValidationFailed

from .models import KIND_RANK, Area, AreaKind, code_validator
from .spatial import bump_version

# Grids may touch along a shared edge; overlaps smaller than this (in squared degrees,
# about 1 m²) are rounding noise from digitisation, not real overlaps.
OVERLAP_TOLERANCE = 1e-10


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


def _centroid(geometry: dict[str, Any] | None) -> tuple[float | None, float | None]:
    if not geometry:
        return None, None
    c = shape(geometry).centroid
    return c.y, c.x


def _check_parent(kind: str, parent: Area | None, code: str) -> str | None:
    if parent is None:
        return None if kind == AreaKind.CITY else _("needs a parent area")
    if KIND_RANK[AreaKind(parent.kind)] >= KIND_RANK[AreaKind(kind)]:
        return _("a %(kind)s cannot sit under a %(parent_kind)s") % {"kind": kind, "parent_kind": parent.kind}
    if not code.startswith(parent.code + "."):
        return _("its code must start with its parent's code followed by a dot (%(prefix)s…)") % {
            "prefix": parent.code + "."
        }
    return None


@transaction.atomic
def area_save(
    *,
    actor: Any,
    code: str,
    kind: str,
    name_zh: str,
    name_en: str = "",
    parent: Area | None = None,
    geometry: dict[str, Any] | None = None,
) -> Area:
    """Create or update one area by code (used by the seed and by imports)."""
    problem = _check_parent(kind, parent, code)
    if problem:
        raise ValidationFailed(f"{code}: {problem}", field="parent")
    lat, lon = _centroid(geometry)
    area, _created = Area.objects.update_or_create(
        code=code,
        defaults={
            "kind": kind,
            "name_zh": name_zh,
            "name_en": name_en,
            "parent": parent,
            "depth": (parent.depth + 1) if parent else 0,
            "geometry": geometry,
            "centroid_lat": lat,
            "centroid_lon": lon,
        },
    )
    # Bump now (this process sees its own writes at once) and again after commit (so
    # other processes rebuild from committed rows, never from a half-done import).
    bump_version()
    transaction.on_commit(bump_version)
    return area


def areas_import_geojson(*, actor: Any, data: Any) -> ImportReport:
    """Import a FeatureCollection of areas and grids, all or nothing.

    Each feature needs `properties.code`, `properties.kind`, `properties.name_zh`
    (`name_en` optional) and `properties.parent` (a code, in the file or already
    stored; a city has none). Every problem is collected and reported with the
    feature that has it; if there is any, nothing is written.
    """
    errors: dict[str, list[str]] = {}

    def fail(label: str, message: str) -> None:
        errors.setdefault(label, []).append(message)

    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValidationFailed(
            _("The file is not a GeoJSON FeatureCollection (its top level needs \"type\": \"FeatureCollection\")."),
            field="file",
        )
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise ValidationFailed(_("The FeatureCollection has no features."), field="file")

    parsed: list[dict[str, Any]] = []
    seen_codes: dict[str, str] = {}
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        code = str((props or {}).get("code") or "").strip()
        label = _("feature %(n)s (%(code)s)") % {"n": number, "code": code or _("no code")}
        if not isinstance(props, dict):
            fail(label, _("has no properties"))
            continue
        if not code:
            fail(label, _("has no code"))
            continue
        try:
            code_validator(code)
        except ValidationError:
            fail(label, _("code “%(code)s” is malformed: use letters, digits, '-', '_' and dots") % {"code": code})
            continue
        if code in seen_codes:
            fail(label, _("duplicate code, already used by %(other)s") % {"other": seen_codes[code]})
            continue
        seen_codes[code] = label
        kind = str(props.get("kind") or "").strip()
        if kind not in AreaKind.values:
            fail(label, _("unknown kind “%(kind)s”; use one of %(kinds)s") % {"kind": kind, "kinds": ", ".join(AreaKind.values)})
            continue
        name_zh = str(props.get("name_zh") or props.get("name") or "").strip()
        if not name_zh:
            fail(label, _("has no name_zh"))
            continue
        geom_obj = None
        geometry = feature.get("geometry")
        if geometry is not None:
            try:
                geom_obj = shape(geometry)
            except Exception:  # shapely raises several types for malformed input
                fail(label, _("geometry cannot be read as GeoJSON"))
                continue
            if geom_obj.geom_type not in ("Polygon", "MultiPolygon"):
                fail(label, _("geometry must be a Polygon or MultiPolygon, not %(t)s") % {"t": geom_obj.geom_type})
                continue
            if geom_obj.is_empty:
                fail(label, _("geometry is empty"))
                continue
            if not geom_obj.is_valid:
                fail(label, _("invalid polygon: %(why)s") % {"why": explain_validity(geom_obj)})
                continue
            minx, miny, maxx, maxy = geom_obj.bounds
            if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
                fail(label, _("coordinates are outside longitude/latitude range; use WGS84 [lon, lat]"))
                continue
        elif kind == AreaKind.GRID:
            fail(label, _("a grid needs a polygon"))
            continue
        parsed.append(
            {
                "label": label, "code": code, "kind": kind, "name_zh": name_zh,
                "name_en": str(props.get("name_en") or "").strip(),
                "parent": str(props.get("parent") or "").strip() or None,
                "geometry": mapping(geom_obj) if geom_obj is not None else None, "shape": geom_obj,
            }
        )

    by_code = {p["code"]: p for p in parsed}
    stored = {a.code: a for a in Area.objects.filter(code__in=[p["parent"] for p in parsed if p["parent"]])}
    for p in parsed:
        parent_code = p["parent"]
        if parent_code is None:
            if p["kind"] != AreaKind.CITY:
                fail(p["label"], _("needs a parent code"))
            continue
        parent_kind = by_code[parent_code]["kind"] if parent_code in by_code else (
            stored[parent_code].kind if parent_code in stored else None
        )
        if parent_kind is None:
            fail(p["label"], _("unknown parent “%(code)s” (not in the file, not stored)") % {"code": parent_code})
            continue
        if KIND_RANK[AreaKind(parent_kind)] >= KIND_RANK[AreaKind(p["kind"])]:
            fail(p["label"], _("a %(kind)s cannot sit under a %(parent_kind)s") % {"kind": p["kind"], "parent_kind": parent_kind})
        elif not p["code"].startswith(parent_code + "."):
            fail(p["label"], _("its code must start with its parent's code followed by a dot (%(prefix)s…)") % {"prefix": parent_code + "."})

    grids = [p for p in parsed if p["kind"] == AreaKind.GRID and p["shape"] is not None]
    existing = [
        (a.code, shape(a.geometry))
        for a in Area.objects.filter(kind=AreaKind.GRID, is_active=True).exclude(geometry=None).exclude(code__in=by_code)
    ]
    for i, g in enumerate(grids):
        others = [(o["code"], o["shape"]) for o in grids[i + 1:]] + existing
        for other_code, other in others:
            if g["shape"].intersects(other) and g["shape"].intersection(other).area > OVERLAP_TOLERANCE:
                fail(g["label"], _("overlaps grid %(other)s") % {"other": other_code})

    if errors:
        count = sum(len(v) for v in errors.values())
        raise ValidationFailed(
            _("Nothing was imported: %(count)s problem(s) found. Fix them and import the file again.") % {"count": count},
            errors=errors,
        )

    report = ImportReport()
    existing_codes = set(Area.objects.filter(code__in=by_code).values_list("code", flat=True))
    order = sorted(parsed, key=lambda p: KIND_RANK[AreaKind(p["kind"])])
    with transaction.atomic():
        resolved: dict[str, Area] = dict(stored)
        for p in order:
            area = area_save(
                actor=actor, code=p["code"], kind=p["kind"], name_zh=p["name_zh"], name_en=p["name_en"],
                parent=resolved.get(p["parent"]) if p["parent"] else None, geometry=p["geometry"],
            )
            resolved[area.code] = area
            (report.updated if p["code"] in existing_codes else report.created).append(p["code"])
        audit_record(
            stream="territory", action="territory.imported", actor=actor,
            data={"created": len(report.created), "updated": len(report.updated)},
        )
    return report
