from __future__ import annotations

import hashlib

import pytest

from gongzhi.api.models import PersonalAccessToken
from gongzhi.api.services import (
    organisation_token_create,
    token_authenticate,
    token_create,
    token_revoke,
)
from gongzhi.core.errors import NotPermitted, OutOfScope, ValidationFailed


def test_token_is_stored_only_as_a_hash_and_shown_once(cast):
    token, raw = token_create(actor=cast.resident, name="script", scope="read")
    stored = PersonalAccessToken.objects.get(pk=token.pk)
    assert raw.startswith(f"gz_{stored.prefix}_")
    assert stored.secret_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(stored.__dict__)


def test_token_authenticates_its_owner_and_records_last_use(cast):
    token, raw = token_create(actor=cast.clerk, name="x", scope="read_write")
    principal = token_authenticate(raw)
    assert principal is not None and principal.user == cast.clerk and principal.can_write
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("raw", ["", "gz_", "gz_abc", "nonsense", "gz_deadbeef_wrong", "x" * 500])
def test_malformed_or_unknown_tokens_do_not_authenticate(cast, raw):
    assert token_authenticate(raw) is None


def test_a_token_with_the_right_prefix_but_wrong_secret_does_not_authenticate(cast):
    _token, raw = token_create(actor=cast.resident, name="x", scope="read")
    assert token_authenticate(raw[:-3] + "zzz") is None


def test_revoked_token_no_longer_authenticates(cast):
    token, raw = token_create(actor=cast.resident, name="x", scope="read")
    token_revoke(actor=cast.resident, token_id=token.pk)
    assert token_authenticate(raw) is None


def test_nobody_revokes_another_persons_token(cast):
    token, raw = token_create(actor=cast.resident, name="x", scope="read")
    with pytest.raises(OutOfScope):
        token_revoke(actor=cast.resident2, token_id=token.pk)
    assert token_authenticate(raw) is not None


@pytest.mark.parametrize(("name", "scope", "field"), [("", "read", "name"), ("x" * 81, "read", "name"), ("ok", "admin", "scope")])
def test_token_creation_rejects_bad_input_naming_the_field(cast, name, scope, field):
    with pytest.raises(ValidationFailed) as exc:
        token_create(actor=cast.resident, name=name, scope=scope)
    assert field in exc.value.errors


def test_organisation_token_acts_as_a_bot_member_of_the_organisation(cast):
    from gongzhi.organizations.selectors import organisations_of

    org = cast.orgs["public-works"]
    token, raw = organisation_token_create(actor=cast.admin, organisation=org, name="works system",
                                           scope="read", role="staff")
    principal = token_authenticate(raw)
    assert principal is not None and principal.user == token.acting_user
    assert org in organisations_of(principal.user, "staff")
    assert not principal.user.has_usable_password()


def test_only_someone_who_manages_the_organisation_creates_its_token(cast):
    with pytest.raises((OutOfScope, NotPermitted)):
        organisation_token_create(actor=cast.resident, organisation=cast.orgs["public-works"], name="x",
                                  scope="read", role="staff")


def test_token_page_shows_a_new_token_once_and_lists_only_ones_own(cast, login):
    token_create(actor=cast.resident2, name="someone else's", scope="read")
    client = login(cast, "resident")
    response = client.post("/api/v1/tokens/", {"name": "my script", "scope": "read"})
    assert response.status_code == 200
    assert b"gz_" in response.content and "my script" in response.content.decode()
    assert "someone else" not in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    again = client.get("/api/v1/tokens/")
    token = PersonalAccessToken.objects.get(user=cast.resident)
    assert f"gz_{token.prefix}_".encode() in again.content
    assert b'readonly value="gz_' not in again.content


def test_token_page_shows_the_field_error_for_a_missing_name(cast, login):
    response = login(cast, "resident").post("/api/v1/tokens/", {"name": "", "scope": "read"})
    assert response.status_code == 200
    assert PersonalAccessToken.objects.filter(user=cast.resident).count() == 0
    assert b'class="error"' in response.content


def test_revoking_from_the_page_asks_for_confirmation_first(cast, login):
    token, raw = token_create(actor=cast.resident, name="old", scope="read")
    client = login(cast, "resident")
    confirm = client.get(f"/api/v1/tokens/{token.pk}/revoke/")
    assert confirm.status_code == 200 and token_authenticate(raw) is not None
    done = client.post(f"/api/v1/tokens/{token.pk}/revoke/")
    assert done.status_code == 302
    assert token_authenticate(raw) is None


def test_another_persons_token_revoke_page_is_not_found(cast, login):
    token, _raw = token_create(actor=cast.resident, name="old", scope="read")
    assert login(cast, "resident2").post(f"/api/v1/tokens/{token.pk}/revoke/").status_code == 404


def test_visitors_are_sent_to_sign_in_for_the_token_page(client):
    response = client.get("/api/v1/tokens/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_admin_creates_an_organisation_token_and_sees_it_once(cast, login):
    from gongzhi.api.models import OrganisationToken

    response = login(cast, "admin").post(
        "/admin/api/organisationtoken/add/",
        {"organisation": cast.orgs["public-works"].pk, "name": "works system", "scope": "read", "role": "staff"},
        follow=True,
    )
    assert response.status_code == 200
    token = OrganisationToken.objects.get(name="works system")
    import re

    raw = re.search(r"gz_[A-Za-z0-9_-]+", " ".join(str(m) for m in response.context["messages"])).group(0)
    principal = token_authenticate(raw)
    assert principal is not None and principal.token == token
