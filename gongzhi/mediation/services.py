"""Every write in mediation and legal aid.

Each service locks the case row (`select_for_update`), checks the actor's permission
and the workflow, writes an audit event on the stream `mediation:<pk>` (legal aid:
`legalaid:<pk>`) and queues notifications, which go out after commit.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.audit.services import audit_record
from gongzhi.core.errors import (
    Conflict,
    DomainError,
    NotPermitted,
    OutOfScope,
    TransitionNotAllowed,
    ValidationFailed,
)
from gongzhi.notifications.services import notification_send
from gongzhi.organizations.models import Organisation, OrgKind, Role
from gongzhi.organizations.selectors import (
    covers_area,
    has_role,
    is_admin,
    scope_areas,
    users_with_role_over,
)
from gongzhi.territory.models import Area

from . import selectors
from . import workflow as wf
from .models import (
    Agreement,
    AgreementKind,
    Assignment,
    Channel,
    Confirmation,
    Consent,
    Declaration,
    DisputeType,
    Extension,
    FollowUp,
    FollowUpResult,
    LegalAidRequest,
    LegalAidStatus,
    LegalBasis,
    LinkPurpose,
    MediationCase,
    MediationSupervisor,
    Origin,
    Outcome,
    Party,
    PartyLink,
    PartyRole,
    Referral,
    Session,
    SessionStatus,
)
from .permissions import can
from .workflow import Status

DEFAULT_LIMIT_DAYS = 30  # a month from acceptance, as the law on people's mediation expects
MAX_EXTENSION_DAYS = 30
COURT_CONFIRMATION_DAYS = 30  # judicial confirmation must be applied for within 30 days
DEFAULT_FOLLOWUP_DAYS = 14
LINK_VALID_DAYS = 14
REMIND_BEFORE_DAYS = 3


# --- helpers ---------------------------------------------------------------------------


def _check(actor: Any, perm: str, case: MediationCase) -> None:
    """Outside the circle the case does not exist; inside it, a missing right is 403."""
    if not selectors.in_circle(actor, case) and perm != "mediation.open_mediationcase":
        raise OutOfScope(_("Mediation case not found."))
    if not can(actor, perm, case):
        raise NotPermitted(_("Your role in this mediation does not allow this action."))


def _lock(case: MediationCase) -> MediationCase:
    return MediationCase.objects.select_for_update(of=("self",)).select_related("area").get(pk=case.pk)


def _locked_for(actor: Any, perm: str, case: MediationCase) -> MediationCase:
    """Lock the row, then check on the fresh row (a caller's copy may be stale)."""
    case = _lock(case)
    _check(actor, perm, case)
    return case


def _transition(case: MediationCase, action: str) -> str:
    if not wf.can_transition(case.status, action):
        raise TransitionNotAllowed(
            _("This is not possible while the case is “%(status)s”.") % {"status": Status(case.status).label},
            allowed=wf.allowed_actions(case.status),
        )
    return wf.target(case.status, action)


def _activity(case: MediationCase, activity: str) -> None:
    if not wf.activity_allowed(case.status, activity):
        raise TransitionNotAllowed(
            _("This is not possible while the case is “%(status)s”.") % {"status": Status(case.status).label},
            allowed=wf.allowed_actions(case.status),
        )


def _audit(case: MediationCase, action: str, actor: Any, **data: Any) -> None:
    audit_record(stream=f"mediation:{case.pk}", action=f"mediation.{action}", actor=actor, data=data)


def _case_url(case: MediationCase) -> str:
    return f"/mediation/{case.pk}/"


def _notify(users: Iterable[Any], kind: str, case: MediationCase, exclude: Any = None, **context: Any) -> None:
    seen: set[int] = set()
    for user in users:
        if user is None or user.pk in seen or (exclude is not None and getattr(exclude, "pk", None) == user.pk):
            continue
        seen.add(user.pk)
        notification_send(recipient=user, kind=kind, context={"number": case.number, **context}, url=_case_url(case))


def _party_users(case: MediationCase) -> list[Any]:
    return [p.user for p in case.parties.select_related("user") if p.user is not None]


def _clean(text: str, field: str, message: str, max_length: int | None = None) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(message, field=field)
    if max_length and len(text) > max_length:
        raise ValidationFailed(_("Keep it under %(n)d characters.") % {"n": max_length}, field=field)
    return text


def _new_number(prefix: str, pk: int, when: datetime) -> str:
    return f"{prefix}{when.year}-{pk:05d}"


# --- supervisors ------------------------------------------------------------------------


@transaction.atomic
def supervisor_designate(*, actor: Any, area: Area, user: Any) -> MediationSupervisor:
    """Designate a committee member to supervise the mediation cases of `area`."""
    if actor is not None:
        if not can(actor, "mediation.designate_supervisor"):
            raise NotPermitted(_("Only an administrator or the committee designates supervisors."))
        if not is_admin(actor) and not covers_area(actor, area, Role.COMMITTEE):
            raise OutOfScope(_("Area not found."))
    if not has_role(user, Role.COMMITTEE) or not any(a.contains(area) for a in scope_areas(user, Role.COMMITTEE)):
        raise ValidationFailed(
            _("The supervisor must be a committee member whose scope covers %(area)s.") % {"area": area.name},
            field="user",
        )
    supervisor, _created = MediationSupervisor.objects.get_or_create(
        area=area, user=user, is_active=True, defaults={"designated_by": actor}
    )
    audit_record(
        stream=f"mediation-supervisor:{area.code}", action="mediation.supervisor_designated", actor=actor,
        data={"user": user.pk, "area": area.code},
    )
    return supervisor


# --- opening ----------------------------------------------------------------------------


@dataclass
class PartyData:
    role: str
    name: str
    phone: str = ""
    address: str = ""
    related_persons: str = ""
    user: Any = None


def _validate_opening(dispute_type: str, area: Area | None, description: str) -> str:
    errors: dict[str, list[str]] = {}
    if dispute_type not in DisputeType.values:
        errors["dispute_type"] = [_("Choose the type of dispute from the list.")]
    if area is None:
        errors["area"] = [_("Choose the community where the dispute is.")]
    if not (description or "").strip():
        errors["description"] = [_("Describe what the dispute is about.")]
    elif len(description) > 4000:
        errors["description"] = [_("Keep it under %(n)d characters.") % {"n": 4000}]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)
    return description.strip()


