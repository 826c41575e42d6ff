"""Every write of the volunteering app: registrations, profiles, activities, sign-ups,
attendance and the hours ledger.

Locking: sign-ups lock the activity row so that the last place goes to exactly one
person; ledger writes lock the person's `LedgerHead` row (in user-id order when two
ledgers are involved) so that balances never go below zero and entry numbers never
collide.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from gongzhi.audit.services import audit_record
from gongzhi.core.errors import (
    Conflict,
    LimitExceeded,
    NotPermitted,
    OutOfScope,
    TransitionNotAllowed,
    ValidationFailed,
)
from gongzhi.notifications.services import notification_send
from gongzhi.organizations import services as org_services
from gongzhi.organizations.models import Organisation, OrgKind, Role
from gongzhi.organizations.selectors import users_with_role_over
from gongzhi.territory.models import Area

from .models import (
    Activity,
    Availability,
    Certificate,
    EntryKind,
    HoursEntry,
    Language,
    LedgerHead,
    OrganisationDocument,
    OrganisationProfile,
    OrgType,
    SignUp,
    Skill,
    VolunteerProfile,
)
from .workflow import (
    PLACE_HOLDING_STATES,
    ActivityStatus,
    SignUpStatus,
    can_activity_transition,
    can_signup_transition,
)

# Check-in is open from a little before the start to a little after the end.
CHECKIN_GRACE = timedelta(minutes=30)
MAX_ENTRY_MINUTES = 24 * 60
MAX_ACTIVITY_DURATION = timedelta(days=7)
MAX_SLOTS = 1000
MAX_TRANSFER_MINUTES = 10_000 * 60
DOCUMENT_TYPES = {
    ".pdf": b"%PDF",
    ".png": b"\x89PNG",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
}
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_DOCUMENTS = 5


def _require_login(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotPermitted(_("Log in first."))


# --- Organisations -------------------------------------------------------------------


def _check_document(upload: UploadedFile) -> None:
    name = (upload.name or "").lower()
    ext = name[name.rfind(".") :] if "." in name else ""
    if ext not in DOCUMENT_TYPES:
        raise ValidationFailed(_("Upload documents as PDF, PNG or JPEG files."), field="documents")
    if (upload.size or 0) > MAX_DOCUMENT_BYTES:
        raise ValidationFailed(_("Each document may be at most 5 MB."), field="documents")
    if (upload.size or 0) == 0:
        raise ValidationFailed(
            _("The document “%(name)s” is empty.") % {"name": upload.name}, field="documents"
        )
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(DOCUMENT_TYPES[ext]):
        raise ValidationFailed(
            _("The file “%(name)s” is not really a %(ext)s file.")
            % {"name": upload.name, "ext": ext[1:].upper()},
            field="documents",
        )


def _unique_code(name: str) -> str:
    base = slugify(name)[:40] or "org"
    code = base
    while Organisation.objects.filter(code=code).exists():
        code = f"{base}-{secrets.token_hex(2)}"
    return code


@transaction.atomic
def organisation_register(
    *,
    actor: Any,
    name_zh: str,
    name_en: str = "",
    org_type: str,
    area: Area,
    areas_served: Iterable[Area] = (),
    description: str = "",
    contact_name: str,
    contact_phone: str,
    contact_email: str = "",
    registration_number: str = "",
    documents: Sequence[UploadedFile] = (),
) -> OrganisationProfile:
    """A resident applies to register a social organisation. It is created unverified,
    the applicant becomes its member, and the committee over its area is told."""
    _require_login(actor)
    errors: dict[str, list[str]] = {}
    if not (name_zh or "").strip():
        errors["name_zh"] = [_("Enter the organisation's name.")]
    if org_type not in OrgType.values:
        errors["org_type"] = [_("Choose one of the listed types.")]
    if not (contact_name or "").strip():
        errors["contact_name"] = [_("Enter the name of a contact person.")]
    if not (contact_phone or "").strip():
        errors["contact_phone"] = [_("Enter a phone number the committee can call.")]
    served = list(areas_served)
    if any(not area.contains(a) for a in served):
        errors["areas_served"] = [_("Areas served must lie inside the organisation's area.")]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, errors=errors)
    if len(documents) > MAX_DOCUMENTS:
        raise ValidationFailed(
            _("Attach at most %(n)d documents.") % {"n": MAX_DOCUMENTS}, field="documents"
        )
    for upload in documents:
        _check_document(upload)
    if Organisation.objects.filter(name_zh=name_zh.strip(), area=area).exists():
        raise Conflict(
            _("An organisation with this name is already registered in this area."), field="name_zh"
        )
    kind = (
        OrgKind.ENTERPRISE if org_type in (OrgType.PROPERTY, OrgType.ENTERPRISE) else OrgKind.SOCIAL
    )
    organisation = Organisation.objects.create(
        code=_unique_code(name_en or name_zh),
        kind=kind,
        name_zh=name_zh.strip(),
        name_en=(name_en or "").strip(),
        area=area,
        description=description,
        is_verified=False,
    )
    profile = OrganisationProfile.objects.create(
        organisation=organisation,
        org_type=org_type,
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        contact_email=contact_email,
        registration_number=registration_number,
        applicant=actor,
    )
    profile.areas_served.set(served or [area])
    for upload in documents:
        OrganisationDocument.objects.create(
            profile=profile, title=(upload.name or "")[:120], file=upload
        )
    org_services.membership_create(
        actor=None, organisation=organisation, user=actor, role=Role.SOCIAL_MEMBER
    )
    audit_record(
        stream=f"organisation:{organisation.pk}",
        action="organisation.registered",
        actor=actor,
        data={"org_type": org_type, "area": area.code, "documents": len(documents)},
    )
    for member in users_with_role_over(area, [Role.COMMITTEE]):
        notification_send(
            recipient=member,
            kind="volunteering_org_registered",
            context={"organisation": organisation},
            url="/volunteering/organisations/review/",
        )
    return profile


@transaction.atomic
def organisation_review(
    *, actor: Any, organisation: Organisation, verified: bool, note: str = ""
) -> Organisation:
    """The committee over the organisation's area verifies a registration or refuses it (with a note)."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not actor.has_perm("volunteering.verify_organisation", organisation):
        raise OutOfScope(_("Organisation not found."))
    if not verified and not (note or "").strip():
        raise ValidationFailed(
            _("Say why the registration is refused, so the applicant can put it right."),
            field="note",
        )
    org_services.organisation_set_verified(
        actor=actor, organisation=organisation, verified=verified
    )
    profile = (
        OrganisationProfile.objects.filter(organisation=organisation)
        .select_related("applicant")
        .first()
    )
    if profile is not None:
        profile.reviewed_at = timezone.now()
        profile.reviewed_by = actor
        profile.review_note = note
        profile.is_rejected = not verified
        profile.save(update_fields=["reviewed_at", "reviewed_by", "review_note", "is_rejected"])
        if profile.applicant is not None:
            notification_send(
                recipient=profile.applicant,
                kind="volunteering_org_reviewed",
                context={"organisation": organisation, "verified": verified, "note": note},
                url=f"/volunteering/organisations/{organisation.code}/",
            )
    return organisation


