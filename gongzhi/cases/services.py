"""Every change to a case, its catalogue and its calendar.

Each transition service: locks the case row (`select_for_update`), checks the version
the page saw (`expected_version`; a stale page gets `Conflict`), the actor's scope
(`OutOfScope` → 404), the workflow table (`TransitionNotAllowed`, naming what is
allowed) and the permission (`NotPermitted`), recomputes the deadlines, appends one
`CaseEvent` and one audit event, and queues notifications. `actor=None` means the
system (periodic tasks) and skips the permission check.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.audit.services import audit_record
from gongzhi.core.errors import (
    Conflict,
    NotPermitted,
    OutOfScope,
    TransitionNotAllowed,
    ValidationFailed,
)
from gongzhi.mediation.selectors import legal_bases_to_cite
from gongzhi.notifications.services import notification_send
from gongzhi.organizations.models import Membership, Organisation, OrgKind, Role
from gongzhi.territory.models import Area

from . import conf, hooks
from .calendar import Calendar, add_working_minutes, warnings_for, working_minutes_between
from .models import (
    ACTIVE_ASSIGNMENT,
    AssignmentKind,
    AssignmentStatus,
    Case,
    CaseAssignment,
    CaseEvent,
    CasePhoto,
    Category,
    Channel,
    ContactPreference,
    DispatchRule,
    Holiday,
    Status,
    TimeLimit,
    Urgency,
    WarningLevel,
    WorkCalendar,
)
from .permissions import can_view, can_view_contact, forget_assignments, is_assisting, may
from .photos import clean_photos
from .workflow import (
    RESOLUTION_CLOCK_STATES,
    RESPONSE_CLOCK_STATES,
    TERMINAL,
    Transition,
    allowed_actions,
    check_state,
)

MAX_TEXT = 5000
NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{4,19}$")


# --- calendar ------------------------------------------------------------------------


def load_calendar() -> Calendar:
    """The default working calendar (Mon–Fri 9–17 Asia/Shanghai when none is configured)."""
    wc = WorkCalendar.objects.filter(is_default=True).first()
    if wc is None:
        return Calendar()
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    for day, kind in Holiday.objects.filter(calendar=wc).values_list("date", "kind"):
        (holidays if kind == "holiday" else workdays).add(day)
    weekdays = frozenset(int(x) for x in wc.working_weekdays.split(",") if x.strip().isdigit())
    return Calendar(
        tz=ZoneInfo(wc.time_zone),
        day_start=wc.day_start,
        day_end=wc.day_end,
        weekdays=weekdays,
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
    )


def limits_for(category: Category, urgency: str, cal: Calendar) -> tuple[int, int]:
    """(response, resolution) limits in working minutes for a category at an urgency."""
    chosen = None
    for limit in TimeLimit.objects.filter(
        Q(category=category) | Q(category__isnull=True), urgency=urgency
    ):
        if chosen is None or limit.category_id is not None:
            chosen = limit
    if chosen is not None:
        return chosen.response_hours * 60, chosen.resolution_days * cal.minutes_per_day
    return category.response_hours * 60, category.resolution_days * cal.minutes_per_day


def _set_clock(case: Case, now: dt.datetime, cal: Calendar) -> None:
    """Recompute the warning thresholds and the next sweep time of the running clock."""
    due: dt.datetime | None = None
    limit = 0
    if case.status in RESPONSE_CLOCK_STATES:
        due, limit = case.response_due_at, case.response_limit_minutes
    elif case.status in RESOLUTION_CLOCK_STATES and case.paused_at is None:
        due, limit = case.resolution_due_at, case.resolution_limit_minutes
    if due is None:
        case.yellow_at = case.red_at = case.next_check_at = None
        if case.status not in RESOLUTION_CLOCK_STATES:
            case.warning_level = WarningLevel.NONE
        return
    marks = warnings_for(cal, due, limit)
    case.yellow_at, case.red_at = marks.yellow, marks.red
    case.warning_level = _level(case, now)
    upcoming = [m for m in (marks.yellow, marks.red, due) if m > now]
    case.next_check_at = min(upcoming) if upcoming else None


def _level(case: Case, now: dt.datetime) -> int:
    due = case.active_due_at
    if due is not None and now >= due:
        return WarningLevel.OVERDUE
    if case.red_at is not None and now >= case.red_at:
        return WarningLevel.RED
    if case.yellow_at is not None and now >= case.yellow_at:
        return WarningLevel.YELLOW
    return WarningLevel.NONE


# --- catalogue -----------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    lead: Organisation
    assisting: tuple[Organisation, ...]
    rule: DispatchRule | None


def dispatch_suggest(*, category: Category, area: Area | None) -> Suggestion | None:
    """The most specific catalogue rule for a category and area (category depth first)."""
    cat_ids = [*category.ancestor_ids()]
    if category.pk not in cat_ids:
        cat_ids.append(category.pk)
    area_q = Q(area__isnull=True)
    if area is not None:
        area_q |= Q(area__code__in=area.ancestor_codes())
    rules = list(
        DispatchRule.objects.filter(Q(category_id__in=cat_ids) | Q(category__isnull=True), area_q)
        .select_related("category", "area", "lead")
        .prefetch_related("assisting")
    )
    if not rules:
        return None

    def specificity(rule: DispatchRule) -> tuple[int, int]:
        return (
            rule.category.depth + 1 if rule.category else 0,
            rule.area.depth + 1 if rule.area else 0,
        )

    best = max(rules, key=specificity)
    return Suggestion(lead=best.lead, assisting=tuple(best.assisting.all()), rule=best)


def dispatch_rule_save(
    *,
    actor: Any,
    lead: Organisation,
    category: Category | None = None,
    area: Area | None = None,
    assisting: Sequence[Organisation] = (),
    note: str = "",
    rule: DispatchRule | None = None,
) -> DispatchRule:
    """Create or change a catalogue rule. Equally specific rules (same keys) are refused."""
    errors: dict[str, list[str]] = {}
    if lead.kind not in (
        OrgKind.DEPARTMENT,
        OrgKind.PUBLIC_SERVICE,
        OrgKind.RESIDENTS_COMMITTEE,
        OrgKind.COMMITTEE,
    ):
        errors["lead"] = [_("The lead must be a department, public-service unit or committee.")]
    if any(o.pk == lead.pk for o in assisting):
        errors["assisting"] = [_("The lead department cannot also assist.")]
    clash = DispatchRule.objects.filter(category=category, area=area)
    if rule is not None:
        clash = clash.exclude(pk=rule.pk)
    if clash.exists():
        errors["category"] = [
            _(
                "A rule for this category and area already exists and would be equally specific; change that rule instead."
            )
        ]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)
    with transaction.atomic():
        if rule is None:
            rule = DispatchRule(category=category, area=area, lead=lead, note=note)
        else:
            rule.category, rule.area, rule.lead, rule.note = category, area, lead, note
        rule.save()
        rule.assisting.set(list(assisting))
        audit_record(
            stream="catalogue",
            action="dispatch_rule.saved",
            actor=actor,
            data={
                "rule": rule.pk,
                "category": category.code if category else None,
                "area": area.code if area else None,
                "lead": lead.code,
            },
        )
    return rule


def catalogue_gaps() -> list[Area]:
    """Active areas without a fallback owner (a rule with no category over them)."""
    fallbacks = list(DispatchRule.objects.filter(category__isnull=True).select_related("area"))
    if any(r.area is None for r in fallbacks):
        return []
    covered = [r.area for r in fallbacks if r.area is not None]
    return [
        a for a in Area.objects.filter(is_active=True) if not any(c.contains(a) for c in covered)
    ]


# --- submission ----------------------------------------------------------------------


def _new_number(now: dt.datetime) -> str:
    local = timezone.localtime(now)
    return f"{local:%y%m%d}-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(6))


def _is_authenticated(actor: Any) -> bool:
    return actor is not None and bool(getattr(actor, "is_authenticated", False))


def _clean_attributes(category: Category, attributes: dict[str, Any] | None) -> dict[str, Any]:
    given = dict(attributes or {})
    result: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for q in category.questions or []:
        code = str(q.get("code", ""))
        label = q.get("label_en") or code
        value = given.get(code)
        if value in (None, "", []):
            if q.get("required"):
                errors[f"attr_{code}"] = [_("“%(q)s” is required.") % {"q": label}]
            continue
        kind = q.get("datatype", "string")
        keys = {str(v.get("key")) for v in q.get("values", [])}
        if kind == "number":
            try:
                value = float(str(value))
            except (TypeError, ValueError):
                errors[f"attr_{code}"] = [_("“%(q)s” must be a number.") % {"q": label}]
                continue
        elif kind == "singlevaluelist":
            if str(value) not in keys:
                errors[f"attr_{code}"] = [
                    _("Choose one of the offered answers for “%(q)s”.") % {"q": label}
                ]
                continue
            value = str(value)
        elif kind == "multivaluelist":
            values = [str(v) for v in (value if isinstance(value, list | tuple) else [value])]
            if not set(values) <= keys:
                errors[f"attr_{code}"] = [
                    _("Choose only offered answers for “%(q)s”.") % {"q": label}
                ]
                continue
            value = values
        else:
            value = str(value)[:500]
        result[code] = value
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)
    return result


def _check_channel_actor(actor: Any, channel: str) -> None:
    from gongzhi.organizations.selectors import has_role, is_admin

    if channel in (Channel.PHONE, Channel.COUNTER) and not (
        has_role(actor, Role.OPERATOR, Role.COMMITTEE) or is_admin(actor)
    ):
        raise NotPermitted(_("Only intake operators record phone and counter cases."))
    if channel == Channel.PATROL and not (
        has_role(actor, Role.GRID_WORKER, Role.COMMITTEE) or is_admin(actor)
    ):
        raise NotPermitted(_("Only grid workers file patrol reports."))
    if (
        channel == Channel.PROACTIVE
        and actor is not None
        and not (has_role(actor, Role.COMMITTEE) or is_admin(actor))
    ):
        raise NotPermitted(_("Only the committee opens proactive cases."))


def case_submit(
    *,
    actor: Any,
    channel: str,
    category: Category,
    description: str,
    title: str = "",
    lat: float | None = None,
    lon: float | None = None,
    address: str = "",
    area: Area | None = None,
    photos: Iterable[Any] = (),
    is_public: bool | None = None,
    is_anonymous: bool = False,
    reporter: Any = None,
    caller_name: str = "",
    caller_phone: str = "",
    contact_preference: str = "",
    attributes: dict[str, Any] | None = None,
    urgency: str | None = None,
    idempotency_key: str | None = None,
    auto_dispatch: bool | None = None,
) -> Case:
    """Record a new case from any channel and return it (with its tracking number).

    The web form passes the signed-in resident as actor and reporter; intake passes the
    operator as actor and the resident (or a caller's name and phone). Photos are
    re-encoded without metadata. Auto-dispatch (patrol, proactive, a category flag or
    the setting) routes the case through the catalogue in the same transaction.
    Repeating a submission with the same `idempotency_key` returns the first case.
    """
    authenticated = _is_authenticated(actor)
    if idempotency_key and authenticated:
        existing = Case.objects.filter(created_by=actor, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    errors: dict[str, list[str]] = {}
    description = (description or "").strip()
    title = (title or "").strip()
    if channel not in Channel.values:
        errors["channel"] = [_("Unknown channel.")]
    if len(description) < 5:
        errors["description"] = [_("Describe the problem in a few words (at least 5 characters).")]
    elif len(description) > MAX_TEXT:
        errors["description"] = [_("The description is too long (at most 5000 characters).")]
    if len(title) > 120:
        errors["title"] = [_("The title is too long (at most 120 characters).")]
    if category is None or not category.is_active:
        errors["category"] = [_("Choose an active category.")]
    if urgency is not None and urgency not in Urgency.values:
        errors["urgency"] = [_("Choose an urgency from the list.")]
    if contact_preference not in ContactPreference.values:
        errors["contact_preference"] = [_("Choose how you want to be contacted from the list.")]
    if (lat is None) != (lon is None):
        errors["lat"] = [_("Give both latitude and longitude, or neither.")]
    elif lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        errors["lat"] = [_("The location is not on Earth: latitude −90…90, longitude −180…180.")]
    if len(address) > 200:
        errors["address"] = [_("The address is too long (at most 200 characters).")]
    if caller_phone and not PHONE_RE.match(caller_phone.strip()):
        errors["caller_phone"] = [
            _("Enter a phone number of digits, e.g. 13800138000 or +86 21 5555 0100.")
        ]
    if (
        channel in (Channel.PHONE, Channel.COUNTER)
        and reporter is None
        and not (caller_name.strip() and caller_phone.strip())
    ):
        errors["caller_name"] = [
            _("Choose a registered resident, or give the caller's name and phone number.")
        ]
    if category is not None and category.is_active:
        if is_anonymous and not category.allows_anonymous:
            errors["is_anonymous"] = [
                _("This category does not accept anonymous reports; please log in.")
            ]
        if channel == Channel.WEB and not authenticated and not category.allows_anonymous:
            errors["category"] = [
                _("Log in to report in this category; it does not accept anonymous reports.")
            ]
        if not errors:
            attributes = _clean_attributes(category, attributes)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)
    _check_channel_actor(actor, channel)
    cleaned_photos = clean_photos(photos)

    if (
        reporter is None
        and authenticated
        and channel in (Channel.WEB, Channel.API, Channel.OPEN311)
    ):
        reporter = actor
    if not authenticated and channel == Channel.WEB:
        is_anonymous = True
    if area is None and lat is not None and lon is not None:
        from gongzhi.territory.spatial import area_for_point, grid_for_point

        area = grid_for_point(lat, lon) or area_for_point(lat, lon)
    now = timezone.now()
    cal = load_calendar()
    urgency = urgency or category.default_urgency
    response_minutes, resolution_minutes = limits_for(category, urgency, cal)
    case = Case(
        title=title,
        description=description,
        category=category,
        status=Status.SUBMITTED,
        channel=channel,
        urgency=urgency,
        area=area,
        lat=lat,
        lon=lon,
        address=address.strip(),
        is_public=category.public_by_default if is_public is None else bool(is_public),
        is_anonymous=bool(is_anonymous),
        reporter=reporter,
        created_by=actor if authenticated else None,
        caller_name=caller_name.strip(),
        caller_phone=caller_phone.strip(),
        contact_preference=contact_preference,
        attributes=attributes or {},
        idempotency_key=idempotency_key if authenticated else None,
        submitted_at=now,
        response_limit_minutes=response_minutes,
        resolution_limit_minutes=resolution_minutes,
        response_due_at=add_working_minutes(cal, now, response_minutes),
        resolution_due_at=add_working_minutes(cal, now, resolution_minutes),
    )
    _set_clock(case, now, cal)
    with transaction.atomic():
        for attempt in range(5):
            case.number = _new_number(now)
            try:
                with transaction.atomic():
                    case.save(force_insert=True)
                break
            except IntegrityError:
                if idempotency_key and authenticated:
                    existing = Case.objects.filter(
                        created_by=actor, idempotency_key=idempotency_key
                    ).first()
                    if existing is not None:
                        return existing
                case.pk = None
                if attempt == 4:
                    raise
        for content, width, height in cleaned_photos:
            CasePhoto.objects.create(
                case=case, image=content, width=width, height=height, is_public=case.is_public
            )
        _event(
            case,
            actor,
            "submitted",
            "",
            Status.SUBMITTED,
            data={"channel": channel},
            is_public=True,
            now=now,
        )
        audit_record(
            stream=f"case:{case.pk}",
            action="case.submitted",
            actor=actor if authenticated else None,
            data={"number": case.number, "channel": channel, "category": category.code},
        )
        for person in _reporters(case):
            notification_send(
                recipient=person,
                kind="case_submitted",
                context={"case": case, "number": case.number},
                url=f"/cases/{case.number}/",
            )
        should_dispatch = auto_dispatch
        if should_dispatch is None:
            should_dispatch = (
                channel in (Channel.PATROL, Channel.PROACTIVE)
                or category.auto_dispatch
                or conf.auto_dispatch()
            )
        if should_dispatch:
            suggestion = dispatch_suggest(category=category, area=area)
            if suggestion is not None:
                _dispatch(
                    case,
                    None,
                    suggestion.lead,
                    suggestion.assisting,
                    _("Dispatched automatically by the catalogue."),
                    cal,
                    now,
                )
        case_id = case.pk
        transaction.on_commit(lambda: hooks.run_after_submit(case_id))
    return case


# --- the transition machinery --------------------------------------------------------


def _event(
    case: Case,
    actor: Any,
    kind: str,
    from_status: str,
    to_status: str,
    *,
    reason: str = "",
    data: dict[str, Any] | None = None,
    is_public: bool = False,
    organisation: Organisation | None = None,
    now: dt.datetime | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        actor=actor if _is_authenticated(actor) else None,
        organisation=organisation,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
        is_public=is_public,
        created_at=now or timezone.now(),
    )


def _begin(
    case: Case, actor: Any, action: str, expected_version: int | None
) -> tuple[Case, Transition]:
    """Lock the row and run the checks every transition shares (see the module docstring)."""
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("category", "area", "lead_department", "reporter")
        .get(pk=case.pk)
    )
    if actor is not None and not can_view(actor, locked):
        raise OutOfScope(_("No such case."))
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(
            _(
                "The case changed while you were looking at it: someone else acted first. Reload the page to see what happened."
            ),
            allowed=allowed_actions(locked, actor) if actor is not None else [],
        )
    transition = check_state(locked.status, action)
    if actor is not None and not may(actor, action, locked):
        allowed = allowed_actions(locked, actor)
        raise NotPermitted(
            _("You may not do this to this case. You may: %(allowed)s.")
            % {"allowed": ", ".join(allowed) or "—"},
            allowed=allowed,
        )
    return locked, transition


def _commit(
    case: Case,
    actor: Any,
    action: str,
    kind: str,
    from_status: str,
    *,
    reason: str = "",
    data: dict[str, Any] | None = None,
    is_public: bool = False,
    organisation: Organisation | None = None,
    now: dt.datetime,
    cal: Calendar | None = None,
) -> CaseEvent:
    if from_status != case.status or cal is not None:
        _set_clock(case, now, cal or load_calendar())
    case.version += 1
    case.save()
    forget_assignments(case)
    event = _event(
        case,
        actor,
        kind,
        from_status,
        case.status,
        reason=reason,
        data=data,
        is_public=is_public,
        organisation=organisation,
        now=now,
    )
    audit_record(
        stream=f"case:{case.pk}",
        action=f"case.{action}",
        actor=actor,
        data={
            "from": from_status,
            "to": case.status,
            "event": event.pk,
            "reason": reason[:500],
            **(data or {}),
        },
    )
    return event


def _members(org: Organisation | None, *roles: str) -> list[Any]:
    if org is None:
        return []
    ms = Membership.objects.filter(
        organisation=org, role__in=roles or (Role.STAFF, Role.HEAD), is_active=True
    )
    seen: dict[int, Any] = {}
    for m in ms.select_related("user"):
        seen.setdefault(m.user_id, m.user)
    return list(seen.values())


def _committee_over(case: Case) -> list[Any]:
    from gongzhi.organizations.selectors import users_with_role_over

    if case.area is None:
        return [
            m.user
            for m in Membership.objects.filter(role=Role.COMMITTEE, is_active=True).select_related(
                "user"
            )
        ]
    return users_with_role_over(case.area, [Role.COMMITTEE])


def _reporters(case: Case) -> list[Any]:
    """The reporter and the reporters of duplicates merged into this case."""
    people: dict[int, Any] = {}
    if case.reporter_id is not None and case.reporter is not None:
        people[case.reporter_id] = case.reporter
    if case.pk is not None and case.status != Status.SUBMITTED:
        for dup in Case.objects.filter(merged_into=case, reporter__isnull=False).select_related(
            "reporter"
        ):
            people.setdefault(dup.reporter_id, dup.reporter)  # type: ignore[arg-type]
    return list(people.values())


def _notify(people: Iterable[Any], kind: str, case: Case, actor: Any = None, **extra: Any) -> None:
    sent: set[int] = set()
    for person in people:
        if (
            person is None
            or person.pk in sent
            or (actor is not None and getattr(actor, "pk", None) == person.pk)
        ):
            continue
        sent.add(person.pk)
        notification_send(
            recipient=person,
            kind=kind,
            context={"case": case, "number": case.number, **extra},
            url=f"/cases/{case.number}/",
        )


def _require(text: str, field: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(message, field=field)
    if len(text) > MAX_TEXT:
        raise ValidationFailed(_("The text is too long (at most 5000 characters)."), field=field)
    return text


def _cited_codes(codes: Sequence[str]) -> list[str]:
    """Codes of the legal-basis library a decision cites, checked against the library
    (`ValidationFailed` on `legal_bases` names the unknown ones)."""
    return [b.code for b in legal_bases_to_cite(codes=codes or ())]


def _end_assignments(
    case: Case,
    kinds: Sequence[str] = (AssignmentKind.LEAD, AssignmentKind.ASSIST, AssignmentKind.TRANSFER),
) -> None:
    CaseAssignment.objects.filter(case=case, kind__in=kinds, status__in=ACTIVE_ASSIGNMENT).update(
        status=AssignmentStatus.ENDED, decided_at=timezone.now()
    )


def _actor_org(actor: Any, case: Case) -> Organisation | None:
    from gongzhi.organizations.selectors import memberships_of

    for m in memberships_of(actor):
        if m.organisation_id == case.lead_department_id:
            return m.organisation
    ms = memberships_of(actor)
    return ms[0].organisation if ms else None


def _dispatch(
    case: Case,
    actor: Any,
    lead: Organisation,
    assisting: Sequence[Organisation],
    note: str,
    cal: Calendar,
    now: dt.datetime,
) -> CaseEvent:
    from_status = case.status
    _end_assignments(case)
    CaseAssignment.objects.create(
        case=case,
        organisation=lead,
        kind=AssignmentKind.LEAD,
        created_by=actor if _is_authenticated(actor) else None,
    )
    for org in assisting:
        if org.pk != lead.pk:
            CaseAssignment.objects.create(
                case=case,
                organisation=org,
                kind=AssignmentKind.ASSIST,
                status=AssignmentStatus.ACTIVE,
                created_by=actor if _is_authenticated(actor) else None,
            )
    first = case.dispatched_at is None
    case.lead_department = lead
    case.dispatched_at = now
    case.status = Status.DISPATCHED
    # The department's response clock starts when the case reaches it; the resolution
    # clock too on the first dispatch, so triage time does not eat into it.
    case.response_due_at = add_working_minutes(cal, now, case.response_limit_minutes)
    if first:
        case.resolution_due_at = add_working_minutes(cal, now, case.resolution_limit_minutes)
    event = _commit(
        case,
        actor,
        "dispatch",
        "dispatched",
        from_status,
        reason=note,
        data={"lead": lead.code, "assisting": [o.code for o in assisting if o.pk != lead.pk]},
        is_public=True,
        now=now,
        cal=cal,
    )
    _notify(_members(lead), "case_dispatched", case, actor)
    for org in assisting:
        if org.pk != lead.pk:
            _notify(_members(org), "case_dispatched", case, actor)
    _notify(_reporters(case), "case_progress", case, actor, what=_("Dispatched"))
    return event


def case_dispatch(
    *,
    actor: Any,
    case: Case,
    lead: Organisation | None = None,
    assisting: Sequence[Organisation] | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    """Send the case to a lead department (the catalogue's suggestion when `lead` is None)."""
    with transaction.atomic():
        locked, _t = _begin(case, actor, "dispatch", expected_version)
        if lead is None:
            suggestion = dispatch_suggest(category=locked.category, area=locked.area)
            if suggestion is None:
                raise ValidationFailed(
                    _("The catalogue has no owner for this case; choose a department."),
                    field="lead",
                )
            lead = suggestion.lead
            if assisting is None:
                assisting = suggestion.assisting
        if lead.kind not in (
            OrgKind.DEPARTMENT,
            OrgKind.PUBLIC_SERVICE,
            OrgKind.RESIDENTS_COMMITTEE,
            OrgKind.COMMITTEE,
        ):
            raise ValidationFailed(_("Choose a department to lead."), field="lead")
        _dispatch(locked, actor, lead, list(assisting or ()), note, load_calendar(), timezone.now())
    return locked


def case_accept(*, actor: Any, case: Case, expected_version: int | None = None) -> Case:
    """The lead department takes the case (a transfer's receiving department too)."""
    with transaction.atomic():
        locked, _t = _begin(case, actor, "accept", expected_version)
        now = timezone.now()
        CaseAssignment.objects.filter(
            case=locked,
            organisation=locked.lead_department,
            kind__in=[AssignmentKind.LEAD, AssignmentKind.TRANSFER],
            status=AssignmentStatus.PENDING,
        ).update(status=AssignmentStatus.ACTIVE, kind=AssignmentKind.LEAD, decided_at=now)
        from_status = locked.status
        on_time = locked.response_due_at is None or now <= locked.response_due_at
        if locked.responded_at is None:
            locked.responded_at = now
        locked.status = Status.ACCEPTED
        _commit(
            locked,
            actor,
            "accept",
            "accepted",
            from_status,
            data={"on_time": on_time},
            is_public=True,
            organisation=locked.lead_department,
            now=now,
        )
        _notify(_reporters(locked), "case_progress", locked, actor, what=_("Accepted"))
    return locked


def case_return(
    *,
    actor: Any,
    case: Case,
    reason: str,
    legal_bases: Sequence[str] = (),
    expected_version: int | None = None,
) -> Case:
    """Give the case back to triage with a reason; with head approval configured, ask the head first.

    `legal_bases` (optional codes of the legal-basis library, e.g. the rule that puts
    the matter with another body) are kept with the request and on the return event."""
    reason = _require(reason, "reason", _("Say why the case does not belong to your department."))
    codes = _cited_codes(legal_bases)
    with transaction.atomic():
        locked, _t = _begin(case, actor, "return", expected_version)
        now = timezone.now()
        from_status = locked.status
        if conf.return_needs_approval():
            locked.status = Status.RETURN_PENDING
            locked.pending = {
                "kind": "return",
                "reason": reason,
                "legal_bases": codes,
                "by": actor.pk if actor is not None else None,
            }
            _commit(
                locked,
                actor,
                "return",
                "return_requested",
                from_status,
                reason=reason,
                data={"legal_bases": codes} if codes else None,
                organisation=locked.lead_department,
                now=now,
            )
            _notify(
                _members(locked.lead_department, Role.HEAD), "case_approval_needed", locked, actor
            )
        else:
            _do_return(locked, actor, reason, from_status, now, legal_bases=codes)
    return locked


def _do_return(
    case: Case,
    actor: Any,
    reason: str,
    from_status: str,
    now: dt.datetime,
    kind: str = "returned",
    legal_bases: Sequence[str] = (),
) -> None:
    org = case.lead_department
    _end_assignments(case)
    case.lead_department = None
    case.return_count += 1
    case.pending = {}
    case.status = Status.RETURNED
    _commit(
        case,
        actor,
        "return",
        kind,
        from_status,
        reason=reason,
        organisation=org,
        now=now,
        data={
            "department": org.code if org else None,
            "returns": case.return_count,
            **({"legal_bases": list(legal_bases)} if legal_bases else {}),
        },
    )
    from gongzhi.organizations.selectors import users_with_role_over

    operators = users_with_role_over(case.area, [Role.OPERATOR]) if case.area else []
    _notify(operators, "case_returned", case, actor, reason=reason)


def case_return_decide(
    *, actor: Any, case: Case, approve: bool, note: str = "", expected_version: int | None = None
) -> Case:
    """The head approves a pending return (back to triage) or refuses it (back to the department)."""
    action = "approve_return" if approve else "refuse_return"
    with transaction.atomic():
        locked, _t = _begin(case, actor, action, expected_version)
        now = timezone.now()
        reason = str(locked.pending.get("reason", ""))
        if approve:
            _do_return(
                locked,
                actor,
                reason,
                locked.status,
                now,
                kind="return_approved",
                legal_bases=[str(c) for c in locked.pending.get("legal_bases", [])],
            )
        else:
            from_status = locked.status
            locked.pending = {}
            locked.status = Status.DISPATCHED
            _commit(
                locked,
                actor,
                action,
                "return_refused",
                from_status,
                reason=note,
                organisation=locked.lead_department,
                now=now,
            )
    return locked


def case_transfer(
    *, actor: Any, case: Case, to: Organisation, reason: str, expected_version: int | None = None
) -> Case:
    """Hand the case to another department, which must accept it."""
    reason = _require(reason, "reason", _("Say why the other department should handle the case."))
    with transaction.atomic():
        locked, _t = _begin(case, actor, "transfer", expected_version)
        if to.pk == locked.lead_department_id:
            raise ValidationFailed(_("Choose a department other than the current one."), field="to")
        if to.kind not in (OrgKind.DEPARTMENT, OrgKind.PUBLIC_SERVICE, OrgKind.RESIDENTS_COMMITTEE):
            raise ValidationFailed(_("Choose a department."), field="to")
        now = timezone.now()
        old = locked.lead_department
        from_status = locked.status
        _end_assignments(locked, [AssignmentKind.LEAD, AssignmentKind.TRANSFER])
        CaseAssignment.objects.create(
            case=locked,
            organisation=to,
            kind=AssignmentKind.TRANSFER,
            created_by=actor,
            note=reason,
        )
        locked.lead_department = to
        locked.status = Status.DISPATCHED
        cal = load_calendar()
        locked.response_due_at = add_working_minutes(cal, now, locked.response_limit_minutes)
        _commit(
            locked,
            actor,
            "transfer",
            "transferred",
            from_status,
            reason=reason,
            is_public=True,
            organisation=old,
            now=now,
            cal=cal,
            data={"from": old.code if old else None, "to": to.code},
        )
        _notify(_members(to), "case_dispatched", locked, actor)
    return locked


def case_start(*, actor: Any, case: Case, expected_version: int | None = None) -> Case:
    with transaction.atomic():
        locked, _t = _begin(case, actor, "start", expected_version)
        from_status = locked.status
        locked.status = Status.IN_PROGRESS
        _commit(
            locked,
            actor,
            "start",
            "started",
            from_status,
            is_public=True,
            organisation=locked.lead_department,
            now=timezone.now(),
        )
    return locked


def case_note(
    *,
    actor: Any,
    case: Case,
    text: str,
    is_public: bool = False,
    expected_version: int | None = None,
) -> CaseEvent:
    """A progress note (internal or public); an assisting department's note is its part of the work."""
    text = _require(text, "text", _("Write the note."))
    with transaction.atomic():
        locked, _t = _begin(case, actor, "note", expected_version)
        part = is_assisting(actor, locked) and not (
            locked.lead_department_id and _actor_org(actor, locked) == locked.lead_department
        )
        return _commit(
            locked,
            actor,
            "note",
            "note",
            locked.status,
            reason=text,
            is_public=is_public,
            organisation=_actor_org(actor, locked),
            now=timezone.now(),
            data={"assisting_part": bool(part)},
        )


def case_request_info(
    *, actor: Any, case: Case, question: str, expected_version: int | None = None
) -> Case:
    """Ask the reporter for information; the resolution clock pauses until they answer."""
    question = _require(question, "question", _("Write the question for the reporter."))
    with transaction.atomic():
        locked, _t = _begin(case, actor, "request_info", expected_version)
        now = timezone.now()
        from_status = locked.status
        locked.status = Status.AWAITING_INFO
        locked.paused_at = now
        _commit(
            locked,
            actor,
            "request_info",
            "info_requested",
            from_status,
            reason=question,
            is_public=True,
            organisation=locked.lead_department,
            now=now,
        )
        _notify(_reporters(locked), "case_info_requested", locked, actor, question=question)
    return locked


def case_provide_info(
    *, actor: Any, case: Case, text: str, expected_version: int | None = None
) -> Case:
    """The reporter answers; the clock resumes and the deadline moves by the paused working time."""
    text = _require(text, "text", _("Write your answer."))
    with transaction.atomic():
        locked, _t = _begin(case, actor, "provide_info", expected_version)
        now = timezone.now()
        cal = load_calendar()
        paused = 0.0
        if locked.paused_at is not None:
            paused = max(working_minutes_between(cal, locked.paused_at, now), 0.0)
            if locked.resolution_due_at is not None:
                locked.resolution_due_at = add_working_minutes(
                    cal, locked.resolution_due_at, paused
                )
        locked.paused_at = None
        from_status = locked.status
        locked.status = Status.IN_PROGRESS
        _commit(
            locked,
            actor,
            "provide_info",
            "info_provided",
            from_status,
            reason=text,
            data={"paused_minutes": round(paused, 1)},
            now=now,
            cal=cal,
        )
        _notify(_members(locked.lead_department), "case_info_provided", locked, actor)
    return locked


def case_request_extension(
    *, actor: Any, case: Case, hours: int, reason: str, expected_version: int | None = None
) -> Case:
    """Ask the head for more working time; the request waits in `case.pending`."""
    reason = _require(reason, "reason", _("Say why more time is needed."))
    if not isinstance(hours, int) or not 1 <= hours <= 720:
        raise ValidationFailed(_("Ask for between 1 and 720 working hours."), field="hours")
    with transaction.atomic():
        locked, _t = _begin(case, actor, "request_extension", expected_version)
        locked.pending = {
            "kind": "extension",
            "hours": hours,
            "reason": reason,
            "by": actor.pk if actor else None,
        }
        _commit(
            locked,
            actor,
            "request_extension",
            "extension_requested",
            locked.status,
            reason=reason,
            data={"hours": hours},
            organisation=locked.lead_department,
            now=timezone.now(),
        )
        _notify(_members(locked.lead_department, Role.HEAD), "case_approval_needed", locked, actor)
    return locked


def case_decide_extension(
    *, actor: Any, case: Case, approve: bool, note: str = "", expected_version: int | None = None
) -> Case:
    with transaction.atomic():
        locked, _t = _begin(case, actor, "decide_extension", expected_version)
        now = timezone.now()
        hours = int(locked.pending.get("hours", 0))
        cal = load_calendar()
        if approve and locked.resolution_due_at is not None:
            locked.resolution_due_at = add_working_minutes(
                cal, locked.resolution_due_at, hours * 60
            )
            locked.resolution_limit_minutes += hours * 60
            locked.extension_hours += hours
        locked.pending = {}
        _commit(
            locked,
            actor,
            "decide_extension",
            "extension_approved" if approve else "extension_refused",
            locked.status,
            reason=note,
            data={"hours": hours},
            now=now,
            cal=cal,
        )
    return locked


def case_reply(
    *,
    actor: Any,
    case: Case,
    text: str,
    photos: Iterable[Any] = (),
    expected_version: int | None = None,
) -> Case:
    """Reply to the reporter (public) with optional photos; with reply approval configured, the head approves first."""
    text = _require(text, "text", _("Write the reply to the reporter."))
    cleaned = clean_photos(photos)
    with transaction.atomic():
        locked, _t = _begin(case, actor, "reply", expected_version)
        now = timezone.now()
        from_status = locked.status
        if conf.reply_needs_approval():
            locked.status = Status.REPLY_PENDING
            locked.pending = {"kind": "reply", "text": text, "by": actor.pk if actor else None}
            event = _commit(
                locked,
                actor,
                "reply",
                "reply_submitted",
                from_status,
                reason=text,
                organisation=locked.lead_department,
                now=now,
            )
            _notify(
                _members(locked.lead_department, Role.HEAD), "case_approval_needed", locked, actor
            )
        else:
            event = _do_reply(locked, actor, text, from_status, now)
        for content, width, height in cleaned:
            CasePhoto.objects.create(
                case=locked,
                event=event,
                image=content,
                width=width,
                height=height,
                is_public=locked.is_public,
            )
    return locked


def _do_reply(
    case: Case, actor: Any, text: str, from_status: str, now: dt.datetime, kind: str = "replied"
) -> CaseEvent:
    on_time = case.resolution_due_at is None or now <= case.resolution_due_at
    case.public_reply = text
    case.replied_at = now
    case.pending = {}
    case.status = Status.REPLIED
    event = _commit(
        case,
        actor,
        "reply",
        kind,
        from_status,
        reason=text,
        is_public=True,
        organisation=case.lead_department,
        now=now,
        data={"on_time": on_time},
    )
    _notify(_reporters(case), "case_replied", case, actor, reply=text)
    return event


def case_reply_decide(
    *, actor: Any, case: Case, approve: bool, note: str = "", expected_version: int | None = None
) -> Case:
    action = "approve_reply" if approve else "refuse_reply"
    with transaction.atomic():
        locked, _t = _begin(case, actor, action, expected_version)
        now = timezone.now()
        from_status = locked.status
        if approve:
            _do_reply(
                locked,
                actor,
                str(locked.pending.get("text", "")),
                from_status,
                now,
                kind="reply_approved",
            )
        else:
            locked.pending = {}
            locked.status = Status.IN_PROGRESS
            _commit(
                locked,
                actor,
                action,
                "reply_refused",
                from_status,
                reason=note,
                organisation=locked.lead_department,
                now=now,
            )
    return locked


def case_evaluate(
    *,
    actor: Any,
    case: Case,
    resolved: bool,
    satisfaction: int,
    comment: str = "",
    by_callback: bool = False,
    is_default: bool = False,
    expected_version: int | None = None,
) -> Case:
    """The reporter's verdict on a reply. Resolved → closed; not resolved → reopened once,
    then second review by the committee."""
    if not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
        raise ValidationFailed(_("Rate your satisfaction from 1 to 5."), field="satisfaction")
    comment = (comment or "").strip()
    if len(comment) > 1000:
        raise ValidationFailed(
            _("The comment is too long (at most 1000 characters)."), field="comment"
        )
    with transaction.atomic():
        locked, _t = _begin(case, actor, "evaluate", expected_version)
        now = timezone.now()
        from_status = locked.status
        locked.resolved = bool(resolved)
        locked.satisfaction = satisfaction
        locked.evaluation_comment = comment
        locked.evaluated_at = now
        locked.evaluation_is_default = is_default
        data = {
            "resolved": bool(resolved),
            "satisfaction": satisfaction,
            "callback": by_callback,
            "default": is_default,
        }
        cal = load_calendar()
        if resolved:
            locked.status = Status.CLOSED
            locked.closed_at = now
            _commit(
                locked,
                actor,
                "evaluate",
                "evaluated",
                from_status,
                reason=comment,
                data=data,
                is_public=True,
                now=now,
                cal=cal,
            )
            _notify(
                _reporters(locked), "case_closed", locked
            )  # the outcome is told even to the person who rated
        elif locked.reopen_count == 0:
            locked.reopen_count = 1
            locked.status = Status.IN_PROGRESS
            locked.resolution_due_at = add_working_minutes(
                cal, now, locked.resolution_limit_minutes
            )
            _commit(
                locked,
                actor,
                "evaluate",
                "reopened",
                from_status,
                reason=comment,
                data=data,
                is_public=True,
                now=now,
                cal=cal,
            )
            _notify(_members(locked.lead_department), "case_reopened", locked, actor)
            _notify(_reporters(locked), "case_reopened", locked)
        else:
            locked.status = Status.SECOND_REVIEW
            locked.is_supervised = True
            _commit(
                locked,
                actor,
                "evaluate",
                "second_review",
                from_status,
                reason=comment,
                data=data,
                is_public=True,
                now=now,
                cal=cal,
            )
            _notify(_committee_over(locked), "case_second_review", locked, actor)
    return locked


def case_review(
    *,
    actor: Any,
    case: Case,
    uphold: bool,
    reason: str,
    lead: Organisation | None = None,
    expected_version: int | None = None,
) -> Case:
    """The committee's second review: uphold the reply (close) or send the case back to a department."""
    reason = _require(reason, "reason", _("Give the reason for the decision."))
    with transaction.atomic():
        locked, _t = _begin(case, actor, "review", expected_version)
        now = timezone.now()
        from_status = locked.status
        if uphold:
            locked.status = Status.CLOSED
            locked.closed_at = now
            _commit(
                locked,
                actor,
                "review",
                "review_decided",
                from_status,
                reason=reason,
                data={"uphold": True},
                is_public=True,
                now=now,
            )
            _notify(_reporters(locked), "case_closed", locked, actor)
        else:
            cal = load_calendar()
            locked.resolution_due_at = add_working_minutes(
                cal, now, locked.resolution_limit_minutes
            )
            locked.dispatched_at = locked.dispatched_at or now
            target = lead or locked.lead_department
            if target is None:
                raise ValidationFailed(
                    _("Choose the department that must handle the case again."), field="lead"
                )
            _end_assignments(locked)
            CaseAssignment.objects.create(
                case=locked, organisation=target, kind=AssignmentKind.LEAD, created_by=actor
            )
            locked.lead_department = target
            locked.status = Status.DISPATCHED
            locked.response_due_at = add_working_minutes(cal, now, locked.response_limit_minutes)
            _commit(
                locked,
                actor,
                "review",
                "review_decided",
                from_status,
                reason=reason,
                data={"uphold": False, "lead": target.code},
                is_public=True,
                now=now,
                cal=cal,
            )
            _notify(_members(target), "case_dispatched", locked, actor)
    return locked


def _close_as(
    case: Case,
    actor: Any,
    action: str,
    kind: str,
    status: str,
    reason: str,
    data: dict[str, Any] | None = None,
    is_public: bool = True,
) -> CaseEvent:
    now = timezone.now()
    from_status = case.status
    _end_assignments(
        case,
        [
            AssignmentKind.LEAD,
            AssignmentKind.ASSIST,
            AssignmentKind.TRANSFER,
            AssignmentKind.REFERRAL,
        ],
    )
    case.status = status
    case.closed_at = now
    case.paused_at = None
    return _commit(
        case,
        actor,
        action,
        kind,
        from_status,
        reason=reason,
        data=data,
        is_public=is_public,
        now=now,
    )


def case_merge(
    *, actor: Any, case: Case, into: Case, reason: str = "", expected_version: int | None = None
) -> Case:
    """Merge a duplicate into a master case; the duplicate's reporter follows the master and is told."""
    if into.pk == case.pk:
        raise ValidationFailed(_("A case cannot be merged into itself."), field="into")
    with transaction.atomic():
        locked, _t = _begin(case, actor, "merge", expected_version)
        master = Case.objects.select_for_update().get(pk=into.pk)
        if master.status in TERMINAL:
            raise ValidationFailed(
                _("Merge into an open case; %(number)s is finished.") % {"number": master.number},
                field="into",
            )
        locked.merged_into = master
        _close_as(
            locked, actor, "merge", "merged", Status.MERGED, reason, data={"into": master.number}
        )
        _event(
            master,
            actor,
            "duplicate_merged",
            master.status,
            master.status,
            reason=reason,
            data={"duplicate": locked.number},
        )
        audit_record(
            stream=f"case:{master.pk}",
            action="case.duplicate_merged",
            actor=actor,
            data={"duplicate": locked.number},
        )
        _notify(_reporters(locked), "case_merged", locked, actor, master=master.number)
    return locked


def case_withdraw(
    *, actor: Any, case: Case, reason: str = "", expected_version: int | None = None
) -> Case:
    with transaction.atomic():
        locked, _t = _begin(case, actor, "withdraw", expected_version)
        lead = locked.lead_department
        _close_as(
            locked,
            actor,
            "withdraw",
            "withdrawn",
            Status.WITHDRAWN,
            (reason or "").strip()[:MAX_TEXT],
        )
        _notify(_members(lead), "case_progress", locked, actor, what=_("Withdrawn"))
    return locked


def case_reject(
    *,
    actor: Any,
    case: Case,
    reason: str,
    legal_basis: str = "",
    legal_bases: Sequence[str] = (),
    expected_version: int | None = None,
) -> Case:
    """Refuse a case that the institutions cannot take, with the reason and its legal basis.

    The basis is cited from the legal-basis library (`legal_bases`: codes, shown with
    links on the public timeline) or, for what the library lacks and for API clients
    that send it, named in free text (`legal_basis`); at least one is required. An
    unknown code is refused on `legal_bases` before anything is written."""
    reason = _require(reason, "reason", _("Give the reason for rejecting the case."))
    legal_basis = (legal_basis or "").strip()[:300]
    codes = _cited_codes(legal_bases)
    if not legal_basis and not codes:
        raise ValidationFailed(
            _(
                "Cite the legal or policy basis for the rejection: choose it from the library or name it."
            ),
            field="legal_bases",
        )
    with transaction.atomic():
        locked, _t = _begin(case, actor, "reject", expected_version)
        _close_as(
            locked,
            actor,
            "reject",
            "rejected",
            Status.REJECTED,
            reason,
            data={"legal_basis": legal_basis, "legal_bases": codes},
        )
        _notify(
            _reporters(locked), "case_progress", locked, actor, what=_("Rejected"), reason=reason
        )
    return locked


def case_answer(*, actor: Any, case: Case, text: str, expected_version: int | None = None) -> Case:
    """Answer a question directly at intake; the answer is public when the case is."""
    text = _require(text, "text", _("Write the answer."))
    with transaction.atomic():
        locked, _t = _begin(case, actor, "answer", expected_version)
        locked.public_reply = text
        locked.replied_at = timezone.now()
        _close_as(locked, actor, "answer", "answered", Status.ANSWERED, text)
        _notify(_reporters(locked), "case_replied", locked, actor, reply=text)
    return locked


def case_supervise(
    *, actor: Any, case: Case, note: str = "", expected_version: int | None = None
) -> Case:
    """The committee puts the case under supervision; the department head is told."""
    with transaction.atomic():
        locked, _t = _begin(case, actor, "supervise", expected_version)
        locked.is_supervised = True
        _commit(
            locked,
            actor,
            "supervise",
            "supervised",
            locked.status,
            reason=(note or "").strip(),
            now=timezone.now(),
        )
        _notify(_members(locked.lead_department, Role.HEAD), "case_overdue", locked, actor)
    return locked


def case_resolve_externally(*, case: Case, actor: Any, summary: str, source: str) -> Case:
    """Resolved through another process (e.g. a mediation agreement): a public reply the reporter can evaluate."""
    summary = _require(summary, "summary", _("Summarise how the matter was resolved."))
    with transaction.atomic():
        locked, _t = _begin(case, actor, "resolve_externally", None)
        now = timezone.now()
        from_status = locked.status
        locked.paused_at = None
        locked.public_reply = summary
        locked.replied_at = now
        locked.status = Status.REPLIED
        _commit(
            locked,
            actor,
            "resolve_externally",
            "resolved_externally",
            from_status,
            reason=summary,
            data={"source": str(source)[:200]},
            is_public=True,
            now=now,
        )
        _notify(_reporters(locked), "case_replied", locked, actor, reply=summary)
    return locked


def case_add_event(
    *,
    case: Case,
    actor: Any,
    kind: str,
    text: str = "",
    data: dict[str, Any] | None = None,
    is_public: bool = False,
) -> CaseEvent:
    """Append a timeline entry from another app (mediation, safety, volunteering) without changing state."""
    kind = (kind or "").strip()[:32]
    if not kind:
        raise ValidationFailed(_("An event needs a kind."), field="kind")
    with transaction.atomic():
        event = _event(
            case, actor, kind, case.status, case.status, reason=text, data=data, is_public=is_public
        )
        audit_record(
            stream=f"case:{case.pk}",
            action=f"case.event.{kind}",
            actor=actor,
            data={"event": event.pk, **(data or {})},
        )
    return event


# --- referrals to social organisations --------------------------------------------


def case_refer(*, actor: Any, case: Case, organisation: Organisation, note: str) -> CaseAssignment:
    """The lead department refers the case (or part of it) to a verified social organisation.

    The referral runs under the case's resolution deadline; the organisation accepts,
    declines or completes it with the `referral_*` services.
    """
    note = _require(note, "note", _("Say what you ask of the organisation."))
    if (
        organisation.kind not in (OrgKind.SOCIAL, OrgKind.ENTERPRISE)
        or not organisation.is_verified
    ):
        raise ValidationFailed(
            _("Refer only to a verified social organisation."), field="organisation"
        )
    with transaction.atomic():
        locked, _t = _begin(case, actor, "refer", None)
        if CaseAssignment.objects.filter(
            case=locked,
            organisation=organisation,
            kind=AssignmentKind.REFERRAL,
            status__in=ACTIVE_ASSIGNMENT,
        ).exists():
            raise Conflict(
                _("This organisation already has an open referral for the case."),
                field="organisation",
            )
        assignment = CaseAssignment.objects.create(
            case=locked,
            organisation=organisation,
            kind=AssignmentKind.REFERRAL,
            note=note,
            created_by=actor,
        )
        _commit(
            locked,
            actor,
            "refer",
            "referred",
            locked.status,
            reason=note,
            data={"organisation": organisation.code, "assignment": assignment.pk},
            organisation=locked.lead_department,
            now=timezone.now(),
        )
        _notify(
            _members(organisation, Role.SOCIAL_MEMBER), "case_referred", locked, actor, note=note
        )
    return assignment


def _referral(
    actor: Any, assignment: CaseAssignment, statuses: Sequence[str]
) -> tuple[CaseAssignment, Case]:
    from gongzhi.organizations.selectors import memberships_of

    locked = (
        CaseAssignment.objects.select_for_update(of=("self",))
        .select_related("case", "organisation")
        .get(pk=assignment.pk)
    )
    if locked.kind != AssignmentKind.REFERRAL or not any(
        m.organisation_id == locked.organisation_id for m in memberships_of(actor)
    ):
        raise OutOfScope(_("No such referral."))
    if locked.status not in statuses:
        raise TransitionNotAllowed(
            _("The referral is “%(status)s”; this is no longer possible.")
            % {"status": locked.get_status_display()}
        )
    return locked, locked.case


def _referral_event(
    case: Case, actor: Any, assignment: CaseAssignment, kind: str, text: str
) -> None:
    _event(
        case,
        actor,
        kind,
        case.status,
        case.status,
        reason=text,
        organisation=assignment.organisation,
        data={"assignment": assignment.pk},
    )
    audit_record(
        stream=f"case:{case.pk}",
        action=f"case.{kind}",
        actor=actor,
        data={"assignment": assignment.pk},
    )


def referral_accept(*, actor: Any, assignment: CaseAssignment) -> CaseAssignment:
    with transaction.atomic():
        locked, case = _referral(actor, assignment, [AssignmentStatus.PENDING])
        locked.status = AssignmentStatus.ACTIVE
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_at"])
        _referral_event(case, actor, locked, "referral_accepted", "")
        _notify(
            _members(case.lead_department),
            "case_progress",
            case,
            actor,
            what=_("Referral accepted"),
        )
    return locked


def referral_decline(*, actor: Any, assignment: CaseAssignment, reason: str) -> CaseAssignment:
    reason = _require(reason, "reason", _("Say why the organisation declines."))
    with transaction.atomic():
        locked, case = _referral(
            actor, assignment, [AssignmentStatus.PENDING, AssignmentStatus.ACTIVE]
        )
        locked.status = AssignmentStatus.DECLINED
        locked.decided_at = timezone.now()
        locked.summary = reason
        locked.save(update_fields=["status", "decided_at", "summary"])
        _referral_event(case, actor, locked, "referral_declined", reason)
        _notify(
            _members(case.lead_department),
            "case_progress",
            case,
            actor,
            what=_("Referral declined"),
            reason=reason,
        )
    return locked


def referral_complete(*, actor: Any, assignment: CaseAssignment, summary: str) -> CaseAssignment:
    summary = _require(summary, "summary", _("Summarise what the organisation did."))
    with transaction.atomic():
        locked, case = _referral(actor, assignment, [AssignmentStatus.ACTIVE])
        locked.status = AssignmentStatus.DONE
        locked.summary = summary
        locked.save(update_fields=["status", "summary"])
        _referral_event(case, actor, locked, "referral_completed", summary)
        _notify(
            _members(case.lead_department),
            "case_progress",
            case,
            actor,
            what=_("Referral completed"),
        )
    return locked


# --- privacy: contact details ------------------------------------------------------


def case_view_contact(*, actor: Any, case: Case) -> dict[str, str] | None:
    """The reporter's name and phone for those who handle the case; each view is audited."""
    if not can_view_contact(actor, case):
        return None
    reporter = case.reporter
    contact = {
        "name": case.caller_name
        or (reporter.display_name or reporter.username if reporter else ""),
        "phone": case.caller_phone or (reporter.phone if reporter else ""),
        "email": reporter.email if reporter else "",
    }
    audit_record(
        stream=f"access:case:{case.pk}",
        action="contact.viewed",
        actor=actor,
        data={"case": case.number},
    )
    return contact


# --- periodic work -----------------------------------------------------------------


def case_check_deadlines(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Raise yellow/red warnings and overdue escalations for cases whose check time has come."""
    now = now or timezone.now()
    ids = list(
        Case.objects.filter(next_check_at__lte=now)
        .order_by("next_check_at")
        .values_list("pk", flat=True)[:limit]
    )
    changed = 0
    cal = load_calendar()
    for pk in ids:
        with transaction.atomic():
            case = (
                Case.objects.select_for_update(of=("self",))
                .select_related("area", "lead_department")
                .get(pk=pk)
            )
            if case.next_check_at is None or case.next_check_at > now:
                continue
            before = case.warning_level
            _set_clock(case, now, cal)
            level = case.warning_level
            if level <= before:
                case.warning_level = before
                Case.objects.filter(pk=pk).update(next_check_at=case.next_check_at)
                continue
            changed += 1
            kind = "overdue" if level == WarningLevel.OVERDUE else "warning"
            if level == WarningLevel.OVERDUE:
                case.is_supervised = True
            case.version += 1
            case.save()
            _event(case, None, kind, case.status, case.status, data={"level": level}, now=now)
            audit_record(stream=f"case:{case.pk}", action=f"case.{kind}", data={"level": level})
            if level == WarningLevel.OVERDUE:
                _notify(
                    _members(case.lead_department, Role.HEAD) + _committee_over(case),
                    "case_overdue",
                    case,
                )
            elif level == WarningLevel.RED:
                _notify(_members(case.lead_department), "case_warning", case)
    return changed


def case_apply_default_evaluations(*, now: dt.datetime | None = None) -> int:
    """Replies left unrated for N days get the configured default evaluation."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=conf.default_evaluation_days())
    default = conf.default_evaluation()
    count = 0
    for case in Case.objects.filter(status=Status.REPLIED, replied_at__lte=cutoff)[:1000]:
        case_evaluate(
            actor=None,
            case=case,
            resolved=bool(default.get("resolved", True)),
            satisfaction=int(default.get("satisfaction", 4)),
            comment="",
            is_default=True,
        )
        count += 1
    return count


# --- categories ----------------------------------------------------------------------


def category_save(*, actor: Any, category: Category) -> Category:
    """Save a category and keep its tree path and depth right (three levels at most)."""
    parent = category.parent
    depth = (parent.depth + 1) if parent is not None else 0
    if depth > 2:
        raise ValidationFailed(_("Categories have at most three levels."), field="parent")
    if (
        parent is not None
        and category.pk is not None
        and str(category.pk) in parent.path.split("/")
    ):
        raise ValidationFailed(_("A category cannot be placed under itself."), field="parent")
    with transaction.atomic():
        category.depth = depth
        if category.pk is None:
            category.path = ""
            category.save()
        category.path = f"{parent.path if parent else '/'}{category.pk}/"
        category.save()
        for child in Category.objects.filter(parent=category):
            category_save(actor=actor, category=child)
    return category


CSV_COLUMNS = (
    "code",
    "parent",
    "name_zh",
    "name_en",
    "case_type",
    "default_urgency",
    "response_hours",
    "resolution_days",
    "allows_anonymous",
    "public_by_default",
    "questions",
)


def categories_import(*, actor: Any, rows: Iterable[dict[str, str]]) -> int:
    """Create or update categories from CSV rows (parents before children); all or nothing.

    Errors name the line and the column so the file can be fixed.
    """
    import json

    from .models import CaseType

    def flag(value: str) -> bool:
        return str(value).strip().lower() in ("1", "true", "yes", "y", "是")

    count = 0
    with transaction.atomic():
        for line, row in enumerate(rows, start=2):
            code = (row.get("code") or "").strip()
            where = _("line %(line)d") % {"line": line}
            if not code or not re.match(r"^[-a-z0-9_]+$", code):
                raise ValidationFailed(
                    _("%(where)s: the code must be lower-case letters, digits, '-' or '_'.")
                    % {"where": where},
                    field="code",
                )
            parent = None
            if (row.get("parent") or "").strip():
                parent = Category.objects.filter(code=row["parent"].strip()).first()
                if parent is None:
                    raise ValidationFailed(
                        _("%(where)s: unknown parent “%(p)s” (list parents first).")
                        % {"where": where, "p": row["parent"]},
                        field="parent",
                    )
            case_type = (row.get("case_type") or CaseType.COMPLAINT).strip()
            if case_type not in CaseType.values:
                raise ValidationFailed(
                    _("%(where)s: case_type must be one of %(v)s.")
                    % {"where": where, "v": ", ".join(CaseType.values)},
                    field="case_type",
                )
            urgency = (row.get("default_urgency") or Urgency.NORMAL).strip()
            if urgency not in Urgency.values:
                raise ValidationFailed(
                    _("%(where)s: default_urgency must be one of %(v)s.")
                    % {"where": where, "v": ", ".join(Urgency.values)},
                    field="default_urgency",
                )
            try:
                response = int(row.get("response_hours") or 8)
                resolution = int(row.get("resolution_days") or 10)
                questions = json.loads(row.get("questions") or "[]")
            except ValueError as exc:
                raise ValidationFailed(
                    _("%(where)s: limits must be whole numbers and questions valid JSON.")
                    % {"where": where},
                    field="questions",
                ) from exc
            if not (row.get("name_zh") or "").strip():
                raise ValidationFailed(
                    _("%(where)s: name_zh is required.") % {"where": where}, field="name_zh"
                )
            category = Category.objects.filter(code=code).first() or Category(code=code)
            category.parent = parent
            category.name_zh = row["name_zh"].strip()
            category.name_en = (row.get("name_en") or "").strip()
            category.case_type = case_type
            category.default_urgency = urgency
            category.response_hours = response
            category.resolution_days = resolution
            category.allows_anonymous = flag(row.get("allows_anonymous", ""))
            category.public_by_default = flag(row.get("public_by_default", "1") or "1")
            category.questions = questions if isinstance(questions, list) else []
            category.sort = line
            category_save(actor=actor, category=category)
            count += 1
        audit_record(
            stream="catalogue", action="categories.imported", actor=actor, data={"rows": count}
        )
    return count
