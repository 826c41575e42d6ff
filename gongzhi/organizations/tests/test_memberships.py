from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from conftest import PERSONAS
from gongzhi.core.errors import Conflict, NotPermitted, OutOfScope, ValidationFailed
from gongzhi.organizations import services
from gongzhi.organizations.models import Invitation, InvitationStatus, Membership, Role
from gongzhi.organizations.selectors import manageable_organisations, roles_of


def test_head_invites_an_existing_person_who_gets_the_role_at_once(cast):
    org = cast.orgs["public-works"]
    membership = services.membership_invite(
        actor=cast.head, organisation=org, email="resident2@demo.gongzhi.invalid", role=Role.STAFF
    )
    assert isinstance(membership, Membership)
    assert Role.STAFF in roles_of(cast.resident2)


def test_invitation_for_a_new_address_turns_into_a_membership_on_verified_sign_up(cast, django_user_model):
    org = cast.orgs["public-works"]
    invitation = services.membership_invite(actor=cast.head, organisation=org, email="New@Example.org", role=Role.STAFF)
    assert isinstance(invitation, Invitation)
    user = django_user_model.objects.create_user("newbie", "new@example.org", "pw-1234567890")
    EmailAddress.objects.create(user=user, email="new@example.org", verified=True, primary=True)
    created = services.invitations_accept_for(user=user)
    assert [m.role for m in created] == [Role.STAFF]
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED


def test_a_second_pending_invitation_for_the_same_role_is_refused(cast):
    org = cast.orgs["public-works"]
    services.membership_invite(actor=cast.head, organisation=org, email="x@example.org", role=Role.STAFF)
    with pytest.raises(Conflict):
        services.membership_invite(actor=cast.head, organisation=org, email="x@example.org", role=Role.STAFF)


def test_only_an_administrator_grants_committee_or_admin_roles(cast):
    with pytest.raises(NotPermitted):
        services.membership_invite(
            actor=cast.committee, organisation=cast.orgs["committee"], email="x@example.org", role=Role.ADMIN
        )
    services.membership_invite(actor=cast.admin, organisation=cast.orgs["committee"], email="x@example.org", role=Role.COMMITTEE)


def test_a_role_the_organisation_kind_does_not_have_is_refused_on_the_role_field(cast):
    with pytest.raises(ValidationFailed) as error:
        services.membership_invite(
            actor=cast.head, organisation=cast.orgs["public-works"], email="x@example.org", role=Role.MEDIATOR
        )
    assert "role" in error.value.errors


def test_area_scope_outside_the_organisation_is_refused(cast):
    with pytest.raises(ValidationFailed) as error:
        services.membership_invite(
            actor=cast.committee, organisation=cast.orgs["rc-c1"], email="x@example.org", role=Role.GRID_WORKER,
            area=cast.community(2),
        )
    assert "area" in error.value.errors


@pytest.mark.parametrize("persona", ["resident", "clerk", "clerk_b", "gridworker", "social", "mediator", "operator"])
def test_people_who_manage_nothing_cannot_invite(cast, persona):
    with pytest.raises(OutOfScope):
        services.membership_invite(
            actor=cast.users[persona], organisation=cast.orgs["public-works"], email="x@example.org", role=Role.STAFF
        )


def test_head_cannot_remove_their_own_head_role(cast):
    own = Membership.objects.get(user=cast.head, role=Role.HEAD)
    with pytest.raises(NotPermitted):
        services.membership_remove(actor=cast.head, membership=own)


def test_removal_ends_access_and_is_audited(cast):
    from gongzhi.audit.models import AuditEvent

    clerk = Membership.objects.get(user=cast.clerk, role=Role.STAFF)
    services.membership_remove(actor=cast.head, membership=clerk)
    clerk.refresh_from_db()
    assert clerk.is_active is False
    assert Role.STAFF not in roles_of(cast.clerk)
    assert AuditEvent.objects.filter(stream=f"membership:{clerk.pk}", action="membership.removed").exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_members_page_answers_by_role(cast, login, persona):
    response = login(cast, persona).get("/org/public-works/members/")
    expected = 200 if persona in {"head", "committee", "admin"} else (302 if persona == "visitor" else 404)
    assert response.status_code == expected


def test_removal_asks_for_confirmation_before_acting(cast, login):
    client = login(cast, "head")
    clerk = Membership.objects.get(user=cast.clerk, role=Role.STAFF)
    page = client.get(f"/org/public-works/members/{clerk.pk}/remove/")
    assert page.status_code == 200
    clerk.refresh_from_db()
    assert clerk.is_active
    assert client.post(f"/org/public-works/members/{clerk.pk}/remove/").status_code == 302
    clerk.refresh_from_db()
    assert not clerk.is_active


def test_invite_form_shows_field_errors(cast, login):
    client = login(cast, "head")
    response = client.post("/org/public-works/members/", {"email": "nope", "role": "staff"})
    assert response.status_code == 400
    assert "email" in response.context["form"].errors
    response = client.post("/org/public-works/members/", {"email": "a@b.org", "role": "admin"})
    assert response.status_code == 400
    assert "role" in response.context["form"].errors


def test_committee_manages_organisations_of_its_area_only(cast):
    codes = {o.code for o in manageable_organisations(cast.committee)}
    assert "public-works" in codes and "rc-c2" in codes
    assert "housing" not in codes  # a district bureau is above the street committee