# --- Volunteer profiles --------------------------------------------------------------


def _clean_choices(values: Iterable[str], allowed: Sequence[str], field: str) -> list[str]:
    result = []
    for v in values:
        if v not in allowed:
            raise ValidationFailed(_("Choose from the listed options."), field=field)
        if v not in result:
            result.append(v)
    return result


@transaction.atomic
def volunteer_profile_save(
    *,
    actor: Any,
    skills: Iterable[str] = (),
    languages: Iterable[str] = (),
    availability: Iterable[str] = (),
    areas: Iterable[Area] = (),
    note: str = "",
    suggestible: bool = False,
) -> VolunteerProfile:
    """Create or update the actor's own volunteer profile (opt-in)."""
    _require_login(actor)
    profile, _created = VolunteerProfile.objects.select_for_update().get_or_create(user=actor)
    profile.skills = _clean_choices(skills, Skill.values, "skills")
    profile.languages = _clean_choices(languages, Language.values, "languages")
    profile.availability = _clean_choices(availability, Availability.values, "availability")
    if len(note or "") > 300:
        raise ValidationFailed(_("Keep the note under 300 characters."), field="note")
    profile.note = note or ""
    profile.suggestible = bool(suggestible)
    profile.save()
    profile.areas.set(list(areas))
    return profile


