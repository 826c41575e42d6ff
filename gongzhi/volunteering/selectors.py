"""Reads of the volunteering app, scoped by who is asking."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from gongzhi.core.errors import OutOfScope
from gongzhi.organizations.models import Organisation, OrgKind, Role
from gongzhi.organizations.selectors import is_admin, memberships_with, scope_q

from .models import (
    Activity,
    Certificate,
    EntryKind,
    HoursEntry,
    LedgerHead,
    OrganisationProfile,
    SignUp,
    Skill,
    VolunteerProfile,
)
from .permissions import ORGANISER_ROLES, can_see_volunteer_profile
from .workflow import PLACE_HOLDING_STATES, ActivityStatus, SignUpStatus

SOCIAL_KINDS = [OrgKind.SOCIAL, OrgKind.ENTERPRISE]


def activity_list_public(*, upcoming: bool = True) -> QuerySet[Activity]:
    """Published activities of verified organisations, soonest first."""
    qs = Activity.objects.filter(status=ActivityStatus.PUBLISHED, organisation__is_verified=True)
    if upcoming:
        qs = qs.filter(ends_at__gt=timezone.now())
    return (
        qs.select_related("organisation", "area")
        .annotate(taken=Count("signups", filter=Q(signups__status__in=PLACE_HOLDING_STATES)))
        .order_by("starts_at", "pk")
    )


def activity_get_for(*, actor: Any, pk: int) -> Activity:
    """An activity the actor may see: any published one of a verified organisation, or
    any of the organisations the actor organises for."""
    activity = (
        Activity.objects.filter(pk=pk)
        .select_related("organisation", "area")
        .annotate(taken=Count("signups", filter=Q(signups__status__in=PLACE_HOLDING_STATES)))
        .first()
    )
    if activity is None:
        raise OutOfScope("Activity not found.")
    if activity.organisation.is_verified or actor.has_perm(
        "volunteering.manage_activity", activity
    ):
        return activity
    raise OutOfScope("Activity not found.")


def activity_list_organised_by(*, actor: Any) -> QuerySet[Activity]:
    """Activities of the organisations the actor organises for, newest first."""
    if is_admin(actor):
        qs = Activity.objects.all()
    else:
        org_ids = [m.organisation_id for m in memberships_with(actor, *ORGANISER_ROLES)]
        qs = Activity.objects.filter(organisation_id__in=org_ids)
    return (
        qs.select_related("organisation", "area")
        .annotate(taken=Count("signups", filter=Q(signups__status__in=PLACE_HOLDING_STATES)))
        .order_by("-starts_at")
    )


def signup_list_for_activity(*, actor: Any, activity: Activity) -> QuerySet[SignUp]:
    if not actor.has_perm("volunteering.manage_activity", activity):
        raise OutOfScope("Activity not found.")
    return (
        SignUp.objects.filter(activity=activity)
        .exclude(status=SignUpStatus.CANCELLED)
        .select_related("volunteer", "volunteer__volunteer_profile")
        .annotate(
            credited=Sum(
                "hours_entries__minutes",
                filter=Q(hours_entries__kind__in=[EntryKind.CERTIFIED, EntryKind.CORRECTION]),
            )
        )
        .order_by("status", "created_at")
    )


def signup_get_for(*, actor: Any, pk: int) -> SignUp:
    signup = (
        SignUp.objects.filter(pk=pk)
        .select_related("activity", "activity__organisation", "volunteer")
        .first()
    )
    if signup is None or not (
        signup.volunteer_id == getattr(actor, "pk", None)
        or actor.has_perm("volunteering.manage_activity", signup.activity)
    ):
        raise OutOfScope("Sign-up not found.")
    return signup


def signup_list_mine(*, actor: Any) -> QuerySet[SignUp]:
    return (
        SignUp.objects.filter(volunteer=actor)
        .select_related("activity", "activity__organisation")
        .annotate(
            credited=Sum(
                "hours_entries__minutes",
                filter=Q(hours_entries__kind__in=[EntryKind.CERTIFIED, EntryKind.CORRECTION]),
            )
        )
        .order_by("-activity__starts_at")
    )


def volunteer_profile_get_for(*, actor: Any, volunteer: Any) -> VolunteerProfile | None:
    """A volunteer's profile, only for the person and organisers they signed up with."""
    if not can_see_volunteer_profile(actor, volunteer):
        raise OutOfScope("Profile not found.")
    return VolunteerProfile.objects.filter(user=volunteer).prefetch_related("areas").first()


# --- Ledger --------------------------------------------------------------------------


def ledger_entries_for(*, actor: Any) -> QuerySet[HoursEntry]:
    return (
        HoursEntry.objects.filter(user=actor)
        .select_related("organisation", "counterparty", "signup__activity")
        .order_by("-seq")
    )


def ledger_balance(*, user: Any) -> int:
    head = LedgerHead.objects.filter(user=user).first()
    return head.balance_minutes if head else 0