def _create_case(
    *, actor: Any, origin: str, dispute_type: str, area: Area, description: str, source_case_number: str = ""
) -> MediationCase:
    now = timezone.now()
    case = MediationCase.objects.create(
        number=f"tmp-{secrets.token_hex(6)}", origin=origin, dispute_type=dispute_type, area=area,
        description=description, source_case_number=source_case_number, opened_by=actor, opened_at=now,
    )
    case.number = _new_number("M", case.pk, now)
    case.save(update_fields=["number"])
    return case


def _add_party(case: MediationCase, data: PartyData) -> Party:
    errors: dict[str, list[str]] = {}
    if data.role not in PartyRole.values:
        errors["role"] = [_("Choose the party's role.")]
    name = (data.name or "").strip()
    if not name and data.user is not None:
        name = data.user.public_name
    if not name:
        errors["name"] = [_("Give the party's name.")]
    elif len(name) > 80:
        errors["name"] = [_("Keep it under %(n)d characters.") % {"n": 80}]
    if data.user is not None and case.parties.filter(user=data.user).exists():
        errors["user"] = [_("This account is already a party to the case.")]
    if data.user is not None and case.mediator_id == data.user.pk:
        errors["user"] = [_("The mediator cannot be a party to the same case.")]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)
    return Party.objects.create(
        case=case, role=data.role, user=data.user, name=name, phone=(data.phone or "").strip()[:32],
        address=(data.address or "").strip()[:200], related_persons=(data.related_persons or "").strip()[:300],
    )


@transaction.atomic
def mediation_apply(
    *,
    actor: Any,
    dispute_type: str,
    area: Area | None,
    description: str,
    respondent: PartyData,
    applicant_address: str = "",
    applicant_related: str = "",
) -> MediationCase:
    """A resident applies for mediation. Applying is the applicant's consent; the
    respondent is asked next (by account, one-time link or in person)."""
    if not getattr(actor, "is_authenticated", False):
        raise NotPermitted(_("Sign in to apply for mediation."))
    description = _validate_opening(dispute_type, area, description)
    assert area is not None
    case = _create_case(actor=actor, origin=Origin.APPLICATION, dispute_type=dispute_type, area=area, description=description)
    applicant = _add_party(
        case, PartyData(PartyRole.APPLICANT, actor.public_name, actor.phone, applicant_address, applicant_related, actor)
    )
    now = timezone.now()
    applicant.consent, applicant.consent_channel, applicant.consent_at = Consent.CONSENTED, Channel.ACCOUNT, now
    applicant.save(update_fields=["consent", "consent_channel", "consent_at"])
    respondent.role = PartyRole.RESPONDENT
    _add_party(case, respondent)
    _audit(case, "opened", actor, origin=case.origin, dispute_type=dispute_type, area=area.code)
    _notify(selectors.supervisors_for(case), "mediation_opened", case)
    return case


@transaction.atomic
def mediation_open(
    *,
    actor: Any,
    dispute_type: str,
    area: Area | None,
    description: str,
    parties: Sequence[PartyData],
    origin: str = Origin.MEDIATOR,
    source_case_number: str = "",
) -> MediationCase:
    """Open a case on behalf of parties: by a mediator (who is proposed as its mediator
    and must still declare) or from a case referral by staff. Parties consent later."""
    if origin == Origin.MEDIATOR and not can(actor, "mediation.open_mediationcase"):
        raise NotPermitted(_("Only a mediator can open a mediation case directly."))
    description = _validate_opening(dispute_type, area, description)
    assert area is not None
    roles = [p.role for p in parties]
    if PartyRole.APPLICANT not in roles or PartyRole.RESPONDENT not in roles:
        raise ValidationFailed(_("A mediation needs an applicant and a respondent."), field="parties")
    case = _create_case(
        actor=actor, origin=origin, dispute_type=dispute_type, area=area, description=description,
        source_case_number=source_case_number,
    )
    for data in parties:
        _add_party(case, data)
    _audit(case, "opened", actor, origin=origin, dispute_type=dispute_type, area=area.code, source=source_case_number)
    if origin == Origin.MEDIATOR and selectors.is_mediator_for(actor, area):
        _propose(case, actor, assigned_by=actor)
    _notify(selectors.supervisors_for(case), "mediation_opened", case, exclude=actor)
    for party in case.parties.select_related("user"):
        if party.user is not None and party.consent == Consent.PENDING:
            _notify([party.user], "mediation_consent_requested", case, exclude=actor)
    return case


@transaction.atomic
def party_add(*, actor: Any, case: MediationCase, data: PartyData) -> Party:
    """Add another party while consent is being collected."""
    case = _locked_for(actor, "mediation.addparty_mediationcase", case)
    _activity(case, "parties")
    party = _add_party(case, data)
    _audit(case, "party_added", actor, party=party.pk, role=party.role)
    if party.user is not None:
        _notify([party.user], "mediation_consent_requested", case, exclude=actor)
    return party


# --- from a case ------------------------------------------------------------------------

# Category codes (a category or any ancestor) whose cases are disputes fit for mediation.
DISPUTE_CATEGORY_CODES = {"neighbours"}
CATEGORY_DISPUTE_TYPE = {"neighbour-noise": DisputeType.NOISE, "shared-space": DisputeType.BOUNDARY, "pets": DisputeType.PETS}
# Case states from which the cases app lets an outside process resolve the case.
CONVERTIBLE_CASE_STATES = {"dispatched", "accepted", "in_progress", "awaiting_info"}


def is_dispute_case(case: Any) -> bool:
    from gongzhi.cases.models import Category

    codes = set(Category.objects.filter(pk__in=case.category.ancestor_ids()).values_list("code", flat=True))
    codes.add(case.category.code)
    return bool(codes & DISPUTE_CATEGORY_CODES)