@transaction.atomic
def volunteer_profile_delete(*, actor: Any) -> None:
    """Withdraw the profile. Sign-ups and the hours ledger stay: they are records of work done."""
    _require_login(actor)
    VolunteerProfile.objects.filter(user=actor).delete()


# --- Activities ----------------------------------------------------------------------


def _validate_activity(
    *,
    organisation: Organisation,
    title: str,
    area: Area,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    slots: int,
    skills: Sequence[str],
    lat: float | None,
    lon: float | None,
    is_new: bool,
) -> None:
    errors: dict[str, list[str]] = {}
    if not (title or "").strip():
        errors["title"] = [_("Give the activity a title.")]
    if not (place or "").strip():
        errors["place"] = [_("Say where volunteers meet.")]
    if is_new and starts_at <= timezone.now():
        errors["starts_at"] = [_("The start must be in the future.")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The end must be after the start.")]
    elif ends_at - starts_at > MAX_ACTIVITY_DURATION:
        errors["ends_at"] = [_("An activity may last at most 7 days; split longer ones.")]
    if not isinstance(slots, int) or slots < 1 or slots > MAX_SLOTS:
        errors["slots"] = [_("Offer between 1 and %(max)d places.") % {"max": MAX_SLOTS}]
    if any(s not in Skill.values for s in skills):
        errors["skills"] = [_("Choose from the listed options.")]
    if (lat is None) != (lon is None):
        errors["lat"] = [_("Give both latitude and longitude, or neither.")]
    elif lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        errors["lat"] = [_("The map position is not a valid point.")]
    served = [organisation.area]
    profile = OrganisationProfile.objects.filter(organisation=organisation).first()
    if profile is not None:
        served += list(profile.areas_served.all())
    if not any(a.contains(area) for a in served):
        errors["area"] = [_("Choose an area your organisation serves.")]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)


@transaction.atomic
def activity_create(
    *,
    actor: Any,
    organisation: Organisation,
    title: str,
    description: str = "",
    area: Area,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    slots: int,
    skills: Sequence[str] = (),
    lat: float | None = None,
    lon: float | None = None,
) -> Activity:
    """Post an activity for an organisation the actor organises for (a verified social
    organisation or enterprise, the committee or a department)."""
    _require_login(actor)
    if not actor.has_perm("volunteering.add_activity", organisation):
        raise NotPermitted(_("Only members of a verified organisation can post activities for it."))
    _validate_activity(
        organisation=organisation,
        title=title,
        area=area,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        slots=slots,
        skills=skills,
        lat=lat,
        lon=lon,
        is_new=True,
    )
    activity = Activity.objects.create(
        organisation=organisation,
        title=title.strip(),
        description=description,
        area=area,
        place=place.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        slots=slots,
        skills=list(dict.fromkeys(skills)),
        lat=lat,
        lon=lon,
        created_by=actor,
    )
    audit_record(
        stream=f"activity:{activity.pk}",
        action="activity.created",
        actor=actor,
        data={
            "organisation": organisation.code,
            "slots": slots,
            "starts_at": starts_at.isoformat(),
        },
    )
    return activity


def _lock_activity(activity: Activity) -> Activity:
    return Activity.objects.select_for_update().select_related("organisation").get(pk=activity.pk)


def _check_organiser(
    actor: Any, activity: Activity, perm: str = "volunteering.manage_activity"
) -> None:
    _require_login(actor)
    if not actor.has_perm(perm, activity):
        raise NotPermitted(_("Only the activity's organisers can do this."))