def ledger_sum(*, user: Any) -> int:
    return int(HoursEntry.objects.filter(user=user).aggregate(total=Sum("minutes"))["total"] or 0)


def yearly_summary_for(*, actor: Any) -> list[dict[str, Any]]:
    """Per calendar year (local time): hours served, given and received."""
    years: dict[int, dict[str, int]] = defaultdict(
        lambda: {"served": 0, "given": 0, "received": 0, "activities": 0}
    )
    activities: dict[int, set[int]] = defaultdict(set)
    for e in HoursEntry.objects.filter(user=actor).only(
        "kind", "minutes", "created_at", "signup_id"
    ):
        year = timezone.localtime(e.created_at).year
        if e.kind in (EntryKind.CERTIFIED, EntryKind.CORRECTION):
            years[year]["served"] += e.minutes
            if e.signup_id:
                activities[year].add(e.signup_id)
        elif e.kind in (EntryKind.TRANSFER_OUT, EntryKind.DONATION):
            years[year]["given"] += -e.minutes
        else:
            years[year]["received"] += e.minutes
    return [
        {"year": y, **v, "activities": len(activities[y])}
        for y, v in sorted(years.items(), reverse=True)
    ]


def certificate_list_mine(*, actor: Any) -> QuerySet[Certificate]:
    return (
        Certificate.objects.filter(entry__user=actor)
        .select_related("entry__signup__activity", "entry__organisation")
        .order_by("-issued_at")
    )


def certificate_check(*, code: str) -> Certificate | None:
    """A certificate by its public code (normalised), or None."""
    normalised = (code or "").strip().upper().replace(" ", "")
    if len(normalised) == 12 and "-" not in normalised:
        normalised = f"{normalised[:4]}-{normalised[4:8]}-{normalised[8:]}"
    if len(normalised) != 14:
        return None
    return (
        Certificate.objects.filter(code=normalised)
        .select_related("entry__user", "entry__organisation", "entry__signup__activity")
        .first()
    )


def initials(name: str) -> str:
    """A name reduced to what a certificate check needs: 王小梅 → 王**, Li Wei → L. W."""
    name = (name or "").strip()
    if not name:
        return "?"
    if any("\u4e00" <= ch <= "\u9fff" for ch in name):
        return name[0] + "*" * max(1, len(name) - 1)
    return " ".join(part[0].upper() + "." for part in name.split())


# --- Suggestions ---------------------------------------------------------------------


def activities_suggested_for(*, actor: Any, limit: int = 5) -> list[Activity]:
    """Upcoming activities wanting the actor's skills in the actor's areas, best match first."""
    profile = VolunteerProfile.objects.filter(user=actor).prefetch_related("areas").first()
    if profile is None or not profile.skills:
        return []
    areas = list(profile.areas.all())
    signed = (
        SignUp.objects.filter(volunteer=actor)
        .exclude(status=SignUpStatus.CANCELLED)
        .values("activity_id")
    )
    qs = activity_list_public().exclude(pk__in=signed).filter(starts_at__gt=timezone.now())
    if areas:
        q = Q()
        for a in areas:
            q |= a.subtree_q("area__") | Q(area__code__in=a.ancestor_codes())
        qs = qs.filter(q)
    mine = set(profile.skills)
    scored = [(len(mine & set(a.skills)), a) for a in qs[:200]]
    scored = [(s, a) for s, a in scored if s > 0]
    scored.sort(key=lambda t: (-t[0], t[1].starts_at))
    return [a for _s, a in scored[:limit]]


def volunteers_suggested_for(
    *, actor: Any, activity: Activity, limit: int = 10
) -> list[dict[str, Any]]:
    """People who opted in to suggestions, whose skills match the activity and who are not
    signed up yet. Shows name and matching skills only."""
    if not actor.has_perm("volunteering.manage_activity", activity):
        raise OutOfScope("Activity not found.")
    wanted = set(activity.skills)
    if not wanted:
        return []
    signed = (
        SignUp.objects.filter(activity=activity)
        .exclude(status=SignUpStatus.CANCELLED)
        .values("volunteer_id")
    )
    profiles = (
        VolunteerProfile.objects.filter(suggestible=True, user__is_active=True)
        .exclude(user_id__in=signed)
        .select_related("user")
        .prefetch_related("areas")
    )
    result: list[dict[str, Any]] = []
    for p in profiles[:500]:
        match = wanted & set(p.skills)
        if not match:
            continue
        areas = list(p.areas.all())
        if areas and not any(a.contains(activity.area) or activity.area.contains(a) for a in areas):
            continue
        result.append(
            {
                "user": p.user,
                "skills": [str(Skill(s).label) for s in sorted(match)],
                "match": len(match),
            }
        )
    result.sort(key=lambda r: (-r["match"], r["user"].pk))
    return result[:limit]


