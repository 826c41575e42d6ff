"""Every write of the safety app.

Services check permission and state, lock the row they change, write an audit event and
queue notifications after commit. A refused request leaves nothing behind: input is
validated in full before the first write, and each service runs in one transaction.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from gongzhi.audit.models import ConsentPurpose
from gongzhi.audit.services import audit_record, email_consent_given
from gongzhi.core.errors import (
    Conflict,
    NotPermitted,
    OutOfScope,
    TransitionNotAllowed,
    ValidationFailed,
)
from gongzhi.notifications.services import notification_send
from gongzhi.organizations.models import Organisation, Role
from gongzhi.organizations.selectors import (
    covers_area,
    has_role,
    is_admin,
    memberships_with,
    roles_of,
)
from gongzhi.territory.models import Area, AreaKind

from .models import (
    Alert,
    AlertDelivery,
    Answer,
    ChecklistAnswer,
    ChecklistTemplate,
    DutyAssignment,
    DutyType,
    Finding,
    Frequency,
    GridAssignment,
    MissedPatrol,
    PatrolPhoto,
    PatrolPlan,
    PatrolRecord,
    Risk,
    RiskEvent,
    RoleDutyWhitelist,
    Severity,
)
from .permissions import RISK_ROLES, is_assigned_to_grid, publisher_scopes
from .selectors import period_of
from .workflow import (
    ALERT_TRANSITIONS,
    FINDING_TRANSITIONS,
    RISK_TRANSITIONS,
    AlertStatus,
    FindingStatus,
    RiskLevel,
    RiskStatus,
    alert_can,
    allowed_actions,
    finding_can,
    risk_can,
)

ALERTS = ConsentPurpose.ALERTS.value
MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000
MAX_PHOTO_SIDE = 2048
MAX_PHOTOS = 6


def _require_manager(actor: Any, area: Area) -> None:
    if not actor.has_perm("safety.manage_grid", area):
        raise NotPermitted(_("Only the committee over this area can manage its grids."))


# --- Photos -----------------------------------------------------------------------------


def photo_clean(upload: Any, *, field: str = "photos") -> ContentFile[bytes]:
    """Check that `upload` is an image and return it re-encoded as JPEG, without EXIF.

    Re-encoding drops the metadata a phone writes into a photo (position, device), which
    must not leave the phone's owner through us.
    """
    name = getattr(upload, "name", "photo")
    size = getattr(upload, "size", None) or 0
    if size > MAX_PHOTO_BYTES:
        raise ValidationFailed(
            _("%(name)s is larger than 8 MB. Take the photo at a lower resolution.") % {"name": name}, field=field
        )
    try:
        upload.seek(0)
        data = upload.read()
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_PHOTO_PIXELS:
                raise ValidationFailed(_("%(name)s has too many pixels.") % {"name": name}, field=field)
            probe.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            upright: Image.Image = ImageOps.exif_transpose(img) or img
            pic = upright.convert("RGB")
            pic.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))
            out = io.BytesIO()
            pic.save(out, format="JPEG", quality=85)
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ValidationFailed(
            _("%(name)s is not a photo we can read. Upload a JPEG, PNG or WebP image.") % {"name": name}, field=field
        ) from None
    return ContentFile(out.getvalue(), name="photo.jpg")


# --- Grids and duties -------------------------------------------------------------------


@transaction.atomic
def grid_assign(*, actor: Any, grid: Area, worker: Any, is_deputy: bool = False) -> GridAssignment:
    """Make `worker` (a grid worker whose scope covers the grid) responsible for `grid`."""
    if grid.kind != AreaKind.GRID:
        raise ValidationFailed(_("Choose a grid, not a larger area."), field="grid")
    if actor is not None:
        _require_manager(actor, grid)
    if not (has_role(worker, Role.GRID_WORKER) and covers_area(worker, grid, Role.GRID_WORKER)):
        raise ValidationFailed(
            _("%(name)s is not a grid worker for this area. Give them the grid-worker role first.") % {"name": worker},
            field="worker",
        )
    assignment, _created = GridAssignment.objects.update_or_create(
        grid=grid, worker=worker, defaults={"is_deputy": is_deputy, "is_active": True, "assigned_by": actor}
    )
    audit_record(stream=f"grid:{grid.code}", action="safety.grid_assigned", actor=actor,
                 data={"worker": worker.pk, "deputy": is_deputy})
    return assignment


@transaction.atomic
def grid_unassign(*, actor: Any, assignment: GridAssignment) -> GridAssignment:
    """End an assignment; the worker's past records stay."""
    assignment = GridAssignment.objects.select_for_update(of=("self",)).select_related("grid").get(pk=assignment.pk)
    _require_manager(actor, assignment.grid)
    if assignment.is_active:
        assignment.is_active = False
        assignment.save(update_fields=["is_active"])
        audit_record(stream=f"grid:{assignment.grid.code}", action="safety.grid_unassigned", actor=actor,
                     data={"worker": assignment.worker_id})
    return assignment