@transaction.atomic
def activity_cancel(*, actor: Any, activity: Activity, reason: str) -> Activity:
    """Cancel an activity; everyone signed up is told why."""
    activity = _lock_activity(activity)
    _check_organiser(actor, activity)
    if not can_activity_transition(activity.status, ActivityStatus.CANCELLED):
        raise TransitionNotAllowed(_("This activity can no longer be cancelled."))
    if not (reason or "").strip():
        raise ValidationFailed(
            _("Tell the volunteers why the activity is cancelled."), field="reason"
        )
    if SignUp.objects.filter(
        activity=activity, status__in=[SignUpStatus.CHECKED_IN, SignUpStatus.CHECKED_OUT]
    ).exists():
        raise TransitionNotAllowed(
            _("Volunteers have already checked in; complete the activity instead.")
        )
    activity.status = ActivityStatus.CANCELLED
    activity.cancel_reason = reason.strip()
    activity.save(update_fields=["status", "cancel_reason"])
    for signup in SignUp.objects.filter(
        activity=activity, status__in=[SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED]
    ).select_related("volunteer"):
        signup.status = SignUpStatus.CANCELLED
        signup.save(update_fields=["status", "updated_at"])
        notification_send(
            recipient=signup.volunteer,
            kind="volunteering_activity_cancelled",
            context={"activity": activity, "reason": activity.cancel_reason},
            url=f"/volunteering/activities/{activity.pk}/",
        )
    audit_record(
        stream=f"activity:{activity.pk}",
        action="activity.cancelled",
        actor=actor,
        data={"reason": reason},
    )
    return activity


@transaction.atomic
def activity_complete(*, actor: Any, activity: Activity) -> Activity:
    """Close an activity after it ended; no more check-ins."""
    activity = _lock_activity(activity)
    _check_organiser(actor, activity)
    if not can_activity_transition(activity.status, ActivityStatus.COMPLETED):
        raise TransitionNotAllowed(_("This activity is already closed."))
    if timezone.now() < activity.starts_at:
        raise TransitionNotAllowed(_("An activity can be completed only once it has started."))
    activity.status = ActivityStatus.COMPLETED
    activity.save(update_fields=["status"])
    audit_record(
        stream=f"activity:{activity.pk}", action="activity.completed", actor=actor, data={}
    )
    return activity


@transaction.atomic
def activity_rotate_code(*, actor: Any, activity: Activity) -> Activity:
    """Give the activity a new check-in code (e.g. when the old one was shared too widely)."""
    from .models import _checkin_code

    activity = _lock_activity(activity)
    _check_organiser(actor, activity)
    activity.checkin_code = _checkin_code()
    activity.save(update_fields=["checkin_code"])
    return activity


# --- Sign-ups ------------------------------------------------------------------------


def places_taken(activity: Activity) -> int:
    return SignUp.objects.filter(activity=activity, status__in=PLACE_HOLDING_STATES).count()


@transaction.atomic
def signup_create(*, actor: Any, activity: Activity, join_waitlist: bool = True) -> SignUp:
    """Sign the actor up. Locks the activity row: of two people asking for the last place
    at once, one gets it and the other goes on the waiting list (or is refused when
    `join_waitlist` is false)."""
    _require_login(actor)
    activity = _lock_activity(activity)
    if activity.status != ActivityStatus.PUBLISHED:
        raise TransitionNotAllowed(_("This activity no longer takes sign-ups."))
    if activity.starts_at <= timezone.now():
        raise TransitionNotAllowed(_("This activity has already started; sign-ups are closed."))
    existing = SignUp.objects.filter(activity=activity, volunteer=actor).first()
    if existing is not None and existing.status != SignUpStatus.CANCELLED:
        raise Conflict(_("You are already signed up for this activity."))
    if places_taken(activity) < activity.slots:
        status = SignUpStatus.CONFIRMED
    elif join_waitlist:
        status = SignUpStatus.WAITLISTED
    else:
        raise LimitExceeded(_("All places are taken. You can join the waiting list instead."))
    if existing is not None:
        existing.status = status
        existing.checked_in_at = existing.checked_out_at = existing.reminded_at = None
        existing.save()
        signup = existing
    else:
        signup = SignUp.objects.create(activity=activity, volunteer=actor, status=status)
    audit_record(
        stream=f"activity:{activity.pk}",
        action=f"signup.{status}",
        actor=actor,
        data={"signup": signup.pk},
    )
    notification_send(
        recipient=actor,
        kind="volunteering_signup",
        context={"activity": activity, "waitlisted": status == SignUpStatus.WAITLISTED},
        url=f"/volunteering/activities/{activity.pk}/",
    )
    return signup