# --- Organisations -------------------------------------------------------------------


def organisation_list_public() -> QuerySet[Organisation]:
    return (
        Organisation.objects.filter(kind__in=SOCIAL_KINDS, is_verified=True, is_active=True)
        .select_related("area")
        .order_by("code")
    )


def organisation_get_public(*, code: str) -> Organisation:
    org = (
        Organisation.objects.filter(code=code, kind__in=SOCIAL_KINDS, is_active=True)
        .select_related("area")
        .first()
    )
    if org is None or not org.is_verified:
        raise OutOfScope("Organisation not found.")
    return org


def organisation_registrations_for(*, actor: Any) -> QuerySet[OrganisationProfile]:
    """Registrations waiting for the actor's verification (committee over the area)."""
    qs = OrganisationProfile.objects.filter(organisation__is_verified=False, is_rejected=False)
    qs = qs.filter(scope_q(actor, Role.COMMITTEE, prefix="organisation__area__"))
    return (
        qs.select_related("organisation", "organisation__area", "applicant")
        .prefetch_related("documents", "areas_served")
        .order_by("submitted_at")
    )


def organisation_registration_get_for(*, actor: Any, code: str) -> OrganisationProfile:
    profile = (
        OrganisationProfile.objects.filter(organisation__code=code)
        .filter(scope_q(actor, Role.COMMITTEE, prefix="organisation__area__"))
        .select_related("organisation", "organisation__area", "applicant")
        .prefetch_related("documents", "areas_served")
        .first()
    )
    if profile is None:
        raise OutOfScope("Organisation not found.")
    return profile


def organisations_applied_by(*, actor: Any) -> QuerySet[OrganisationProfile]:
    return (
        OrganisationProfile.objects.filter(applicant=actor)
        .select_related("organisation")
        .order_by("-submitted_at")
    )


def organisation_figures(organisation: Organisation) -> dict[str, Any]:
    """Public figures of an organisation: activities held, volunteers, hours served. No names."""
    now = timezone.now()
    activities = Activity.objects.filter(organisation=organisation).exclude(
        status=ActivityStatus.CANCELLED
    )
    volunteers = (
        SignUp.objects.filter(
            activity__organisation=organisation,
            status__in=[SignUpStatus.CHECKED_IN, SignUpStatus.CHECKED_OUT],
        )
        .values("volunteer_id")
        .distinct()
        .count()
    )
    minutes = (
        HoursEntry.objects.filter(
            organisation=organisation, kind__in=[EntryKind.CERTIFIED, EntryKind.CORRECTION]
        ).aggregate(total=Sum("minutes"))["total"]
        or 0
    )
    return {
        "activities_held": activities.filter(starts_at__lte=now).count(),
        "upcoming": activities.filter(starts_at__gt=now, status=ActivityStatus.PUBLISHED).count(),
        "volunteers": volunteers,
        "minutes": int(minutes),
    }


# --- Case referrals ------------------------------------------------------------------


def referral_list_for(*, actor: Any) -> QuerySet[Any]:
    """Referrals to the organisations the actor is a member of, open ones first."""
    from gongzhi.cases.models import AssignmentKind, CaseAssignment

    org_ids = [m.organisation_id for m in memberships_with(actor, Role.SOCIAL_MEMBER)]
    return (
        CaseAssignment.objects.filter(kind=AssignmentKind.REFERRAL, organisation_id__in=org_ids)
        .select_related(
            "case", "case__category", "case__area", "case__lead_department", "organisation"
        )
        .order_by("-created_at", "-pk")
    )


def referral_get_for(*, actor: Any, pk: int) -> Any:
    referral = referral_list_for(actor=actor).filter(pk=pk).first()
    if referral is None:
        raise OutOfScope("Referral not found.")
    return referral


def referral_figures(organisation: Organisation) -> dict[str, int]:
    """How many referred cases the organisation completed, and how many of those before
    the case's resolution deadline. Counts only: no case details, no names."""
    from gongzhi.cases.models import AssignmentKind, AssignmentStatus, CaseAssignment, CaseEvent

    done = CaseAssignment.objects.filter(
        organisation=organisation, kind=AssignmentKind.REFERRAL, status=AssignmentStatus.DONE
    )
    done_ids = set(done.values_list("pk", flat=True))
    on_time = 0
    seen: set[int] = set()
    events = CaseEvent.objects.filter(
        kind="referral_completed", organisation=organisation
    ).select_related("case")
    for event in events:
        pk = (event.data or {}).get("assignment")
        if pk not in done_ids or pk in seen:
            continue
        seen.add(pk)
        due = event.case.resolution_due_at
        if due is not None and event.created_at <= due:
            on_time += 1
    received = CaseAssignment.objects.filter(
        organisation=organisation, kind=AssignmentKind.REFERRAL
    ).count()
    return {"received": received, "completed": len(done_ids), "on_time": on_time}