def may_convert_case(actor: Any, case: Any) -> bool:
    """Intake (operator, committee), the lead department's staff or a mediator of the area."""
    from gongzhi.cases import permissions as case_perms

    if not getattr(actor, "is_authenticated", False) or case_perms.is_reporter(actor, case):
        return False
    return bool(
        case_perms.is_area_mediator(actor, case) or case_perms.is_operator(actor, case)
        or case_perms.is_committee(actor, case) or case_perms.is_lead_staff(actor, case)
    )


@transaction.atomic
def mediation_from_case(
    *,
    actor: Any,
    case: Any,
    dispute_type: str,
    description: str,
    respondent: PartyData,
    applicant_name: str = "",
) -> MediationCase:
    """Convert a reported dispute into a mediation case. The reporter becomes the
    applicant and, like the respondent, is asked to consent. The case gets a private
    timeline entry; when the mediation ends in an agreement the case is resolved."""
    from gongzhi.cases.services import case_add_event

    if not may_convert_case(actor, case):
        raise OutOfScope(_("No such case."))
    if not is_dispute_case(case):
        raise ValidationFailed(_("Only cases in a dispute category can go to mediation."), field="case")
    if case.status not in CONVERTIBLE_CASE_STATES:
        raise TransitionNotAllowed(_("Only a dispatched case that is still being handled can go to mediation."))
    if MediationCase.objects.filter(source_case=case).exclude(status=Status.CLOSED).exists():
        raise Conflict(_("This case already has a mediation under way."))
    reporter = case.reporter
    name = (applicant_name or "").strip() or (reporter.public_name if reporter else case.caller_name)
    mediation = mediation_open(
        actor=actor, dispute_type=dispute_type, area=case.area, description=description, origin=Origin.CASE,
        source_case_number=case.number,
        parties=[
            PartyData(PartyRole.APPLICANT, name, case.caller_phone if reporter is None else "", "", "", reporter),
            PartyData(PartyRole.RESPONDENT, respondent.name, respondent.phone, respondent.address, "", respondent.user),
        ],
    )
    mediation.source_case = case
    mediation.save(update_fields=["source_case"])
    if selectors.is_mediator_for(actor, mediation.area) and not mediation.assignments.filter(is_active=True).exists():
        _propose(mediation, actor, assigned_by=actor)
    case_add_event(
        case=case, actor=actor, kind="mediation", text=_("Referred to people's mediation."),
        data={"mediation": mediation.number}, is_public=False,
    )
    return mediation


def _report_to_case(mediation: MediationCase, actor: Any, resolved: bool) -> None:
    """Tell the source case how the mediation ended, without any confidential detail."""
    if mediation.source_case_id is None:
        return
    from gongzhi.cases.models import Case
    from gongzhi.cases.services import case_add_event, case_resolve_externally

    case = Case.objects.get(pk=mediation.source_case_id)
    if resolved:
        # The mediation's own checks authorised this, so the system acts on the case (the
        # cases app does not let a mediator see cases). If the case moved on meanwhile
        # (e.g. withdrawn), the timeline entry below still tells it.
        with contextlib.suppress(DomainError):
            case_resolve_externally(
                case=case, actor=None, source=f"mediation:{mediation.number}",
                summary=_("Resolved through people's mediation: the parties reached an agreement."),
            )
    case_add_event(
        case=case, actor=actor, kind="mediation",
        text=_("Mediation ended with an agreement.") if resolved else _("Mediation ended without an agreement."),
        data={"mediation": mediation.number, "outcome": mediation.outcome}, is_public=False,
    )


# --- consent ----------------------------------------------------------------------------


def _set_consent(case: MediationCase, party: Party, consent: bool, channel: str, actor: Any) -> Party:
    _activity(case, "consent")
    party.consent = Consent.CONSENTED if consent else Consent.DECLINED
    party.consent_channel = channel
    party.consent_at = timezone.now()
    party.consent_recorded_by = actor if channel == Channel.IN_PERSON else None
    party.save(update_fields=["consent", "consent_channel", "consent_at", "consent_recorded_by"])
    _audit(case, "consent_given" if consent else "consent_declined", actor, party=party.pk, channel=channel)
    others = [case.mediator, *selectors.supervisors_for(case)]
    _notify(others, "mediation_consent_answered", case, exclude=actor, party=party.name, consent=consent)
    return party


@transaction.atomic
def party_respond(*, actor: Any, party: Party, consent: bool) -> Party:
    """A party answers for themselves while signed in; or the mediator or supervisor
    records an answer given in person (who and when is kept)."""
    own = party.user_id is not None and getattr(actor, "pk", None) == party.user_id
    perm = "mediation.respond_mediationcase" if own else "mediation.recordconsent_mediationcase"
    case = _locked_for(actor, perm, party.case)
    channel = Channel.ACCOUNT if own else Channel.IN_PERSON
    party = Party.objects.select_for_update(of=("self",)).get(pk=party.pk)
    return _set_consent(case, party, consent, channel, actor)


