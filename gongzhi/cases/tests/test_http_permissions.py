"""The permission matrix over HTTP: every case route, every workflow action, every persona.

The predicate table (`test_permissions.EXPECTED`) says who may take each action. This
file checks that the pages answer accordingly, through the real URL, middleware and
forms, on a private case in a state where the workflow table allows the action (so the
scope and the permission, not the table, decide):

* the visitor (not signed in) is sent to log in;
* a persona outside the case's scope gets 404 on GET and POST, the same page as for a
  case that does not exist, and nothing is written;
* a persona who sees the case but may not take the action gets the action page on GET
  (200) and, on a POST with valid data, 403 with the message "You may not do this to
  this case" and the list of what they may do (docs/cases.md, §Transitions); nothing
  is written;
* a persona who may take it is redirected to the case page and exactly one event is
  written (so the data posted above is valid, and the 403 really is the permission).

The actions come from the workflow table and the routes from `gongzhi/cases/urls.py`:
a new action, or a new route taking a tracking number, fails until it gets a rule here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, reverse

from conftest import PERSONAS
from gongzhi.cases import urls as case_urls
from gongzhi.cases.forms import ACTION_FORMS
from gongzhi.cases.models import Case, CaseEvent, Status
from gongzhi.cases.workflow import ACTIONS, TRANSITIONS, allowed_actions

from .test_permissions import EXPECTED
from .test_workflow import make_case_in

# Who sees a case of grid C1.G01 led by public works (test_permissions.VIEWERS), and who
# sees it before any department has it (submitted or returned: no lead department yet).
SCOPE_LED = frozenset({"resident", "operator", "clerk", "head", "gridworker", "committee", "admin"})
SCOPE_UNLED = SCOPE_LED - {"clerk", "head"}
SIGNED_IN = tuple(p for p in PERSONAS if p != "visitor")

FormData = Callable[[Any, Case], dict[str, Any]]


def _other_case(cast: Any, case: Case) -> dict[str, Any]:
    master = make_case_in(cast, Status.DISPATCHED)
    master.number = master.number.upper()  # the form reads tracking numbers in capitals
    master.save(update_fields=["number"])
    return {"into": master.number, "reason": "Same pothole."}


# Per action: the state to place the case in, anything else the case needs, and valid
# form data (without prefix or version). A new action fails `test_every_action_has_a_rule`.
RULES: dict[str, tuple[str, dict[str, Any], FormData]] = {
    "dispatch": (Status.SUBMITTED, {}, lambda c, k: {"lead": c.orgs["public-works"].pk}),
    "accept": (Status.DISPATCHED, {}, lambda c, k: {}),
    "return": (Status.DISPATCHED, {}, lambda c, k: {"reason": "Not ours."}),
    "approve_return": (Status.RETURN_PENDING, {}, lambda c, k: {}),
    "refuse_return": (Status.RETURN_PENDING, {}, lambda c, k: {"note": "It is yours."}),
    "transfer": (
        Status.IN_PROGRESS,
        {},
        lambda c, k: {"to": c.orgs["city-management"].pk, "reason": "Street stalls are theirs."},
    ),
    "start": (Status.ACCEPTED, {}, lambda c, k: {}),
    "note": (Status.IN_PROGRESS, {}, lambda c, k: {"text": "Looked at it."}),
    "request_info": (Status.IN_PROGRESS, {}, lambda c, k: {"question": "Which building?"}),
    "provide_info": (Status.AWAITING_INFO, {}, lambda c, k: {"text": "Number 5."}),
    "request_extension": (
        Status.IN_PROGRESS,
        {},
        lambda c, k: {"hours": 8, "reason": "Waiting for parts."},
    ),
    "decide_extension": (
        Status.IN_PROGRESS,
        {"pending": {"kind": "extension", "hours": 8}},
        lambda c, k: {"approve": "yes"},
    ),
    "reply": (Status.IN_PROGRESS, {}, lambda c, k: {"text": "Apply at the counter."}),
    "approve_reply": (Status.REPLY_PENDING, {}, lambda c, k: {}),
    "refuse_reply": (Status.REPLY_PENDING, {}, lambda c, k: {"note": "Redo."}),
    "evaluate": (Status.REPLIED, {}, lambda c, k: {"resolved": "yes", "satisfaction": "4"}),
    "review": (
        Status.SECOND_REVIEW,
        {},
        lambda c, k: {"uphold": "yes", "reason": "The reply stands."},
    ),
    "merge": (Status.DISPATCHED, {}, _other_case),
    "withdraw": (Status.DISPATCHED, {}, lambda c, k: {"note": "Fixed itself."}),
    "reject": (
        Status.SUBMITTED,
        {},
        lambda c, k: {"reason": "Not a public matter.", "legal_basis": "Art. 1"},
    ),
    "answer": (Status.SUBMITTED, {}, lambda c, k: {"text": "At the counter, room 3."}),
    "resolve_externally": (
        Status.IN_PROGRESS,
        {},
        lambda c, k: {"summary": "Mediated.", "source": "mediation:1"},
    ),
    "supervise": (Status.IN_PROGRESS, {}, lambda c, k: {"note": "Watch it."}),
    "refer": (
        Status.IN_PROGRESS,
        {},
        lambda c, k: {"organisation": c.orgs["volunteers"].pk, "note": "Help please."},
    ),
}

# The routes of gongzhi/cases/urls.py that take a tracking number, and how they are
# covered below. A new one fails `test_every_case_route_has_a_rule`.
CASE_ROUTES = {"detail", "contact", "photo", "action"}


def _scope(status: str) -> frozenset[str]:
    return SCOPE_UNLED if status in (Status.SUBMITTED, Status.RETURNED) else SCOPE_LED


def _client(cast: Any, persona: str) -> Client:
    client = Client()
    if persona != "visitor":
        client.force_login(cast.users[persona])
    return client


def _snapshot(case: Case) -> tuple[str, int, int]:
    case.refresh_from_db()
    return case.status, case.version, CaseEvent.objects.filter(case=case).count()


def test_every_action_has_a_rule() -> None:
    assert set(ACTION_FORMS) == set(ACTIONS), "every action needs a form on the action route"
    missing = sorted(set(ACTIONS) - set(RULES))
    assert not missing, f"add a rule to RULES (and test_permissions.EXPECTED) for: {missing}"
    assert set(RULES) == set(ACTIONS) == set(EXPECTED)
    for action, (state, _extra, _data) in RULES.items():
        assert state in TRANSITIONS[action].sources, (action, state)


def test_every_case_route_has_a_rule() -> None:
    with_number = {
        p.name
        for p in case_urls.urlpatterns
        if isinstance(p, URLPattern) and "number" in p.pattern.converters
    }
    assert with_number == CASE_ROUTES, (
        f"new case route(s) need a rule here: {with_number - CASE_ROUTES}"
    )


MATRIX = [(action, persona) for action in ACTIONS for persona in PERSONAS]


@pytest.mark.parametrize(("action", "persona"), MATRIX)
def test_each_action_route_answers_each_persona_as_documented(
    catalogue: Any, action: str, persona: str
) -> None:
    state, extra, data = RULES[action]
    case = make_case_in(catalogue, state, is_public=False, **extra)
    url = reverse("cases:action", args=[case.number, action])
    payload = {f"{action}-{k}": v for k, v in data(catalogue, case).items()}
    payload[f"{action}-version"] = case.version
    before = _snapshot(case)
    client = _client(catalogue, persona)

    got, posted = client.get(url), client.post(url, payload)

    if persona == "visitor":
        assert got.status_code == posted.status_code == 302
        assert got["Location"].startswith(reverse(settings.LOGIN_URL) + "?next=")
        assert _snapshot(case) == before
    elif persona not in _scope(state):
        assert (got.status_code, posted.status_code) == (404, 404), "out of scope must be 404"
        assert _snapshot(case) == before
    elif persona in EXPECTED[action]:
        assert got.status_code == 200
        assert posted.status_code == 302, posted.content.decode()[:2000]
        assert posted["Location"] == reverse("cases:detail", args=[case.number])
        status, version, events = _snapshot(case)
        assert events == before[2] + 1 and version > before[1]
        targets = TRANSITIONS[action].targets
        assert status in (targets if targets is not None else {state})
    else:
        assert got.status_code == 200
        assert posted.status_code == 403, posted.content.decode()[:2000]
        error = posted.context["error"]
        assert error.code == "forbidden"
        assert error.message  # in the person's own language; the code and the list are fixed
        user = catalogue.users[persona]
        assert error.allowed == allowed_actions(case, user)
        assert action not in error.allowed
        assert _snapshot(case) == before


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_case_pages_answer_404_outside_the_scope(catalogue: Any, persona: str) -> None:
    """The other routes taking a tracking number, on a private case with a photo."""
    from django.core.files.base import ContentFile

    from gongzhi.cases.models import CasePhoto

    from .conftest import jpeg_bytes

    case = make_case_in(catalogue, Status.IN_PROGRESS, is_public=False)
    photo = CasePhoto.objects.create(case=case, image=ContentFile(jpeg_bytes(), name="p.jpg"))
    client = _client(catalogue, persona)
    answers = {
        "detail": client.get(reverse("cases:detail", args=[case.number])).status_code,
        "contact": client.get(reverse("cases:contact", args=[case.number])).status_code,
        "photo": client.get(reverse("cases:photo", args=[case.number, photo.pk])).status_code,
        "action": client.get(reverse("cases:action", args=[case.number, "nonsense"])).status_code,
    }
    assert set(answers) == CASE_ROUTES
    if persona in SCOPE_LED:
        contact = 200 if persona in {"clerk", "head", "operator", "committee", "admin"} else 404
        assert answers == {"detail": 200, "contact": contact, "photo": 200, "action": 404}
    else:
        assert answers == {"detail": 404, "contact": 404, "photo": 404, "action": 404}
    # A number that does not exist answers the same as a case outside the scope.
    missing = client.get(reverse("cases:action", args=["NO-SUCH-CASE-1", "accept"]))
    assert missing.status_code == 404


def test_bulk_accept_leaves_cases_of_other_departments_alone(catalogue: Any) -> None:
    case = make_case_in(catalogue, Status.DISPATCHED, is_public=False)
    before = _snapshot(case)
    for persona in ("clerk_b", "resident", "operator"):
        response = _client(catalogue, persona).post(
            reverse("cases:bulk_accept"), {"number": [case.number]}
        )
        assert response.status_code == (302 if persona == "clerk_b" else 404), persona
        assert _snapshot(case) == before, persona
    response = _client(catalogue, "clerk").post(
        reverse("cases:bulk_accept"), {"number": [case.number]}
    )
    assert response.status_code == 302
    assert _snapshot(case)[0] == Status.ACCEPTED