def _promote_waitlist(activity: Activity) -> SignUp | None:
    if places_taken(activity) >= activity.slots:
        return None
    nxt = (
        SignUp.objects.select_for_update()
        .filter(activity=activity, status=SignUpStatus.WAITLISTED)
        .select_related("volunteer")
        .order_by("created_at", "pk")
        .first()
    )
    if nxt is None:
        return None
    nxt.status = SignUpStatus.CONFIRMED
    nxt.save(update_fields=["status", "updated_at"])
    audit_record(
        stream=f"activity:{activity.pk}",
        action="signup.promoted",
        actor=None,
        data={"signup": nxt.pk},
    )
    notification_send(
        recipient=nxt.volunteer,
        kind="volunteering_promoted",
        context={"activity": activity},
        url=f"/volunteering/activities/{activity.pk}/",
    )
    return nxt


@transaction.atomic
def signup_cancel(*, actor: Any, signup: SignUp) -> SignUp:
    """The volunteer (or an organiser) cancels a sign-up; the first person waiting gets the place."""
    _require_login(actor)
    activity = _lock_activity(signup.activity)
    signup = SignUp.objects.select_for_update().get(pk=signup.pk)
    if signup.volunteer_id != actor.pk and not actor.has_perm(
        "volunteering.manage_activity", activity
    ):
        raise OutOfScope(_("Sign-up not found."))
    if not can_signup_transition(signup.status, SignUpStatus.CANCELLED):
        raise TransitionNotAllowed(_("This sign-up can no longer be cancelled."))
    signup.status = SignUpStatus.CANCELLED
    signup.save(update_fields=["status", "updated_at"])
    audit_record(
        stream=f"activity:{activity.pk}",
        action="signup.cancelled",
        actor=actor,
        data={"signup": signup.pk},
    )
    if activity.status == ActivityStatus.PUBLISHED:
        _promote_waitlist(activity)
    return signup


def checkin_window(activity: Activity) -> tuple[datetime, datetime]:
    return activity.starts_at - CHECKIN_GRACE, activity.ends_at + CHECKIN_GRACE


def _check_window(activity: Activity) -> None:
    opens, closes = checkin_window(activity)
    now = timezone.now()
    if now < opens:
        raise TransitionNotAllowed(
            _("Check-in opens 30 minutes before the start (%(time)s).")
            % {"time": timezone.localtime(opens).strftime("%Y-%m-%d %H:%M")}
        )
    if now > closes:
        raise TransitionNotAllowed(_("The activity is over; check-in and check-out are closed."))
    if activity.status == ActivityStatus.CANCELLED:
        raise TransitionNotAllowed(_("This activity was cancelled."))


def _set_attendance(signup: SignUp, target: str, actor: Any) -> SignUp:
    if not can_signup_transition(signup.status, target):
        if target == SignUpStatus.CHECKED_IN and signup.status == SignUpStatus.WAITLISTED:
            raise TransitionNotAllowed(_("This person is on the waiting list and has no place."))
        if target == SignUpStatus.CHECKED_OUT and signup.status == SignUpStatus.CONFIRMED:
            raise TransitionNotAllowed(_("Check in before checking out."))
        raise TransitionNotAllowed(
            _("Not possible while the sign-up is “%(status)s”.")
            % {"status": SignUpStatus(signup.status).label}
        )
    now = timezone.now()
    signup.status = target
    if target == SignUpStatus.CHECKED_IN:
        signup.checked_in_at = now
    else:
        signup.checked_out_at = now
    signup.save(update_fields=["status", "checked_in_at", "checked_out_at", "updated_at"])
    audit_record(
        stream=f"activity:{signup.activity_id}",
        action=f"signup.{target}",
        actor=actor,
        data={"signup": signup.pk},
    )
    return signup