def duty_whitelist_for(role: str) -> list[DutyType]:
    return [w.duty_type for w in RoleDutyWhitelist.objects.filter(role=role).select_related("duty_type")]


@transaction.atomic
def duty_assign(*, actor: Any, worker: Any, duty_type: DutyType, grid: Area | None = None, note: str = "",
                role: str = Role.GRID_WORKER) -> DutyAssignment:
    """Give `worker` a duty. Only duty types on the whitelist of `role` are accepted.

    The refusal names the reason: grid workers help their neighbours and look after
    places; enforcement and watching people are not theirs to do.
    """
    if not actor.has_perm("safety.assign_duty", grid):
        raise NotPermitted(_("Only the committee over this area can assign duties."))
    if role not in roles_of(worker):
        raise ValidationFailed(_("%(name)s does not hold this role.") % {"name": worker}, field="worker")
    if grid is not None and not covers_area(worker, grid, role):
        raise ValidationFailed(_("This grid is outside the worker's area."), field="grid")
    if not RoleDutyWhitelist.objects.filter(role=role, duty_type=duty_type).exists():
        reason = duty_type.refusal_reason or _("This duty type is not on the list of duties for this role.")
        allowed = [d.code for d in duty_whitelist_for(role)]
        audit_record(stream=f"duties:{worker.pk}", action="safety.duty_refused", actor=actor,
                     data={"duty": duty_type.code, "role": role})
        raise NotPermitted(
            _("%(duty)s cannot be given to a %(role)s: %(reason)s")
            % {"duty": duty_type.name, "role": Role(role).label.lower(), "reason": reason},
            field="duty_type", allowed=allowed,
        )
    assignment = DutyAssignment.objects.create(
        worker=worker, role=role, duty_type=duty_type, grid=grid, note=note, assigned_by=actor
    )
    audit_record(stream=f"duties:{worker.pk}", action="safety.duty_assigned", actor=actor,
                 data={"duty": duty_type.code, "grid": grid.code if grid else None})
    return assignment


@transaction.atomic
def patrol_plan_save(*, actor: Any, grid: Area, template: ChecklistTemplate, frequency: str = Frequency.WEEKLY,
                     starts_on: dt.date | None = None) -> PatrolPlan:
    """Create the active plan for `grid` × `template`, or change its frequency."""
    if grid.kind != AreaKind.GRID:
        raise ValidationFailed(_("Choose a grid, not a larger area."), field="grid")
    if actor is not None:
        _require_manager(actor, grid)
    if frequency not in Frequency.values:
        raise ValidationFailed(_("Choose how often the grid is walked."), field="frequency")
    plan = PatrolPlan.objects.select_for_update().filter(grid=grid, template=template, is_active=True).first()
    if plan is None:
        plan = PatrolPlan.objects.create(grid=grid, template=template, frequency=frequency,
                                         starts_on=starts_on or timezone.localdate(), created_by=actor)
    elif plan.frequency != frequency:
        plan.frequency = frequency
        plan.save(update_fields=["frequency"])
    audit_record(stream=f"grid:{grid.code}", action="safety.plan_saved", actor=actor,
                 data={"template": template.code, "frequency": frequency})
    return plan


# --- Patrol records ---------------------------------------------------------------------