# --- one-time links ---------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def party_link_issue(*, actor: Any, party: Party, purpose: str) -> tuple[PartyLink, str]:
    """A one-time link for a party without an account. Returns the link and the raw token,
    which is shown once and never stored (only its hash). Older unused links of the same
    party and purpose stop working."""
    case = party.case
    case = _locked_for(actor, "mediation.issuelink_mediationcase", case)
    if purpose not in LinkPurpose.values:
        raise ValidationFailed(_("Choose what the link is for."), field="purpose")
    _activity(case, "consent" if purpose == LinkPurpose.CONSENT else "confirm")
    if purpose == LinkPurpose.CONFIRM and not hasattr(case, "agreement"):
        raise TransitionNotAllowed(_("Draft the agreement before asking the parties to confirm it."))
    now = timezone.now()
    PartyLink.objects.filter(party=party, purpose=purpose, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    link = PartyLink.objects.create(
        party=party, purpose=purpose, token_hash=_hash(token), expires_at=now + timedelta(days=LINK_VALID_DAYS),
        created_by=actor, created_at=now,
    )
    _audit(case, "link_issued", actor, party=party.pk, purpose=purpose)
    return link, token


def party_link_get(*, token: str) -> PartyLink:
    """The link behind `token` if it is unused and unexpired; otherwise not found."""
    link = (
        PartyLink.objects.select_related("party", "party__case", "party__case__area")
        .filter(token_hash=_hash(token or ""))
        .first()
    )
    if link is None or link.used_at is not None or link.expires_at <= timezone.now():
        raise OutOfScope(_("This link has expired or has already been used. Ask the mediator for a new one."))
    return link


@transaction.atomic
def party_link_use(*, token: str, accept: bool) -> PartyLink:
    """Consent / decline, or confirm the agreement, through a one-time link (no account)."""
    link = party_link_get(token=token)
    link = PartyLink.objects.select_for_update(of=("self",)).get(pk=link.pk)
    if link.used_at is not None:
        raise OutOfScope(_("This link has expired or has already been used. Ask the mediator for a new one."))
    case = _lock(link.party.case)
    party = Party.objects.select_for_update(of=("self",)).get(pk=link.party_id)
    if link.purpose == LinkPurpose.CONSENT:
        _set_consent(case, party, accept, Channel.LINK, None)
    else:
        if not accept:
            raise ValidationFailed(_("Tell the mediator what you disagree with; nothing was recorded."))
        _confirm(case, party, Channel.LINK, None)
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    return link


# --- mediator assignment ----------------------------------------------------------------

_COMPOUND_SURNAMES = {
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯", "长孙", "宇文", "司徒", "端木", "独孤",
}
_CJK = re.compile(r"[\u4e00-\u9fff]")


def family_name(name: str) -> str:
    """The family name, explainably: a Chinese name's first character (two for the common
    compound surnames), after any title separated by a space ("调解员 吴芳" → 吴); a
    name in Latin letters is read in Chinese order ("Li Wei" → li)."""
    tokens = (name or "").split()
    if not tokens:
        return ""
    last = tokens[-1]
    if _CJK.match(last):
        return last[:2] if last[:2] in _COMPOUND_SURNAMES else last[:1]
    return tokens[0].lower()


def _norm_address(address: str) -> str:
    return re.sub(r"[\s,，.。#号-]+", "", (address or "").lower())


def conflict_reasons(case: MediationCase, mediator: Any, mediator_address: str = "") -> list[str]:
    """Why `mediator` may not mediate `case`, checked against every party:
    the same account; the same family name and the same address (when given); or the
    mediator named among a party's related persons."""
    reasons = []
    names = {n for n in {mediator.public_name, mediator.get_full_name(), mediator.username} if n}
    bare = {n.split()[-1] for n in names}
    surname = family_name(mediator.public_name)
    for party in case.parties.all():
        if party.user_id == mediator.pk:
            reasons.append(_("The mediator is a party (%(party)s).") % {"party": party.name})
            continue
        same_family = bool(surname) and family_name(party.name) == surname
        if same_family and mediator_address and party.address and (
            _norm_address(mediator_address) == _norm_address(party.address)
        ):
            reasons.append(_("The mediator shares family name and address with %(party)s.") % {"party": party.name})
        related = {r.strip() for r in re.split(r"[,，、;；]", party.related_persons or "") if r.strip()}
        if related & (names | bare):
            reasons.append(_("%(party)s lists the mediator as a related person.") % {"party": party.name})
    return reasons


def _propose(case: MediationCase, mediator: Any, assigned_by: Any) -> Assignment:
    previous = Assignment.objects.filter(case=case, mediator=mediator, declaration=Declaration.CONFLICT).first()
    if previous is not None:
        raise ValidationFailed(
            _("%(name)s declared a conflict of interest in this case and cannot be assigned.")
            % {"name": mediator.public_name},
            field="mediator",
        )
    reasons = conflict_reasons(case, mediator)
    if reasons:
        raise ValidationFailed(" ".join(reasons), field="mediator")
    Assignment.objects.filter(case=case, is_active=True).update(is_active=False)
    if case.mediator_id and case.mediator_id != mediator.pk:
        case.mediator = None
        case.save(update_fields=["mediator"])
    assignment = Assignment.objects.create(
        case=case, mediator=mediator, assigned_by=assigned_by, assigned_at=timezone.now()
    )
    _audit(case, "mediator_proposed", assigned_by, mediator=mediator.pk)
    _notify([mediator], "mediation_assigned", case, exclude=assigned_by)
    return assignment


@transaction.atomic
def mediator_assign(*, actor: Any, case: MediationCase, mediator: Any) -> Assignment:
    """The supervisor proposes a mediator. The check against the parties runs now; the
    assignment takes effect only when the mediator declares no conflict of interest."""
    case = _locked_for(actor, "mediation.assign_mediationcase", case)
    _activity(case, "assign")
    if mediator is None or not selectors.is_mediator_for(mediator, case.area):
        raise ValidationFailed(_("Choose a mediator who serves this area."), field="mediator")
    if case.status == Status.IN_PROGRESS and case.mediator_id == mediator.pk:
        raise Conflict(_("%(name)s already mediates this case.") % {"name": mediator.public_name}, field="mediator")
    return _propose(case, mediator, actor)


@transaction.atomic
def assignment_declare(*, actor: Any, case: MediationCase, conflict: bool, reason: str = "", address: str = "") -> Assignment:
    """The proposed mediator declares. A declared conflict refuses the assignment (the
    supervisor is told to choose someone else). Otherwise the check against the parties
    runs again with the address the mediator gave (used for the check, not stored)."""
    case = _locked_for(actor, "mediation.declare_mediationcase", case)
    _activity(case, "assign")
    assignment = Assignment.objects.select_for_update(of=("self",)).get(case=case, is_active=True, mediator=actor)
    now = timezone.now()
    if conflict:
        reason = _clean(reason, "reason", _("Say briefly what the conflict of interest is."), 1000)
        assignment.declaration, assignment.reason, assignment.declared_at = Declaration.CONFLICT, reason, now
        assignment.is_active = False
        assignment.save(update_fields=["declaration", "reason", "declared_at", "is_active"])
        _audit(case, "conflict_declared", actor)
        _notify(selectors.supervisors_for(case), "mediation_conflict", case, exclude=actor)
        return assignment
    reasons = conflict_reasons(case, actor, address)
    if reasons:
        raise ValidationFailed(" ".join(reasons), field="conflict")
    assignment.declaration, assignment.declared_at = Declaration.NO_CONFLICT, now
    assignment.save(update_fields=["declaration", "declared_at"])
    case.mediator = actor
    case.save(update_fields=["mediator"])
    _audit(case, "mediator_assigned", actor, mediator=actor.pk)
    return assignment


# --- the mediation ----------------------------------------------------------------------


@transaction.atomic
def mediation_accept(*, actor: Any, case: MediationCase) -> MediationCase:
    """Start the mediation: every party has consented and the mediator is effective.
    The one-month limit starts now."""
    case = _locked_for(actor, "mediation.accept_mediationcase", case)
    target = _transition(case, wf.Action.ACCEPT)
    waiting = [p.name for p in case.parties.all() if p.consent != Consent.CONSENTED]
    if waiting:
        raise TransitionNotAllowed(
            _("Every party must consent first. Still waiting for: %(names)s.") % {"names": ", ".join(waiting)}
        )
    now = timezone.now()
    case.status, case.accepted_at, case.due_at = target, now, now + timedelta(days=DEFAULT_LIMIT_DAYS)
    case.save(update_fields=["status", "accepted_at", "due_at"])
    _audit(case, "accepted", actor, due_at=case.due_at.isoformat())
    _notify(_party_users(case), "mediation_accepted", case, exclude=actor, due=case.due_at.date())
    return case


@transaction.atomic
def mediation_decline(*, actor: Any, case: MediationCase, note: str = "") -> MediationCase:
    """Close a case that cannot start because a party declined mediation."""
    case = _locked_for(actor, "mediation.decline_mediationcase", case)
    target = _transition(case, wf.Action.DECLINE)
    if not case.parties.filter(consent=Consent.DECLINED).exists():
        raise TransitionNotAllowed(_("No party has declined; mediation can still start."))
    _close(case, target, Outcome.DECLINED, note, actor)
    return case


@transaction.atomic
def mediation_withdraw(*, actor: Any, case: MediationCase, note: str = "") -> MediationCase:
    case = _locked_for(actor, "mediation.withdraw_mediationcase", case)
    target = _transition(case, wf.Action.WITHDRAW)
    _close(case, target, Outcome.WITHDRAWN, note, actor)
    return case


def _close(case: MediationCase, target: str, outcome: str, note: str, actor: Any) -> None:
    now = timezone.now()
    case.status, case.outcome, case.outcome_note = target, outcome, (note or "").strip()[:4000]
    case.concluded_at = case.concluded_at or now
    case.closed_at = now
    case.save(update_fields=["status", "outcome", "outcome_note", "concluded_at", "closed_at"])
    _audit(case, "closed", actor, outcome=outcome)
    _notify([*_party_users(case), case.mediator], "mediation_closed", case, exclude=actor, outcome=Outcome(outcome).label)


def _check_session_date(case: MediationCase, when: datetime | None, field: str = "starts_at") -> datetime:
    if when is None:
        raise ValidationFailed(_("Give the date and time of the session."), field=field)
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    assert case.accepted_at is not None and case.due_at is not None
    start = timezone.localtime(case.accepted_at).replace(hour=0, minute=0, second=0, microsecond=0)
    if not (start <= when <= case.due_at):
        raise ValidationFailed(
            _("A session must fall within the case's dates: from %(start)s to %(end)s.")
            % {"start": timezone.localdate(case.accepted_at), "end": timezone.localdate(case.due_at)},
            field=field,
        )
    return when


@transaction.atomic
def session_plan(*, actor: Any, case: MediationCase, starts_at: datetime | None, place: str = "") -> Session:
    """Plan a session between acceptance and the time limit."""
    case = _locked_for(actor, "mediation.session_mediationcase", case)
    _activity(case, "session")
    when = _check_session_date(case, starts_at)
    session = Session.objects.create(case=case, starts_at=when, place=(place or "").strip()[:200], recorded_by=actor)
    _audit(case, "session_planned", actor, session=session.pk, starts_at=when.isoformat())
    _notify(_party_users(case), "mediation_session", case, exclude=actor, when=timezone.localtime(when), place=session.place)
    return session


@transaction.atomic
def session_record(
    *, actor: Any, session: Session, status: str, minutes: str = "", new_starts_at: datetime | None = None
) -> Session:
    """Record that a planned session was held (with minutes) or postponed (optionally to
    a new date, which becomes a new planned session)."""
    case = session.case
    case = _locked_for(actor, "mediation.session_mediationcase", case)
    _activity(case, "session")
    session = Session.objects.select_for_update(of=("self",)).get(pk=session.pk)
    if session.status != SessionStatus.PLANNED:
        raise TransitionNotAllowed(_("Only a planned session can be recorded."))
    if status == SessionStatus.HELD:
        if session.starts_at > timezone.now():
            raise ValidationFailed(_("A session cannot be recorded as held before it starts."), field="status")
        session.minutes = _clean(minutes, "minutes", _("Write the minutes of the session."), 20000)
    elif status == SessionStatus.POSTPONED:
        session.minutes = (minutes or "").strip()[:20000]
        if new_starts_at is not None:
            when = _check_session_date(case, new_starts_at, field="new_starts_at")
            Session.objects.create(case=case, starts_at=when, place=session.place, recorded_by=actor)
    else:
        raise ValidationFailed(_("Choose held or postponed."), field="status")
    session.status = status
    session.recorded_by = actor
    session.save(update_fields=["status", "minutes", "recorded_by"])
    _audit(case, f"session_{status}", actor, session=session.pk)
    return session


@transaction.atomic
def agreement_draft(*, actor: Any, case: MediationCase, kind: str, terms: str) -> Agreement:
    """Write (or rewrite) the agreement after a held session. Rewriting makes a new
    version, and every party has to confirm again."""
    case = _locked_for(actor, "mediation.draft_mediationcase", case)
    _activity(case, "agreement")
    if kind not in AgreementKind.values:
        raise ValidationFailed(_("Choose full or partial agreement."), field="kind")
    terms = _clean(terms, "terms", _("Write the terms the parties agreed."), 20000)
    if not case.sessions.filter(status=SessionStatus.HELD).exists():
        raise TransitionNotAllowed(_("Hold at least one session before writing an agreement."))
    now = timezone.now()
    agreement = Agreement.objects.filter(case=case).first()
    if agreement is None:
        agreement = Agreement.objects.create(case=case, kind=kind, terms=terms, drafted_by=actor, drafted_at=now)
    else:
        agreement.kind, agreement.terms, agreement.version = kind, terms, agreement.version + 1
        agreement.drafted_by, agreement.drafted_at = actor, now
        agreement.save()
    _audit(case, "agreement_drafted", actor, version=agreement.version, kind=kind)
    _notify(_party_users(case), "mediation_agreement_ready", case, exclude=actor)
    return agreement


def _confirm(case: MediationCase, party: Party, channel: str, actor: Any) -> Confirmation:
    _activity(case, "confirm")
    agreement = Agreement.objects.filter(case=case).first()
    if agreement is None:
        raise TransitionNotAllowed(_("There is no agreement to confirm yet."))
    existing = Confirmation.objects.filter(agreement=agreement, party=party, version=agreement.version).first()
    if existing is not None:
        return existing
    confirmation = Confirmation.objects.create(
        agreement=agreement, party=party, version=agreement.version, channel=channel, confirmed_at=timezone.now(),
        recorded_by=actor if channel == Channel.IN_PERSON else None,
    )
    _audit(case, "agreement_confirmed", actor, party=party.pk, version=agreement.version, channel=channel)
    if case.mediator is not None:
        _notify([case.mediator], "mediation_agreement_confirmed", case, exclude=actor, party=party.name)
    return confirmation


@transaction.atomic
def agreement_confirm(*, actor: Any, party: Party) -> Confirmation:
    """A party confirms the current version of the agreement (signed in), or the mediator
    records a confirmation given in person."""
    case = party.case
    own = party.user_id is not None and getattr(actor, "pk", None) == party.user_id
    case = _locked_for(actor, "mediation.confirm_mediationcase" if own else "mediation.recordconfirmation_mediationcase", case)
    return _confirm(case, party, Channel.ACCOUNT if own else Channel.IN_PERSON, actor)


def unconfirmed_parties(case: MediationCase) -> list[Party]:
    agreement = Agreement.objects.filter(case=case).first()
    if agreement is None:
        return list(case.parties.all())
    confirmed = set(
        Confirmation.objects.filter(agreement=agreement, version=agreement.version).values_list("party_id", flat=True)
    )
    return [p for p in case.parties.all() if p.pk not in confirmed]


def _legal_bases(bases: Iterable[LegalBasis] | None) -> list[LegalBasis]:
    return [b for b in (bases or []) if b.is_active]


@transaction.atomic
def mediation_conclude(
    *,
    actor: Any,
    case: MediationCase,
    followup_due: date | None = None,
    legal_bases: Iterable[LegalBasis] | None = None,
) -> MediationCase:
    """Record the agreement as the outcome. Refused unless every party confirmed the
    current version. Starts the 30 days for court confirmation and sets the follow-up."""
    case = _locked_for(actor, "mediation.conclude_mediationcase", case)
    target = _transition(case, wf.Action.CONCLUDE)
    agreement = Agreement.objects.filter(case=case).first()
    if agreement is None:
        raise TransitionNotAllowed(_("Write the agreement and have every party confirm it first."))
    missing = unconfirmed_parties(case)
    if missing:
        raise TransitionNotAllowed(
            _("Every party must confirm the agreement. Not yet confirmed by: %(names)s.")
            % {"names": ", ".join(p.name for p in missing)}
        )
    now = timezone.now()
    today = timezone.localdate(now)
    if followup_due is not None and not (today <= followup_due <= today + timedelta(days=180)):
        raise ValidationFailed(_("Choose a follow-up date within the next six months."), field="followup_due")
    case.status = target
    case.outcome = Outcome.AGREEMENT if agreement.kind == AgreementKind.FULL else Outcome.PARTIAL
    case.concluded_at = now
    case.court_confirmation_due = today + timedelta(days=COURT_CONFIRMATION_DAYS)
    case.followup_due = followup_due or today + timedelta(days=DEFAULT_FOLLOWUP_DAYS)
    case.save(update_fields=["status", "outcome", "concluded_at", "court_confirmation_due", "followup_due"])
    case.legal_bases.add(*_legal_bases(legal_bases))
    _audit(case, "concluded", actor, outcome=case.outcome, version=agreement.version)
    _report_to_case(case, actor, resolved=True)
    _notify(_party_users(case), "mediation_concluded", case, exclude=actor, court_due=case.court_confirmation_due)
    return case


@transaction.atomic
def mediation_fail(
    *,
    actor: Any,
    case: MediationCase,
    referral: str,
    note: str,
    legal_bases: Iterable[LegalBasis] | None = None,
) -> MediationCase:
    """Record that mediation failed and where the parties are referred. A referral to
    legal aid opens a legal-aid request for the applicant (if they have an account)."""
    case = _locked_for(actor, "mediation.fail_mediationcase", case)
    target = _transition(case, wf.Action.FAIL)
    if referral not in Referral.values:
        raise ValidationFailed(_("Choose where the parties are referred."), field="referral")
    note = _clean(note, "note", _("Say briefly why mediation failed."), 4000)
    case.referral = referral
    case.save(update_fields=["referral"])
    case.legal_bases.add(*_legal_bases(legal_bases))
    _close(case, target, Outcome.FAILURE, note, actor)
    _report_to_case(case, actor, resolved=False)
    if referral == Referral.LEGAL_AID:
        applicant = case.parties.filter(role=PartyRole.APPLICANT, user__isnull=False).select_related("user").first()
        if applicant is not None:
            _create_legal_aid(
                requester=applicant.user, area=case.area, matter=_("Referred from mediation %(number)s: %(type)s")
                % {"number": case.number, "type": DisputeType(case.dispute_type).label},
                actor=actor, mediation=case,
            )
    return case


@transaction.atomic
def mediation_extend(
    *, actor: Any, case: MediationCase, days: int | None, reason: str, consenting: Iterable[Party]
) -> Extension:
    """Extend the time limit, which the law allows only with every party's consent."""
    case = _locked_for(actor, "mediation.extend_mediationcase", case)
    _activity(case, "extend")
    if days is None or not (1 <= days <= MAX_EXTENSION_DAYS):
        raise ValidationFailed(_("Extend by 1 to %(n)d days.") % {"n": MAX_EXTENSION_DAYS}, field="days")
    reason = _clean(reason, "reason", _("Give the reason for the extension."), 2000)
    consenting_ids = {p.pk for p in consenting}
    missing = [p.name for p in case.parties.all() if p.pk not in consenting_ids]
    if missing:
        raise ValidationFailed(
            _("An extension needs every party's consent. Missing: %(names)s.") % {"names": ", ".join(missing)},
            field="consenting",
        )
    assert case.due_at is not None
    previous = case.due_at
    case.due_at = previous + timedelta(days=days)
    case.deadline_reminded_at = None
    case.save(update_fields=["due_at", "deadline_reminded_at"])
    extension = Extension.objects.create(
        case=case, days=days, reason=reason, previous_due_at=previous, new_due_at=case.due_at,
        recorded_by=actor, recorded_at=timezone.now(),
    )
    _audit(case, "extended", actor, days=days, new_due_at=case.due_at.isoformat(), parties=sorted(consenting_ids))
    return extension


@transaction.atomic
def court_confirmation_record(*, actor: Any, case: MediationCase) -> MediationCase:
    """Note that the parties applied to the court to confirm the agreement."""
    case = _locked_for(actor, "mediation.court_mediationcase", case)
    _activity(case, "court")
    if case.outcome not in (Outcome.AGREEMENT, Outcome.PARTIAL):
        raise TransitionNotAllowed(_("Only an agreement can be confirmed by a court."))
    case.court_confirmation_requested = True
    case.save(update_fields=["court_confirmation_requested"])
    _audit(case, "court_confirmation_requested", actor)
    return case


@transaction.atomic
def followup_record(
    *, actor: Any, case: MediationCase, visited_on: date | None, result: str, note: str = ""
) -> FollowUp:
    """Record the follow-up visit: is the agreement kept? Closes the case."""
    case = _locked_for(actor, "mediation.followup_mediationcase", case)
    target = _transition(case, wf.Action.FOLLOW_UP)
    if result not in FollowUpResult.values:
        raise ValidationFailed(_("Choose whether the agreement is kept."), field="result")
    today = timezone.localdate()
    assert case.concluded_at is not None
    if visited_on is None or not (timezone.localdate(case.concluded_at) <= visited_on <= today):
        raise ValidationFailed(
            _("The visit date must lie between the agreement (%(start)s) and today.")
            % {"start": timezone.localdate(case.concluded_at)},
            field="visited_on",
        )
    followup = FollowUp.objects.create(
        case=case, visited_on=visited_on, result=result, note=(note or "").strip()[:4000], recorded_by=actor,
        recorded_at=timezone.now(),
    )
    now = timezone.now()
    case.status, case.closed_at = target, now
    case.save(update_fields=["status", "closed_at"])
    _audit(case, "followed_up", actor, result=result, visited_on=visited_on.isoformat())
    _audit(case, "closed", actor, outcome=case.outcome)
    return followup


# --- reminders --------------------------------------------------------------------------


def mediation_send_reminders(*, now: datetime | None = None) -> dict[str, int]:
    """Daily: warn the mediator and supervisors before the time limit; remind parties and
    mediator of the 30 days for court confirmation; remind the mediator of the follow-up
    visit. Each reminder goes once per case (an extension re-arms the first)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = {"deadline": 0, "court": 0, "followup": 0}
    soon = now + timedelta(days=REMIND_BEFORE_DAYS)
    for pk in MediationCase.objects.filter(
        status=Status.IN_PROGRESS, due_at__lte=soon, deadline_reminded_at__isnull=True
    ).values_list("pk", flat=True):
        with transaction.atomic():
            case = MediationCase.objects.select_for_update(of=("self",)).select_related("area", "mediator").get(pk=pk)
            if case.deadline_reminded_at is not None:
                continue
            case.deadline_reminded_at = now
            case.save(update_fields=["deadline_reminded_at"])
            assert case.due_at is not None
            _notify([case.mediator, *selectors.supervisors_for(case)], "mediation_deadline", case, due=case.due_at)
            _audit(case, "deadline_reminder", None)
            sent["deadline"] += 1
    for pk in MediationCase.objects.filter(
        outcome__in=[Outcome.AGREEMENT, Outcome.PARTIAL], court_confirmation_requested=False,
        court_reminded_at__isnull=True, court_confirmation_due__gte=today,
        court_confirmation_due__lte=today + timedelta(days=7),
    ).values_list("pk", flat=True):
        with transaction.atomic():
            case = MediationCase.objects.select_for_update(of=("self",)).select_related("area", "mediator").get(pk=pk)
            case.court_reminded_at = now
            case.save(update_fields=["court_reminded_at"])
            _notify([*_party_users(case), case.mediator], "mediation_court_reminder", case, due=case.court_confirmation_due)
            _audit(case, "court_reminder", None)
            sent["court"] += 1
    for pk in MediationCase.objects.filter(
        status=Status.AGREED, followup_due__lte=today, followup_reminded_at__isnull=True
    ).values_list("pk", flat=True):
        with transaction.atomic():
            case = MediationCase.objects.select_for_update(of=("self",)).select_related("area", "mediator").get(pk=pk)
            case.followup_reminded_at = now
            case.save(update_fields=["followup_reminded_at"])
            _notify([case.mediator], "mediation_followup_due", case, due=case.followup_due)
            _audit(case, "followup_reminder", None)
            sent["followup"] += 1
    return sent


# --- legal aid --------------------------------------------------------------------------


def _aid_audit(request: LegalAidRequest, action: str, actor: Any, **data: Any) -> None:
    audit_record(stream=f"legalaid:{request.pk}", action=f"legalaid.{action}", actor=actor, data=data)


def _aid_url(request: LegalAidRequest) -> str:
    return f"/mediation/legal-aid/{request.pk}/"


def _create_legal_aid(
    *, requester: Any, area: Area, matter: str, actor: Any, mediation: MediationCase | None = None
) -> LegalAidRequest:
    now = timezone.now()
    request = LegalAidRequest.objects.create(
        number=f"tmp-{secrets.token_hex(6)}", requester=requester, area=area, matter=matter, mediation=mediation,
        created_at=now,
    )
    request.number = _new_number("LA", request.pk, now)
    request.save(update_fields=["number"])
    _aid_audit(request, "requested", actor, mediation=mediation.pk if mediation else None)
    for user in users_with_role_over(area, list(selectors.ROUTER_ROLES)):
        if getattr(actor, "pk", None) != user.pk:
            notification_send(recipient=user, kind="legalaid_submitted", context={"number": request.number}, url=_aid_url(request))
    return request


@transaction.atomic
def legal_aid_request(*, actor: Any, area: Area | None, matter: str) -> LegalAidRequest:
    """A resident asks for legal aid; staff of the area route it to a provider."""
    if not getattr(actor, "is_authenticated", False):
        raise NotPermitted(_("Sign in to request legal aid."))
    errors: dict[str, list[str]] = {}
    if area is None:
        errors["area"] = [_("Choose the community you live in.")]
    matter = (matter or "").strip()
    if not matter:
        errors["matter"] = [_("Describe what you need help with.")]
    elif len(matter) > 4000:
        errors["matter"] = [_("Keep it under %(n)d characters.") % {"n": 4000}]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)
    assert area is not None
    return _create_legal_aid(requester=actor, area=area, matter=matter, actor=actor)


def _aid_lock(request: LegalAidRequest, actor: Any, perm: str, action: str) -> LegalAidRequest:
    if not can(actor, "mediation.view_legalaidrequest", request):
        raise OutOfScope(_("Legal-aid request not found."))
    if not can(actor, perm, request):
        raise NotPermitted(_("Your role does not allow this action on the request."))
    request = LegalAidRequest.objects.select_for_update(of=("self",)).select_related("area", "provider").get(pk=request.pk)
    if not wf.aid_can_transition(request.status, action):
        raise TransitionNotAllowed(
            _("This is not possible while the request is “%(status)s”.")
            % {"status": LegalAidStatus(request.status).label}
        )
    return request


@transaction.atomic
def legal_aid_route(*, actor: Any, request: LegalAidRequest, provider: Organisation | None) -> LegalAidRequest:
    request = _aid_lock(request, actor, "mediation.route_legalaidrequest", wf.AidAction.ROUTE)
    if provider is None or provider.kind != OrgKind.LEGAL_AID or not provider.is_active:
        raise ValidationFailed(_("Choose a legal-aid provider from the list."), field="provider")
    request.status, request.provider, request.routed_by, request.routed_at = (
        LegalAidStatus.ROUTED, provider, actor, timezone.now(),
    )
    request.save(update_fields=["status", "provider", "routed_by", "routed_at"])
    _aid_audit(request, "routed", actor, provider=provider.code)
    for m in provider.memberships.filter(is_active=True).select_related("user"):
        notification_send(recipient=m.user, kind="legalaid_routed", context={"number": request.number}, url=_aid_url(request))
    return request


@transaction.atomic
def legal_aid_accept(*, actor: Any, request: LegalAidRequest) -> LegalAidRequest:
    request = _aid_lock(request, actor, "mediation.handle_legalaidrequest", wf.AidAction.ACCEPT)
    request.status, request.accepted_at = LegalAidStatus.ACCEPTED, timezone.now()
    request.save(update_fields=["status", "accepted_at"])
    _aid_audit(request, "accepted", actor)
    notification_send(
        recipient=request.requester, kind="legalaid_update",
        context={"number": request.number, "status": LegalAidStatus.ACCEPTED.label}, url=_aid_url(request),
    )
    return request


@transaction.atomic
def legal_aid_return(*, actor: Any, request: LegalAidRequest, reason: str) -> LegalAidRequest:
    """The provider cannot take it: back to the router to choose another provider."""
    request = _aid_lock(request, actor, "mediation.handle_legalaidrequest", wf.AidAction.RETURN)
    reason = _clean(reason, "reason", _("Say why you cannot take this request."), 2000)
    provider = request.provider
    request.status, request.provider = LegalAidStatus.SUBMITTED, None
    request.save(update_fields=["status", "provider"])
    _aid_audit(request, "returned", actor, provider=provider.code if provider else None, reason=reason)
    if request.routed_by is not None:
        notification_send(recipient=request.routed_by, kind="legalaid_submitted", context={"number": request.number}, url=_aid_url(request))
    return request


@transaction.atomic
def legal_aid_conclude(*, actor: Any, request: LegalAidRequest, outcome: str) -> LegalAidRequest:
    request = _aid_lock(request, actor, "mediation.handle_legalaidrequest", wf.AidAction.CONCLUDE)
    request.outcome = _clean(outcome, "outcome", _("Record the outcome of the legal aid."), 4000)
    request.status, request.concluded_at = LegalAidStatus.CONCLUDED, timezone.now()
    request.save(update_fields=["status", "outcome", "concluded_at"])
    _aid_audit(request, "concluded", actor)
    notification_send(
        recipient=request.requester, kind="legalaid_update",
        context={"number": request.number, "status": LegalAidStatus.CONCLUDED.label}, url=_aid_url(request),
    )
    return request


# --- legal basis library ----------------------------------------------------------------


def legal_basis_save(
    *, actor: Any, code: str, kind: str, title_zh: str, title_en: str = "", article: str = "",
    text_zh: str = "", text_en: str = "", url: str = "",
) -> LegalBasis:
    """Create or update a library entry (admin and the demo seed)."""
    basis, _created = LegalBasis.objects.update_or_create(
        code=code,
        defaults={
            "kind": kind, "title_zh": title_zh, "title_en": title_en, "article": article,
            "text_zh": text_zh, "text_en": text_en, "url": url,
        },
    )
    audit_record(stream=f"legalbasis:{code}", action="legalbasis.saved", actor=actor, data={"code": code})
    return basis