@transaction.atomic
def signup_check_in(*, actor: Any, signup: SignUp) -> SignUp:
    """An organiser checks a volunteer in, within the activity window."""
    activity = _lock_activity(signup.activity)
    _check_organiser(actor, activity)
    _check_window(activity)
    signup = SignUp.objects.select_for_update().get(pk=signup.pk, activity=activity)
    return _set_attendance(signup, SignUpStatus.CHECKED_IN, actor)


@transaction.atomic
def signup_check_out(*, actor: Any, signup: SignUp) -> SignUp:
    """An organiser checks a volunteer out, within the activity window."""
    activity = _lock_activity(signup.activity)
    _check_organiser(actor, activity)
    _check_window(activity)
    signup = SignUp.objects.select_for_update().get(pk=signup.pk, activity=activity)
    return _set_attendance(signup, SignUpStatus.CHECKED_OUT, actor)


@transaction.atomic
def signup_check_in_with_code(*, actor: Any, activity: Activity, code: str) -> SignUp:
    """The volunteer checks in (or, once in, out) with the code the organiser shows."""
    _require_login(actor)
    activity = _lock_activity(activity)
    signup = SignUp.objects.select_for_update().filter(activity=activity, volunteer=actor).first()
    if signup is None or signup.status == SignUpStatus.CANCELLED:
        raise NotPermitted(_("You are not signed up for this activity."))
    _check_window(activity)
    given = (code or "").strip().upper().replace(" ", "")
    if not given or not secrets.compare_digest(given, activity.checkin_code):
        raise ValidationFailed(
            _("That code is not right. Ask the organiser to show it again."), field="code"
        )
    target = (
        SignUpStatus.CHECKED_OUT
        if signup.status == SignUpStatus.CHECKED_IN
        else SignUpStatus.CHECKED_IN
    )
    return _set_attendance(signup, target, actor)


# --- Hours ledger --------------------------------------------------------------------


def _lock_heads(*users: Any) -> dict[int, LedgerHead]:
    """Lock the ledger heads of `users`, always in user-id order so two transfers in
    opposite directions cannot deadlock."""
    ids = sorted({u.pk for u in users})
    for uid in ids:
        LedgerHead.objects.get_or_create(user_id=uid)
    return {
        h.user_id: h
        for h in LedgerHead.objects.select_for_update().filter(user_id__in=ids).order_by("user_id")
    }


def _append(head: LedgerHead, *, kind: str, minutes: int, actor: Any, **fields: Any) -> HoursEntry:
    if minutes == 0:
        raise ValidationFailed(_("Enter a number of hours other than zero."), field="minutes")
    if head.balance_minutes + minutes < 0:
        raise LimitExceeded(_("Not enough hours in the balance for this."), field="minutes")
    head.seq += 1
    head.balance_minutes += minutes
    head.save(update_fields=["seq", "balance_minutes"])
    entry = HoursEntry.objects.create(
        user_id=head.user_id, seq=head.seq, kind=kind, minutes=minutes, created_by=actor, **fields
    )
    audit_record(
        stream=f"ledger:{head.user_id}",
        action=f"hours.{kind}",
        actor=actor,
        data={
            "entry": entry.pk,
            "seq": entry.seq,
            "minutes": minutes,
            "balance": head.balance_minutes,
        },
    )
    return entry