def _validate_answers(template: ChecklistTemplate, answers: Mapping[int, tuple[str, str]]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for item in template.items.all():
        answer, note = answers.get(item.pk, ("", ""))
        field = f"item_{item.pk}"
        if not answer:
            if item.is_required:
                errors[field] = [_("Answer this question: %(q)s") % {"q": item.text}]
            continue
        if answer not in Answer.values:
            errors[field] = [_("Choose one of the answers.")]
        elif answer == Answer.PROBLEM and not note.strip():
            errors[f"note_{item.pk}"] = [_("Say in a few words what the problem is.")]
    return errors


def _saved_record(client_uuid: uuid.UUID) -> PatrolRecord | None:
    return PatrolRecord.objects.filter(client_uuid=client_uuid).first()


def patrol_record_submit(
    *,
    actor: Any,
    client_uuid: uuid.UUID,
    grid: Area,
    template: ChecklistTemplate,
    answers: Mapping[int, tuple[str, str]],
    notes: str = "",
    lat: float | None = None,
    lon: float | None = None,
    photos: Sequence[Any] = (),
    plan: PatrolPlan | None = None,
) -> PatrolRecord:
    """Save a patrol with its checklist answers, photos and one finding per problem.

    Idempotent on `client_uuid`: a phone that retries after a lost answer gets the record
    it already saved, never a second one. Everything is checked before the first write.
    """
    existing = _saved_record(client_uuid)
    if existing is not None:
        if existing.worker_id != actor.pk:
            raise Conflict(_("This form was already submitted by someone else. Open a new patrol form."))
        return existing
    if not is_assigned_to_grid(actor, grid):
        raise NotPermitted(
            _("You are not assigned to grid %(grid)s, so you cannot record its patrols.") % {"grid": grid.name},
            field="grid",
        )
    if not template.is_active:
        raise ValidationFailed(_("This checklist is no longer in use."), field="template")
    errors = _validate_answers(template, answers)
    if (lat is None) != (lon is None) or (lat is not None and not (-90 <= lat <= 90 and -180 <= float(lon or 0) <= 180)):
        errors["lat"] = [_("Give both latitude and longitude, or neither.")]
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [_("Attach at most %(n)s photos.") % {"n": MAX_PHOTOS}]
    if errors:
        raise ValidationFailed(_("Some answers are missing or wrong; see the marked questions."), errors=errors)
    cleaned = [photo_clean(p) for p in photos]
    try:
        with transaction.atomic():
            record = PatrolRecord.objects.create(
                client_uuid=client_uuid, plan=plan, grid=grid, template=template, worker=actor,
                notes=notes.strip(), lat=lat, lon=lon,
            )
            items = {i.pk: i for i in template.items.all()}
            for item_id, (answer, note) in answers.items():
                if item_id not in items or not answer:
                    continue
                ChecklistAnswer.objects.create(record=record, item=items[item_id], answer=answer, note=note.strip())
                if answer == Answer.PROBLEM:
                    Finding.objects.create(record=record, item=items[item_id], description=note.strip())
            for content in cleaned:
                photo = PatrolPhoto(record=record)
                photo.image.save(content.name or "photo.jpg", content, save=True)
            audit_record(stream=f"patrol:{record.client_uuid}", action="safety.patrol_recorded", actor=actor,
                         data={"grid": grid.code, "template": template.code, "findings": record.findings.count()})
    except IntegrityError:
        # Two copies of the same submission raced; the other one won.
        existing = PatrolRecord.objects.filter(client_uuid=client_uuid).first()
        if existing is None:
            raise
        return existing
    return record


def _lock_finding(finding: Finding) -> Finding:
    return Finding.objects.select_for_update(of=("self",)).select_related("record", "record__grid", "record__template",
                                                              "item").get(pk=finding.pk)


@transaction.atomic
def finding_fix(*, actor: Any, finding: Finding, photo: Any, note: str = "") -> Finding:
    """Record that a hazard was fixed on the spot; a photo of the result is required."""
    finding = _lock_finding(finding)
    if not is_assigned_to_grid(actor, finding.record.grid):
        raise NotPermitted(_("Only the grid's workers can close its findings."))
    if finding.status == FindingStatus.FIXED:
        return finding  # a retry of the same click
    if not finding_can(finding.status, "fix"):
        raise TransitionNotAllowed(_("This finding was already reported as a case."),
                                   allowed=allowed_actions(FINDING_TRANSITIONS, finding.status))
    if photo is None:
        raise ValidationFailed(_("Add a photo that shows the hazard is fixed."), field="photo")
    content = photo_clean(photo, field="photo")
    finding.status = FindingStatus.FIXED
    finding.resolution_note = note.strip()[:500]
    finding.resolved_at = timezone.now()
    finding.resolved_by = actor
    finding.save(update_fields=["status", "resolution_note", "resolved_at", "resolved_by"])
    image = PatrolPhoto(record=finding.record, finding=finding)
    image.image.save("fixed.jpg", content, save=True)
    audit_record(stream=f"patrol:{finding.record.client_uuid}", action="safety.finding_fixed", actor=actor,
                 data={"finding": finding.pk})
    return finding


# Checklist topic → case categories of the catalogue, most specific first.
CATEGORY_BY_TOPIC = {
    "fire": ["fire-exit", "safety-fire"],
    "gas": ["gas"],
    "ebike": ["ebike-charging", "safety-fire"],
    "lift": ["lift"],
    "building_site": ["construction-site"],
    "flood": ["drain-blocked"],
    "general": ["safety-other", "safety"],
}


def _case_service() -> Any:
    try:
        case_services = importlib.import_module("gongzhi.cases.services")
    except ImportError:
        return None
    return getattr(case_services, "case_submit", None)


def _category_for(topic: str) -> Any:
    Category = apps.get_model("cases", "Category")
    codes = CATEGORY_BY_TOPIC.get(topic, []) + CATEGORY_BY_TOPIC["general"]
    found = {c.code: c for c in Category.objects.filter(code__in=codes, is_active=True)}
    for code in codes:
        if code in found:
            return found[code]
    return None


@transaction.atomic
def finding_report(*, actor: Any, finding: Finding, note: str = "") -> Finding:
    """Hand a hazard that cannot be fixed on the spot to the case service (channel "patrol").

    The finding's UUID is the idempotency key, so a retry never opens a second case. If
    the case service is not installed, the finding waits as "awaiting case".
    """
    finding = _lock_finding(finding)
    record = finding.record
    if not is_assigned_to_grid(actor, record.grid):
        raise NotPermitted(_("Only the grid's workers can report its findings."))
    if finding.status == FindingStatus.REPORTED:
        return finding
    if not finding_can(finding.status, "report"):
        raise TransitionNotAllowed(_("This finding was already fixed on the spot."),
                                   allowed=allowed_actions(FINDING_TRANSITIONS, finding.status))
    if note.strip():
        finding.resolution_note = note.strip()[:500]
    case_submit = _case_service()
    category = _category_for(record.template.topic) if case_submit is not None else None
    if case_submit is None or category is None:
        finding.status = FindingStatus.AWAITING_CASE
    else:
        question = finding.item.text_zh if finding.item else record.template.name_zh
        description = f"{question}：{finding.description}"
        if finding.resolution_note:
            description += f"\n{finding.resolution_note}"
        photos = [p.image for p in finding.photos.all()] or [p.image for p in record.photos.filter(finding=None)]
        case = case_submit(
            actor=actor, channel="patrol", category=category,
            title=f"{record.template.name_zh}：{question}"[:120], description=description,
            lat=record.lat, lon=record.lon, area=record.grid, photos=photos[:5],
            idempotency_key=str(finding.uuid),
        )
        finding.case_number = str(case.number)
        finding.status = FindingStatus.REPORTED
    finding.resolved_at = timezone.now()
    finding.resolved_by = actor
    finding.save(update_fields=["status", "case_number", "resolution_note", "resolved_at", "resolved_by"])
    audit_record(stream=f"patrol:{record.client_uuid}", action="safety.finding_reported", actor=actor,
                 data={"finding": finding.pk, "case": finding.case_number})
    return finding


def missed_patrols_flag(*, today: dt.date | None = None, lookback_periods: int = 8) -> int:
    """Flag every completed plan period without a patrol record. Idempotent; returns new flags."""
    today = today or timezone.localdate()
    created = 0
    for plan in PatrolPlan.objects.filter(is_active=True, starts_on__lt=today).select_related("grid", "template"):
        current_start, _end = period_of(plan, today)
        days = plan.period_days
        first = max(plan.starts_on, current_start - dt.timedelta(days=days * lookback_periods))
        start = first
        while start < current_start:
            end = start + dt.timedelta(days=days)
            lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
            hi = timezone.make_aware(dt.datetime.combine(end, dt.time.min))
            done = PatrolRecord.objects.filter(grid=plan.grid, template=plan.template,
                                               recorded_at__gte=lo, recorded_at__lt=hi).exists()
            if not done:
                _obj, new = MissedPatrol.objects.get_or_create(plan=plan, period_start=start,
                                                               defaults={"period_end": end})
                created += int(new)
            start = end
    return created


# --- Risks ------------------------------------------------------------------------------


def _check_level(level: str) -> None:
    if level not in RiskLevel.values:
        raise ValidationFailed(_("Choose a level: low, medium, high or critical."), field="level")


@transaction.atomic
def risk_register(*, actor: Any, title: str, place: str, area: Area, risk_type: str, level: str,
                  owner_department: Organisation, review_due: dt.date, measures: str = "",
                  lat: float | None = None, lon: float | None = None,
                  linked_cases: Iterable[str] = ()) -> Risk:
    """Put a risk in the register. The actor's scope must cover the area (or own the department)."""
    if not actor.has_perm("safety.add_risk"):
        raise NotPermitted(_("You cannot register risks."))
    own_department = any(
        m.organisation_id == owner_department.pk for m in memberships_with(actor, Role.STAFF, Role.HEAD)
    )
    if not (covers_area(actor, area, *RISK_ROLES) or own_department):
        raise OutOfScope(_("This area is outside your scope."), field="area")
    _check_level(level)
    if review_due < timezone.localdate():
        raise ValidationFailed(_("The review date must not be in the past."), field="review_due")
    risk = Risk.objects.create(
        title=title.strip(), place=place.strip(), area=area, risk_type=risk_type, level=level,
        owner_department=owner_department, review_due=review_due, measures=measures.strip(),
        lat=lat, lon=lon, linked_cases=list(linked_cases), created_by=actor,
    )
    RiskEvent.objects.create(risk=risk, kind=RiskEvent.Kind.REGISTERED, to_level=level, actor=actor)
    audit_record(stream=f"risk:{risk.pk}", action="safety.risk_registered", actor=actor,
                 data={"level": level, "area": area.code, "owner": owner_department.code})
    return risk


def _lock_risk(actor: Any, risk: Risk, action: str) -> Risk:
    risk = Risk.objects.select_for_update(of=("self",)).select_related("area", "owner_department").get(pk=risk.pk)
    if not actor.has_perm("safety.review_risk", risk):
        raise NotPermitted(_("Only the committee and the owner department can change this risk."))
    if not risk_can(risk.status, action):
        raise TransitionNotAllowed(_("This risk is closed."), allowed=allowed_actions(RISK_TRANSITIONS, risk.status))
    return risk


@transaction.atomic
def risk_change_level(*, actor: Any, risk: Risk, level: str, reason: str) -> Risk:
    """Raise or lower a risk's level; a reason is required and kept in the history."""
    risk = _lock_risk(actor, risk, "change_level")
    _check_level(level)
    if not reason.strip():
        raise ValidationFailed(_("Say why the level changes."), field="reason")
    if level == risk.level:
        raise ValidationFailed(_("The risk already has this level."), field="level")
    RiskEvent.objects.create(risk=risk, kind=RiskEvent.Kind.LEVEL, from_level=risk.level, to_level=level,
                             reason=reason.strip(), actor=actor)
    audit_record(stream=f"risk:{risk.pk}", action="safety.risk_level_changed", actor=actor,
                 data={"from": risk.level, "to": level})
    risk.level = level
    risk.save(update_fields=["level", "updated_at"])
    return risk


@transaction.atomic
def risk_review(*, actor: Any, risk: Risk, note: str, next_review: dt.date, measures: str | None = None) -> Risk:
    """Record a review and set the next review date."""
    risk = _lock_risk(actor, risk, "review")
    if not note.strip():
        raise ValidationFailed(_("Write down what the review found."), field="note")
    if next_review <= timezone.localdate():
        raise ValidationFailed(_("The next review must be after today."), field="next_review")
    RiskEvent.objects.create(risk=risk, kind=RiskEvent.Kind.REVIEWED, reason=note.strip(), actor=actor)
    risk.review_due = next_review
    fields = ["review_due", "updated_at"]
    if measures is not None and measures.strip():
        risk.measures = measures.strip()
        fields.append("measures")
    risk.save(update_fields=fields)
    audit_record(stream=f"risk:{risk.pk}", action="safety.risk_reviewed", actor=actor,
                 data={"next_review": next_review.isoformat()})
    return risk


@transaction.atomic
def risk_link(*, actor: Any, risk: Risk, kind: str, reference: str) -> Risk:
    """Link a case (by number) or a hot-spot warning (by reference) to the risk."""
    risk = _lock_risk(actor, risk, "review")
    reference = reference.strip()
    if not reference or len(reference) > 64:
        raise ValidationFailed(_("Give the case number or warning reference."), field="reference")
    if kind not in ("case", "warning"):
        raise ValidationFailed(_("Choose a case or a warning."), field="kind")
    field = "linked_cases" if kind == "case" else "linked_warnings"
    links = list(getattr(risk, field))
    if reference not in links:
        links.append(reference)
        setattr(risk, field, links)
        risk.save(update_fields=[field, "updated_at"])
        audit_record(stream=f"risk:{risk.pk}", action="safety.risk_linked", actor=actor,
                     data={"kind": kind, "reference": reference})
    return risk


@transaction.atomic
def risk_close(*, actor: Any, risk: Risk, reason: str) -> Risk:
    """The risk is gone: close it, with the reason."""
    risk = _lock_risk(actor, risk, "close")
    if not reason.strip():
        raise ValidationFailed(_("Say why the risk is gone."), field="reason")
    RiskEvent.objects.create(risk=risk, kind=RiskEvent.Kind.CLOSED, reason=reason.strip(), actor=actor)
    risk.status = RiskStatus.CLOSED
    risk.save(update_fields=["status", "updated_at"])
    audit_record(stream=f"risk:{risk.pk}", action="safety.risk_closed", actor=actor, data={})
    return risk


# --- Alerts -----------------------------------------------------------------------------


def alert_recipients(areas: Iterable[Area]) -> list[Any]:
    """Residents confirmed to live in one of `areas` (or below)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from gongzhi.accounts.models import Residence, ResidenceStatus

    q = Q(pk__in=[])
    for area in areas:
        q |= area.subtree_q("area__")
    user_ids = Residence.objects.filter(q, status=ResidenceStatus.APPROVED).values("user_id")
    return list(get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))


def alert_publish(*, actor: Any, kind: str, severity: str, title: str, body: str, areas: Sequence[Area],
                  expires_at: dt.datetime, publisher_org: Organisation | None = None,
                  idempotency_key: uuid.UUID | None = None) -> Alert:
    """Publish an alert to the residents of `areas`: an inbox entry each, and e-mail.

    Emergencies are e-mailed at once; other alerts go out in the next e-mail digest. All
    areas must lie within one publishing scope of the actor. Idempotent on the key.
    """
    if idempotency_key is not None:
        existing = Alert.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    scopes = publisher_scopes(actor)
    if not scopes:
        raise NotPermitted(_("Only the committee or a department can publish alerts."))
    if not areas:
        raise ValidationFailed(_("Choose at least one area."), field="areas")
    if publisher_org is not None:
        scopes = [(o, a) for o, a in scopes if o.pk == publisher_org.pk]
    if not is_admin(actor):
        outside = [a for a in areas if not any(scope.contains(a) for _o, scope in scopes)]
        if outside:
            raise OutOfScope(
                _("%(areas)s is outside the area you may alert.") % {"areas": ", ".join(a.name for a in outside)},
                field="areas",
            )
    if severity not in Severity.values:
        raise ValidationFailed(_("Choose a severity."), field="severity")
    if not title.strip():
        raise ValidationFailed(_("Give the alert a title."), field="title")
    if not body.strip():
        raise ValidationFailed(_("Write the message residents will read."), field="body")
    if expires_at <= timezone.now():
        raise ValidationFailed(_("The alert must expire in the future."), field="expires_at")
    org = next((o for o, a in scopes if all(a.contains(x) for x in areas)), scopes[0][0] if scopes else None)
    if org is None:
        raise NotPermitted(_("Only the committee or a department can publish alerts."))
    with transaction.atomic():
        alert = Alert.objects.create(
            kind=kind, severity=severity, title=title.strip(), body=body.strip(), expires_at=expires_at,
            publisher_org=org, published_by=actor, idempotency_key=idempotency_key,
        )
        alert.areas.set(areas)
        recipients = alert_recipients(areas)
        emergency = severity == Severity.EMERGENCY
        now = timezone.now()
        # An alert e-mail is optional mail: only with the person's "alerts" consent. The
        # inbox entry and the public alert page reach everyone regardless.
        AlertDelivery.objects.bulk_create(
            [AlertDelivery(alert=alert, user=u,
                           emailed_at=now if emergency and u.email
                           and email_consent_given(user=u, purpose=ALERTS) else None)
             for u in recipients]
        )
        from django.urls import reverse

        url = reverse("safety:alert_detail", args=[alert.pk])
        for user in recipients:
            notification_send(recipient=user, kind="safety_alert", context={"alert": alert}, url=url,
                              email=emergency, consent=ALERTS)
        audit_record(stream=f"alert:{alert.pk}", action="safety.alert_published", actor=actor,
                     data={"areas": [a.code for a in areas], "severity": severity, "recipients": len(recipients)})
    return alert


@transaction.atomic
def alert_mark_read(*, actor: Any, alert: Alert) -> AlertDelivery | None:
    """The read receipt: set once, the first time the resident opens the alert."""
    if not getattr(actor, "is_authenticated", False):
        return None
    delivery = AlertDelivery.objects.select_for_update().filter(alert=alert, user=actor).first()
    if delivery is not None and delivery.read_at is None:
        delivery.read_at = timezone.now()
        delivery.save(update_fields=["read_at"])
    return delivery


@transaction.atomic
def alert_withdraw(*, actor: Any, alert: Alert) -> Alert:
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.publisher_org_id not in {o.pk for o, _a in publisher_scopes(actor)}:
        raise NotPermitted(_("Only the organisation that published the alert can withdraw it."))
    if not alert_can(alert.status, "withdraw"):
        raise TransitionNotAllowed(_("The alert was already withdrawn."),
                                   allowed=allowed_actions(ALERT_TRANSITIONS, alert.status))
    alert.status = AlertStatus.WITHDRAWN
    alert.save(update_fields=["status"])
    audit_record(stream=f"alert:{alert.pk}", action="safety.alert_withdrawn", actor=actor, data={})
    return alert


def alert_digest_send() -> int:
    """E-mail each resident who agreed to alert e-mails one digest of the non-emergency
    alerts not yet e-mailed. Without that consent the deliveries stay pending (inbox only):
    someone who agrees later gets the alerts that are still in force."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    pending = (
        AlertDelivery.objects.filter(emailed_at=None, alert__status=AlertStatus.PUBLISHED,
                                     alert__expires_at__gt=timezone.now())
        .exclude(user__email="")
        .select_related("alert", "user")
        .order_by("user_id", "alert__published_at")
    )
    by_user: dict[int, list[AlertDelivery]] = {}
    for d in pending:
        by_user.setdefault(d.user_id, []).append(d)
    sent = 0
    for deliveries in by_user.values():
        user = deliveries[0].user
        if not email_consent_given(user=user, purpose=ALERTS):
            continue
        sent += 1
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            subject = _("Alerts for your area")
            body = render_to_string("safety/email/digest.txt", {"deliveries": deliveries, "site_url": settings.SITE_URL})
        send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, None, [user.email])
        AlertDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(emailed_at=timezone.now())
    return sent
