from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from gongzhi.mediation import services
from gongzhi.mediation.models import PartyRole, SessionStatus


def designate(cast: Any) -> None:
    services.supervisor_designate(actor=cast.admin, area=cast.street, user=cast.committee)


@pytest.fixture
def supervised(cast: Any) -> Any:
    designate(cast)
    return cast


def open_case(cast: Any, **kwargs: Any) -> Any:
    """resident applies against resident2 (who has an account) in community 1."""
    params = {
        "actor": cast.resident, "dispute_type": "noise", "area": cast.community(1),
        "description": "Loud music after midnight.",
        "respondent": services.PartyData(PartyRole.RESPONDENT, "Li Wei", user=cast.resident2),
    }
    params.update(kwargs)
    return services.mediation_apply(**params)


def running(cast: Any) -> Any:
    """A case in mediation: mediator assigned and declared, both parties consented."""
    case = open_case(cast)
    services.mediator_assign(actor=cast.committee, case=case, mediator=cast.mediator)
    services.assignment_declare(actor=cast.mediator, case=case, conflict=False)
    services.party_respond(actor=cast.resident2, party=case.parties.get(role=PartyRole.RESPONDENT), consent=True)
    case.refresh_from_db()
    return services.mediation_accept(actor=cast.mediator, case=case)


def hold_session(cast: Any, case: Any) -> Any:
    session = services.session_plan(actor=cast.mediator, case=case, starts_at=timezone.now() + timedelta(minutes=1), place="Community room")
    session.starts_at = timezone.now() - timedelta(minutes=5)
    session.save(update_fields=["starts_at"])
    return services.session_record(actor=cast.mediator, session=session, status=SessionStatus.HELD, minutes="Both spoke.")


@pytest.fixture
def case_open(supervised: Any) -> Any:
    return open_case(supervised)


@pytest.fixture
def case_running(supervised: Any) -> Any:
    return running(supervised)


@pytest.fixture
def legalaid_user(cast: Any) -> Any:
    from django.contrib.auth import get_user_model

    from gongzhi.organizations.models import Role
    from gongzhi.organizations.services import membership_create

    user = get_user_model().objects.create_user(username="legalaid", password="x", display_name="Lawyer He")
    membership_create(actor=None, organisation=cast.orgs["legal-aid"], user=user, role=Role.STAFF)
    return user


@pytest.fixture(autouse=True)
def english() -> Any:
    """Service messages are matched in English, whatever catalogues are compiled."""
    from django.utils import translation

    with translation.override("en"):
        yield


def dispute_case(cast: Any, code: str = "neighbour-noise") -> Any:
    """A reported neighbour dispute, dispatched to its department (cases app)."""
    from gongzhi.cases import demo as cases_demo
    from gongzhi.cases.models import Category
    from gongzhi.cases.services import case_dispatch, case_submit

    if not Category.objects.filter(code=code).exists():
        cases_demo.seed_calendar()
        cases_demo.seed_categories()
        cases_demo.seed_catalogue(cast)
    area = cast.grid(1, 1)
    case = case_submit(
        actor=cast.resident, channel="web", category=Category.objects.get(code=code),
        description="The neighbours upstairs play loud music every night.", area=area,
        lat=area.centroid_lat, lon=area.centroid_lon,
    )
    return case_dispatch(actor=cast.operator, case=case)
