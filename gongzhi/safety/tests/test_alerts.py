from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core import mail
from django.utils import timezone

from gongzhi.accounts.models import Residence, ResidenceStatus
from gongzhi.audit.services import email_consent_set
from gongzhi.core.errors import NotPermitted, OutOfScope, ValidationFailed
from gongzhi.notifications.models import Notification
from gongzhi.organizations.models import Membership, Role
from gongzhi.safety import services
from gongzhi.safety.models import Alert, AlertDelivery


def publish(cast, *, actor=None, areas=None, severity="warning", key=None, expires=None):
    return services.alert_publish(
        actor=actor or cast.committee, kind="weather", severity=severity, title="Heavy rain tonight",
        body="Move cars out of the underpass.", areas=areas or [cast.community(1)],
        expires_at=expires or timezone.now() + dt.timedelta(days=1), idempotency_key=key,
    )


def test_an_alert_reaches_the_residents_of_the_chosen_community_only(cast):
    alert = publish(cast)
    recipients = set(AlertDelivery.objects.filter(alert=alert).values_list("user__username", flat=True))
    assert recipients == {"resident"}
    assert Notification.objects.filter(recipient=cast.resident, kind="safety_alert").exists()
    assert not Notification.objects.filter(recipient=cast.resident2, kind="safety_alert").exists()


def test_residents_of_a_grid_inside_the_area_are_reached_and_pending_residences_are_not(cast):
    grid_resident = cast.users["resident2"]
    Residence.objects.create(user=grid_resident, area=cast.grid(1, 3), status=ResidenceStatus.APPROVED)
    Residence.objects.create(user=cast.clerk, area=cast.grid(1, 2), status=ResidenceStatus.PENDING)
    alert = publish(cast)
    assert set(alert.deliveries.values_list("user__username", flat=True)) == {"resident", "resident2"}


def test_an_emergency_is_emailed_at_once_and_others_wait_for_the_digest(cast, django_capture_on_commit_callbacks):
    email_consent_set(actor=cast.resident, purpose="alerts", given=True)
    with django_capture_on_commit_callbacks(execute=True):
        publish(cast, severity="warning")
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        publish(cast, severity="emergency")
    assert len(mail.outbox) == 1 and cast.resident.email in mail.outbox[0].to
    assert services.alert_digest_send() == 1
    assert len(mail.outbox) == 2 and "Heavy rain" in mail.outbox[1].body
    assert services.alert_digest_send() == 0


def test_without_alert_consent_no_alert_is_emailed_but_the_inbox_has_it(cast, django_capture_on_commit_callbacks):
    # No consent recorded: alert e-mails are optional mail and default to off.
    with django_capture_on_commit_callbacks(execute=True):
        publish(cast, severity="emergency")
        publish(cast, severity="warning")
    assert mail.outbox == []
    assert services.alert_digest_send() == 0 and mail.outbox == []
    assert Notification.objects.filter(recipient=cast.resident, kind="safety_alert").count() == 2
    assert AlertDelivery.objects.filter(user=cast.resident, emailed_at=None).count() == 2
    # Agreeing later brings the alerts still in force in the next digest.
    email_consent_set(actor=cast.resident, purpose="alerts", given=True)
    assert services.alert_digest_send() == 1 and mail.outbox[0].body.count("Heavy rain") == 2
    email_consent_set(actor=cast.resident, purpose="alerts", given=False)
    with django_capture_on_commit_callbacks(execute=True):
        publish(cast, severity="warning")
    assert services.alert_digest_send() == 0 and len(mail.outbox) == 1


def test_opening_an_alert_sets_the_read_receipt_once(cast, login):
    alert = publish(cast)
    client = login(cast, "resident")
    assert client.get(f"/safety/alerts/{alert.pk}/").status_code == 200
    first = AlertDelivery.objects.get(alert=alert, user=cast.resident).read_at
    assert first is not None
    client.get(f"/safety/alerts/{alert.pk}/")
    assert AlertDelivery.objects.get(alert=alert, user=cast.resident).read_at == first
    published = services_alerts_for(cast)
    assert (published.n_delivered, published.n_read) == (1, 1)


def services_alerts_for(cast):
    from gongzhi.safety.selectors import alert_list_published_for

    return alert_list_published_for(actor=cast.committee).get()


def test_a_committee_member_scoped_to_one_community_cannot_alert_another(cast):
    Membership.objects.filter(user=cast.committee, role=Role.COMMITTEE).update(area=cast.community(1))
    from gongzhi.organizations.selectors import forget_memberships

    forget_memberships(cast.committee)
    with pytest.raises(OutOfScope) as info:
        publish(cast, areas=[cast.community(1), cast.community(2)])
    assert "areas" in info.value.errors
    assert not Alert.objects.exists() and not AlertDelivery.objects.exists()


def test_a_department_alerts_within_its_organisations_area(cast):
    alert = publish(cast, actor=cast.clerk, areas=[cast.street])
    assert alert.publisher_org == cast.orgs["public-works"]
    assert set(alert.deliveries.values_list("user__username", flat=True)) == {"resident", "resident2"}


@pytest.mark.parametrize("name", ["gridworker", "resident", "social", "mediator"])
def test_people_without_a_publishing_role_cannot_publish(cast, name):
    with pytest.raises(NotPermitted):
        publish(cast, actor=cast.users[name])


def test_an_expiry_in_the_past_is_refused(cast):
    with pytest.raises(ValidationFailed) as info:
        publish(cast, expires=timezone.now() - dt.timedelta(minutes=1))
    assert "expires_at" in info.value.errors


def test_a_repeated_submission_publishes_once(cast):
    key = uuid.uuid4()
    assert publish(cast, key=key).pk == publish(cast, key=key).pk
    assert AlertDelivery.objects.count() == 1


def test_public_page_lists_alerts_in_force_without_personal_data(cast, client):
    live = publish(cast)
    old = publish(cast)
    Alert.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1), title="Old news")
    withdrawn = services.alert_withdraw(actor=cast.committee, alert=publish(cast))
    Alert.objects.filter(pk=withdrawn.pk).update(title="Withdrawn news")
    body = client.get("/safety/alerts/").content.decode()
    assert live.title in body and "Old news" not in body and "Withdrawn news" not in body
    assert cast.committee.display_name not in body and cast.resident.display_name not in body


def test_alert_form_refuses_an_area_outside_scope_beside_the_field(cast, login):
    client = login(cast, "clerk_b")
    Membership.objects.filter(user=cast.clerk_b).update(area=None)
    form = {
        "idempotency_key": str(uuid.uuid4()), "kind": "outage", "severity": "info", "title": "Water off",
        "body": "From 9 to 12.", "areas": [cast.areas["JC.LJ"].pk],
        "expires_at": (timezone.localtime() + dt.timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M"),
    }
    response = client.post("/safety/alerts/new/", form)
    assert response.status_code == 400
    assert not Alert.objects.exists()
    form["areas"] = [cast.community(2).pk]
    assert client.post("/safety/alerts/new/", form).status_code == 302
    assert Alert.objects.get().deliveries.get().user == cast.resident2
