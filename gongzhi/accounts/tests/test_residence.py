from __future__ import annotations

import pytest

from gongzhi.accounts import services
from gongzhi.accounts.models import Residence, ResidenceStatus
from gongzhi.accounts.selectors import is_verified_resident_of
from gongzhi.audit.models import AuditEvent
from gongzhi.core.errors import Conflict, OutOfScope, TransitionNotAllowed, ValidationFailed
from gongzhi.notifications.models import Notification

pytestmark = pytest.mark.pg


@pytest.fixture
def newcomer(django_user_model):
    return django_user_model.objects.create_user("newcomer", "newcomer@example.org", "pw-123456789")


def test_resident_asks_grid_worker_confirms_and_resident_is_told(cast, newcomer):
    residence = services.residence_request(actor=newcomer, area=cast.community(1), note="Building 3")
    assert Notification.objects.filter(recipient=cast.gridworker, kind="residence_requested").exists()
    services.residence_decide(actor=cast.gridworker, residence=residence, approve=True)
    residence.refresh_from_db()
    assert residence.status == ResidenceStatus.APPROVED
    assert is_verified_resident_of(newcomer, cast.community(1))
    assert is_verified_resident_of(newcomer, cast.street)
    assert not is_verified_resident_of(newcomer, cast.community(2))
    assert Notification.objects.filter(recipient=newcomer, kind="residence_decided").exists()
    assert AuditEvent.objects.filter(stream=f"residence:{residence.pk}").count() == 2


def test_refusal_needs_a_reason(cast, newcomer):
    residence = services.residence_request(actor=newcomer, area=cast.community(1))
    with pytest.raises(ValidationFailed) as error:
        services.residence_decide(actor=cast.committee, residence=residence, approve=False, reason=" ")
    assert "reason" in error.value.errors
    residence.refresh_from_db()
    assert residence.status == ResidenceStatus.PENDING


@pytest.mark.parametrize("persona", ["clerk_b", "resident2", "social", "mediator"])
def test_staff_outside_the_area_cannot_decide(cast, newcomer, persona):
    residence = services.residence_request(actor=newcomer, area=cast.community(1))
    with pytest.raises(OutOfScope):
        services.residence_decide(actor=cast.users[persona], residence=residence, approve=True)


def test_grid_worker_of_community_one_cannot_decide_for_community_two(cast, newcomer):
    residence = services.residence_request(actor=newcomer, area=cast.community(2))
    with pytest.raises(OutOfScope):
        services.residence_decide(actor=cast.gridworker, residence=residence, approve=True)


def test_a_second_open_request_for_the_same_area_is_refused(cast, newcomer):
    services.residence_request(actor=newcomer, area=cast.community(1))
    with pytest.raises(Conflict):
        services.residence_request(actor=newcomer, area=cast.community(1))
    assert Residence.objects.filter(user=newcomer).count() == 1


def test_a_request_is_decided_only_once(cast, newcomer):
    residence = services.residence_request(actor=newcomer, area=cast.community(1))
    services.residence_decide(actor=cast.committee, residence=residence, approve=True)
    with pytest.raises(TransitionNotAllowed):
        services.residence_decide(actor=cast.committee, residence=residence, approve=False, reason="late")


def test_residence_must_be_a_community_or_grid(cast, newcomer):
    with pytest.raises(ValidationFailed):
        services.residence_request(actor=newcomer, area=cast.street)


def test_review_pages_show_only_requests_in_scope(cast, newcomer, login):
    mine = services.residence_request(actor=newcomer, area=cast.community(1))
    other = services.residence_request(actor=newcomer, area=cast.community(3))
    client = login(cast, "gridworker")
    page = client.get("/accounts/residences/review/").content.decode()
    assert f"/accounts/residences/review/{mine.pk}/" in page
    assert f"/accounts/residences/review/{other.pk}/" not in page
    assert client.get(f"/accounts/residences/review/{other.pk}/").status_code == 404
    response = client.post(f"/accounts/residences/review/{mine.pk}/", {"decision": "refuse", "reason": ""})
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    response = client.post(f"/accounts/residences/review/{mine.pk}/", {"decision": "approve"})
    assert response.status_code == 302


def test_profile_form_rejects_a_bad_phone_and_keeps_the_saved_one(cast, login):
    client = login(cast, "resident")
    before = cast.resident.phone
    response = client.post(
        "/accounts/profile/",
        {"profile-display_name": "X", "profile-phone": "abc", "profile-preferred_language": "en"},
    )
    assert response.status_code == 400
    assert "phone" in response.context["form"].errors
    cast.resident.refresh_from_db()
    assert cast.resident.phone == before


def test_profile_residence_request_form_names_the_area_field(cast, login):
    client = login(cast, "resident")
    response = client.post("/accounts/residences/request/", {"residence-area": "999999"})
    assert response.status_code == 400
    assert "area" in response.context["residence_form"].errors