def signup_minutes(signup: SignUp) -> int:
    """Hours (in minutes) credited for one sign-up: the certification plus its corrections."""
    return int(
        HoursEntry.objects.filter(
            signup=signup, kind__in=[EntryKind.CERTIFIED, EntryKind.CORRECTION]
        ).aggregate(total=Sum("minutes"))["total"]
        or 0
    )


def _check_minutes(value: Any, *, limit: int, field: str = "minutes") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(_("Enter the time as a whole number of minutes."), field=field)
    if value <= 0:
        raise ValidationFailed(_("Enter a positive amount of time."), field=field)
    if value > limit:
        raise LimitExceeded(
            _("At most %(limit)s hours can be recorded here.")
            % {"limit": f"{limit // 60}:{limit % 60:02d}"},
            field=field,
        )
    return value


def certify_limit(activity: Activity) -> int:
    return min(activity.duration_minutes, MAX_ENTRY_MINUTES)


@transaction.atomic
def hours_certify(*, actor: Any, signup: SignUp, minutes: int, note: str = "") -> HoursEntry:
    """The organiser certifies the time a checked-in volunteer served. Once per sign-up;
    later changes are corrections."""
    activity = _lock_activity(signup.activity)
    _check_organiser(actor, activity, "volunteering.certify_hours")
    signup = (
        SignUp.objects.select_for_update()
        .select_related("volunteer")
        .get(pk=signup.pk, activity=activity)
    )
    if signup.volunteer_id == actor.pk:
        raise NotPermitted(_("Nobody certifies their own hours; ask another organiser."))
    if signup.status not in (SignUpStatus.CHECKED_IN, SignUpStatus.CHECKED_OUT):
        raise TransitionNotAllowed(_("Hours can be certified only for volunteers who checked in."))
    minutes = _check_minutes(minutes, limit=certify_limit(activity))
    heads = _lock_heads(signup.volunteer)
    if HoursEntry.objects.filter(signup=signup, kind=EntryKind.CERTIFIED).exists():
        raise Conflict(
            _("Hours for this sign-up are already certified; record a correction instead.")
        )
    entry = _append(
        heads[signup.volunteer_id],
        kind=EntryKind.CERTIFIED,
        minutes=minutes,
        actor=actor,
        signup=signup,
        organisation=activity.organisation,
        note=(note or "")[:300],
    )
    notification_send(
        recipient=signup.volunteer,
        kind="volunteering_hours_certified",
        context={"activity": activity, "hours": entry.hours_display},
        url="/volunteering/me/",
    )
    return entry


@transaction.atomic
def hours_correct(*, actor: Any, signup: SignUp, minutes: int, reason: str) -> HoursEntry:
    """A correction of certified hours, as a new entry of `minutes` (positive or negative)."""
    activity = _lock_activity(signup.activity)
    _check_organiser(actor, activity, "volunteering.certify_hours")
    signup = (
        SignUp.objects.select_for_update()
        .select_related("volunteer")
        .get(pk=signup.pk, activity=activity)
    )
    if signup.volunteer_id == actor.pk:
        raise NotPermitted(_("Nobody certifies their own hours; ask another organiser."))
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes == 0:
        raise ValidationFailed(
            _("Enter the change as a non-zero whole number of minutes."), field="minutes"
        )
    if not (reason or "").strip():
        raise ValidationFailed(_("Say why the hours are corrected."), field="reason")
    heads = _lock_heads(signup.volunteer)
    certified = HoursEntry.objects.filter(signup=signup, kind=EntryKind.CERTIFIED).first()
    if certified is None:
        raise TransitionNotAllowed(
            _("Nothing to correct: no hours are certified for this sign-up yet.")
        )
    new_total = signup_minutes(signup) + minutes
    if new_total < 0 or new_total > certify_limit(activity):
        raise LimitExceeded(
            _("After this correction the hours would be outside 0 to %(limit)s.")
            % {"limit": f"{certify_limit(activity) // 60}:{certify_limit(activity) % 60:02d}"},
            field="minutes",
        )
    return _append(
        heads[signup.volunteer_id],
        kind=EntryKind.CORRECTION,
        minutes=minutes,
        actor=actor,
        signup=signup,
        organisation=activity.organisation,
        corrects=certified,
        note=reason.strip()[:300],
    )


