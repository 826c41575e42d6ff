"""Every write of the intelligence app: training models, recording triage decisions,
raising and handling early warnings."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import h3
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.audit.services import audit_record
from gongzhi.core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed

from . import registry, sources
from .hotspots import HotspotDetector
from .models import EarlyWarning, PlaceKind, TriageDecision, TriageModelRecord
from .permissions import is_committee
from .triage import Doc, TriageModel
from .workflow import ACTIVE, WarningStatus, allowed_targets, can_transition

log = logging.getLogger(__name__)

TARGETS = ("category", "department")
HOTSPOT_H3_RES = 8
Progress = Callable[[str], None] | None


def doc_for(text: str, *, area_code: str = "", channel: str = "") -> Doc:
    meta = []
    if area_code:
        # The grid and its community both: a new grid still shares its community.
        meta.append(f"place={area_code}")
        if "." in area_code:
            meta.append(f"place={area_code.rsplit('.', 1)[0]}")
    if channel:
        meta.append(f"channel={channel}")
    return Doc(text, tuple(meta))


def triage_train(
    *, target: str = "category", actor: Any = None, progress: Progress = None, min_cases: int = 0
) -> TriageModelRecord | None:
    """Train a triage model on the platform's confirmed cases (category and lead
    department set, not merged), seeded with the category tree's names and keywords
    (the cold start), save it as a new version and make it active.

    Returns None when there is nothing to learn from (fewer than two labels). Side
    effects: writes a model file under DATA_DIR/models, an audit event."""
    if target not in TARGETS:
        raise ValidationFailed(
            _("Unknown triage target %(target)s.") % {"target": target}, field="target"
        )
    docs: list[Doc] = []
    labels: list[str] = []
    for rec in sources.iter_cases(confirmed_only=True):
        label = rec.category if target == "category" else rec.department
        if label:
            docs.append(doc_for(rec.text, area_code=rec.area_code, channel=rec.channel))
            labels.append(label)
    if progress:
        progress(f"{len(docs)} confirmed cases")
    tree = sources.category_tree()
    keywords = tree if target == "category" else {}
    if len(docs) < min_cases or len(set(labels) | set(keywords)) < 2:
        return None
    model = TriageModel(tree=tree, label_keywords=keywords).fit(docs, labels, progress=progress)
    version = timezone.now().strftime("%Y%m%d%H%M%S") + "-" + uuid.uuid4().hex[:6]
    path = registry.model_path(target)
    model.save(path, meta={"version": version, "target": target, "trained_on": len(docs)})
    with transaction.atomic():
        TriageModelRecord.objects.filter(target=target, is_active=True).update(is_active=False)
        record = TriageModelRecord.objects.create(
            version=version,
            target=target,
            file_name=path.name,
            trained_on=len(docs),
            classes=[str(c) for c in model.classes_],
            metrics={
                "pseudo_labelled": model.pseudo_labelled,
                "fit_seconds": round(model.fit_seconds, 2),
            },
        )
        audit_record(
            stream="intelligence:triage",
            action="model_trained",
            actor=actor,
            data={"version": version, "target": target, "cases": len(docs)},
        )
    registry.forget_models()
    return record


def triage_decision_open(
    *, case: Any, suggestions: Sequence[dict[str, Any]], model_version: str = ""
) -> TriageDecision:
    """Remember what triage suggested for a newly submitted case (no actor: the
    platform made the suggestion)."""
    first = suggestions[0] if suggestions else {}
    return TriageDecision.objects.create(
        case_id=case.pk,
        case_number=str(getattr(case, "number", "") or ""),
        model_version=model_version,
        suggestions=list(suggestions),
        suggested_category=str(first.get("category_code") or ""),
        suggested_department=str(first.get("department_code") or ""),
        confidence=float(first.get("confidence") or 0.0),
    )


def triage_decision_close(
    *,
    case: Any,
    actor: Any,
    final_category: str,
    final_department: str = "",
    auto_dispatched: bool = False,
) -> TriageDecision | None:
    """Record what the operator (or automatic dispatch) chose for a case: acceptance
    or override of the suggestion. Locks the decision row; the first decision counts
    and later re-dispatches do not rewrite history. None if triage never suggested."""
    with transaction.atomic():
        decision = (
            TriageDecision.objects.select_for_update()
            .filter(case_id=case.pk)
            .order_by("-created_at")
            .first()
        )
        if decision is None or decision.decided_at is not None:
            return decision
        decision.final_category = final_category or ""
        decision.final_department = final_department or ""
        if decision.suggested_category and final_category:
            decision.category_accepted = decision.suggested_category == final_category
        if decision.suggested_department and final_department:
            decision.department_accepted = decision.suggested_department == final_department
        decision.auto_dispatched = auto_dispatched
        decision.actor = actor if getattr(actor, "is_authenticated", False) else None
        decision.decided_at = timezone.now()
        decision.save()
        audit_record(
            stream=f"case:{case.pk}",
            action="triage_"
            + ("accepted" if decision.category_accepted is not False else "overridden"),
            actor=decision.actor,
            data={
                "suggested": decision.suggested_category,
                "chosen": final_category,
                "model": decision.model_version,
            },
        )
    return decision


def triage_decisions_reconcile(*, limit: int = 2000) -> int:
    """Close the open triage records of cases that have since been dispatched: the
    case's category and lead department at dispatch are what the operator (or the
    catalogue, when dispatched automatically) chose. Returns how many were closed."""
    Case = sources.case_model()
    if Case is None:
        return 0
    open_ids = list(
        TriageDecision.objects.filter(decided_at__isnull=True).values_list("case_id", flat=True)[
            :limit
        ]
    )
    closed = 0
    cases = Case.objects.select_related("category", "lead_department").filter(
        pk__in=open_ids, lead_department__isnull=False
    )
    for case in cases:
        dispatched, submitted = (
            getattr(case, "dispatched_at", None),
            getattr(case, "submitted_at", None),
        )
        automatic = bool(dispatched and submitted and (dispatched - submitted).total_seconds() < 5)
        d = triage_decision_close(
            case=case,
            actor=None,
            final_category=case.category.code,
            final_department=case.lead_department.code,
            auto_dispatched=automatic,
        )
        closed += d is not None
    return closed


# -- early warnings -------------------------------------------------------------------


def _category_names() -> dict[str, str]:
    Category = sources.optional("gongzhi.cases.models", "Category")
    if Category is None:
        return {}
    try:
        return {c.code: str(getattr(c, "name", c.code)) for c in Category.objects.all()}
    except Exception:
        return {}


def warning_scan(
    *,
    today: date | None = None,
    detector: HotspotDetector | None = None,
    records: Sequence[sources.CaseRecord] | None = None,
    progress: Progress = None,
) -> list[EarlyWarning]:
    """Count the last weeks' cases per grid × category and per h3 cell × category,
    compare each pair with its own baseline, open (or refresh) a warning for every
    pair above it and let warnings whose pair calmed down subside.

    Idempotent for a given day. Side effects: EarlyWarning rows, audit events."""
    det = detector or HotspotDetector()
    today = today or timezone.localdate()
    since = today - timedelta(days=det.window_days + det.baseline_days)
    if records is None:
        start = timezone.make_aware(datetime.combine(since, datetime.min.time()))
        records = list(sources.iter_cases(since=start))
    places: dict[tuple[str, str], list[sources.CaseRecord]] = {}
    window_start = today - timedelta(days=det.window_days - 1)
    for rec in records:
        if rec.submitted_at is None or not rec.category:
            continue
        day = (
            timezone.localdate(rec.submitted_at)
            if timezone.is_aware(rec.submitted_at)
            else rec.submitted_at.date()
        )
        if day > today or day < since:
            continue
        keys = []
        if rec.area_code:
            keys.append(f"grid:{rec.area_code}")
        if rec.lat is not None and rec.lon is not None:
            keys.append("h3:" + h3.latlng_to_cell(rec.lat, rec.lon, HOTSPOT_H3_RES))
        for key in keys:
            det.add(key, rec.category, day)
            if day >= window_start:
                places.setdefault((key, rec.category), []).append(rec)
    alerts = det.scan(today)
    if progress:
        progress(f"{len(alerts)} pairs above their baseline")
    names = _category_names()
    areas = _areas_by_code(
        {a.place.split(":", 1)[1] for a in alerts if a.place.startswith("grid:")}
    )
    raised: list[EarlyWarning] = []
    active_keys = set()
    for a in alerts:
        kind, code = a.place.split(":", 1)
        active_keys.add((kind, code, a.category))
        recs = places.get((a.place, a.category), [])
        pts = [(r.lat, r.lon) for r in recs if r.lat is not None and r.lon is not None]
        lat = sum(p[0] for p in pts) / len(pts) if pts else None
        lon = sum(p[1] for p in pts) / len(pts) if pts else None
        if lat is None and kind == PlaceKind.CELL:
            lat, lon = h3.cell_to_latlng(code)
        area = areas.get(code) if kind == PlaceKind.GRID else None
        if lat is None and area is not None:
            lat, lon = area.centroid_lat, area.centroid_lon
        fields = {
            "window_start": window_start,
            "window_end": today,
            "observed": a.observed,
            "expected": a.expected,
            "p_value": a.p_value,
            "severity": a.severity,
            "lat": lat,
            "lon": lon,
            "case_ids": sorted(r.id for r in recs)[-200:],
            "category_name": names.get(a.category, a.category),
            "area": area,
        }
        with transaction.atomic():
            w = (
                EarlyWarning.objects.select_for_update()
                .filter(
                    place_kind=kind, place_code=code, category_code=a.category, status__in=ACTIVE
                )
                .first()
            )
            if w is None:
                try:
                    with transaction.atomic():
                        w = EarlyWarning.objects.create(
                            place_kind=kind, place_code=code, category_code=a.category, **fields
                        )
                except IntegrityError:  # a concurrent scan opened it first
                    w = EarlyWarning.objects.get(
                        place_kind=kind,
                        place_code=code,
                        category_code=a.category,
                        status=WarningStatus.OPEN,
                    )
                audit_record(
                    stream=f"warning:{w.pk}",
                    action="raised",
                    data={
                        "place": code,
                        "category": a.category,
                        "observed": a.observed,
                        "expected": a.expected,
                        "severity": a.severity,
                    },
                )
            else:
                for k, v in fields.items():
                    setattr(w, k, v)
                w.save()
        raised.append(w)
    for w in EarlyWarning.objects.filter(status=WarningStatus.OPEN):
        if (w.place_kind, w.place_code, w.category_code) not in active_keys:
            w.status = WarningStatus.EXPIRED
            w.save(update_fields=["status", "updated_at"])
    return raised


def _areas_by_code(codes: set[str]) -> dict[str, Any]:
    if not codes:
        return {}
    from gongzhi.territory.models import Area

    return {a.code: a for a in Area.objects.filter(code__in=codes)}


def warning_transition(
    *, warning: EarlyWarning, actor: Any, target: str, note: str = ""
) -> EarlyWarning:
    """Acknowledge or dismiss a warning (committee only). Locks the row; refuses a
    transition the workflow does not allow; writes an audit event."""
    if not is_committee(actor):
        raise NotPermitted(_("Only the committee can handle early warnings."))
    if target == WarningStatus.DISMISSED and not note.strip():
        raise ValidationFailed(_("Say why the warning is dismissed."), field="note")
    with transaction.atomic():
        w = EarlyWarning.objects.select_for_update().get(pk=warning.pk)
        if not can_transition(w.status, target):
            raise TransitionNotAllowed(
                _("This warning is %(status)s and cannot change to %(target)s.")
                % {"status": w.get_status_display(), "target": target},
                allowed=allowed_targets(w.status),
            )
        w.status = target
        if note.strip():
            w.note = (w.note + "\n" if w.note else "") + note.strip()[:2000]
        w.save()
        audit_record(
            stream=f"warning:{w.pk}", action=target, actor=actor, data={"note": note.strip()[:500]}
        )
    return w


def warning_convert(
    *, warning: EarlyWarning, actor: Any, department_code: str = ""
) -> EarlyWarning:
    """Turn a warning into a proactive task (未诉先办): a case on the platform with
    channel "proactive", dispatched like any case. Needs the cases app."""
    if not is_committee(actor):
        raise NotPermitted(_("Only the committee can turn warnings into tasks."))
    submit = sources.optional("gongzhi.cases.services", "case_submit")
    Category = sources.optional("gongzhi.cases.models", "Category")
    if submit is None:
        raise ValidationFailed(
            _("Proactive tasks need the cases module, which is not installed yet.")
        )
    with transaction.atomic():
        w = EarlyWarning.objects.select_for_update().get(pk=warning.pk)
        if not can_transition(w.status, WarningStatus.CONVERTED):
            raise TransitionNotAllowed(
                _("This warning is %(status)s and cannot become a task.")
                % {"status": w.get_status_display()},
                allowed=allowed_targets(w.status),
            )
        title = _("Proactive task: %(category)s in %(place)s") % {
            "category": w.category_name or w.category_code,
            "place": w.area.name if w.area else w.place_code,
        }
        description = _(
            "%(observed)d reports of this problem between %(start)s and %(end)s where about %(expected).1f were expected. "
            "Look into the cause before more residents have to report it."
        ) % {
            "observed": w.observed,
            "start": w.window_start,
            "end": w.window_end,
            "expected": w.expected,
        }
        category = Category.objects.filter(code=w.category_code).first() if Category else None
        if category is None:
            raise ValidationFailed(
                _("The warning's category %(code)s no longer exists.") % {"code": w.category_code}
            )
        try:
            case = submit(
                actor=actor,
                title=str(title)[:120],
                description=description,
                category=category,
                area=w.area,
                lat=w.lat,
                lon=w.lon,
                channel="proactive",
                auto_dispatch=True,
            )
        except TypeError as exc:  # the cases app's signature moved on: say so, do not 500
            log.exception("case_submit signature mismatch")
            raise ValidationFailed(
                _("The proactive task could not be created; tell the administrator.")
            ) from exc
        w.status = WarningStatus.CONVERTED
        w.proactive_case_id = case.pk
        w.proactive_case_number = str(getattr(case, "number", "") or case.pk)
        w.save()
        audit_record(
            stream=f"warning:{w.pk}",
            action="converted",
            actor=actor,
            data={"case": w.proactive_case_number},
        )
    return w