@transaction.atomic
def hours_transfer(
    *, actor: Any, recipient: Any, minutes: int, donation: bool = False, note: str = ""
) -> HoursEntry:
    """Transfer (or donate) hours to another person. Both ledgers are locked in a fixed
    order; the giver's balance must cover the amount. Returns the giver's entry."""
    _require_login(actor)
    if recipient is None or not getattr(recipient, "is_active", False):
        raise ValidationFailed(_("There is no one with that user name."), field="recipient")
    if recipient.pk == actor.pk:
        raise ValidationFailed(_("Choose someone other than yourself."), field="recipient")
    minutes = _check_minutes(minutes, limit=MAX_TRANSFER_MINUTES)
    heads = _lock_heads(actor, recipient)
    giver = heads[actor.pk]
    if giver.balance_minutes < minutes:
        raise LimitExceeded(
            _("You have only %(balance)s hours to give.")
            % {"balance": f"{giver.balance_minutes // 60}:{giver.balance_minutes % 60:02d}"},
            field="minutes",
        )
    out_kind, in_kind = (
        (EntryKind.DONATION, EntryKind.DONATION_IN)
        if donation
        else (EntryKind.TRANSFER_OUT, EntryKind.TRANSFER_IN)
    )
    note = (note or "")[:300]
    out = _append(
        giver, kind=out_kind, minutes=-minutes, actor=actor, counterparty=recipient, note=note
    )
    _append(
        heads[recipient.pk],
        kind=in_kind,
        minutes=minutes,
        actor=actor,
        counterparty=actor,
        note=note,
    )
    notification_send(
        recipient=recipient,
        kind="volunteering_hours_received",
        context={
            "giver": actor.public_name,
            "hours": out.hours_display.lstrip("-"),
            "donation": donation,
        },
        url="/volunteering/me/",
    )
    return out


@transaction.atomic
def certificate_issue(*, actor: Any, signup: SignUp) -> Certificate:
    """The volunteer asks for a certificate of the hours certified for one sign-up."""
    _require_login(actor)
    if signup.volunteer_id != actor.pk:
        raise OutOfScope(_("Sign-up not found."))
    _lock_heads(actor)
    entry = HoursEntry.objects.filter(signup=signup, kind=EntryKind.CERTIFIED).first()
    total = signup_minutes(signup)
    if entry is None or total <= 0:
        raise TransitionNotAllowed(_("There are no certified hours for this activity yet."))
    existing = Certificate.objects.filter(entry=entry, minutes=total).order_by("-issued_at").first()
    if existing is not None:
        return existing
    cert = Certificate.objects.create(entry=entry, minutes=total)
    audit_record(
        stream=f"ledger:{actor.pk}",
        action="certificate.issued",
        actor=actor,
        data={"code": cert.code, "minutes": total},
    )
    return cert


# --- Reminders -----------------------------------------------------------------------


def reminders_send(*, now: datetime | None = None) -> int:
    """Remind everyone with a place in an activity that starts within the next day.
    Each sign-up is reminded once; safe to run every hour."""
    now = now or timezone.now()
    due = SignUp.objects.filter(
        status=SignUpStatus.CONFIRMED,
        reminded_at=None,
        activity__status=ActivityStatus.PUBLISHED,
        activity__starts_at__gt=now,
        activity__starts_at__lte=now + timedelta(days=1),
    ).select_related("activity", "volunteer")
    sent = 0
    for signup in due:
        with transaction.atomic():
            updated = SignUp.objects.filter(pk=signup.pk, reminded_at=None).update(reminded_at=now)
            if not updated:
                continue
            notification_send(
                recipient=signup.volunteer,
                kind="volunteering_reminder",
                context={"activity": signup.activity, "checkin_code_needed": True},
                url=f"/volunteering/activities/{signup.activity_id}/",
            )
            sent += 1
    return sent
