from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.core.errors import NotPermitted, OutOfScope, TransitionNotAllowed, ValidationFailed
from gongzhi.safety import services
from gongzhi.safety.models import Risk, RiskEvent
from gongzhi.safety.selectors import risk_get_for, risk_list_for
from gongzhi.safety.workflow import RiskStatus


def register(cast, *, actor=None, area=None, dept="public-works", level="medium", due=None):
    return services.risk_register(
        actor=actor or cast.committee, title="E-bikes charged in stairwell", place="Block 3, unit 1",
        area=area or cast.grid(1, 1), risk_type="ebike", level=level, owner_department=cast.orgs[dept],
        review_due=due or timezone.localdate() + dt.timedelta(days=14), lat=31.226, lon=121.463,
    )


def test_committee_registers_a_risk_with_its_history(cast):
    risk = register(cast)
    assert risk.status == RiskStatus.OPEN
    assert list(risk.events.values_list("kind", flat=True)) == [RiskEvent.Kind.REGISTERED]


def test_grid_worker_registers_risks_only_in_their_community(cast):
    assert register(cast, actor=cast.gridworker).area == cast.grid(1, 1)
    with pytest.raises(OutOfScope):
        register(cast, actor=cast.gridworker, area=cast.grid(2, 1))


def test_a_review_date_in_the_past_is_refused(cast):
    with pytest.raises(ValidationFailed) as info:
        register(cast, due=timezone.localdate() - dt.timedelta(days=1))
    assert "review_due" in info.value.errors
    assert not Risk.objects.exists()


def test_level_changes_need_a_reason_and_are_kept(cast):
    risk = register(cast)
    with pytest.raises(ValidationFailed):
        services.risk_change_level(actor=cast.committee, risk=risk, level="high", reason="  ")
    risk = services.risk_change_level(actor=cast.clerk, risk=risk, level="high", reason="Second fire nearby")
    assert risk.level == "high"
    event = risk.events.filter(kind=RiskEvent.Kind.LEVEL).get()
    assert (event.from_level, event.to_level, event.reason) == ("medium", "high", "Second fire nearby")


def test_only_committee_and_owner_department_change_a_risk(cast):
    risk = register(cast)
    for name in ("clerk_b", "gridworker", "resident"):
        with pytest.raises(NotPermitted):
            services.risk_change_level(actor=cast.users[name], risk=risk, level="low", reason="x")


def test_a_review_moves_the_review_date_and_overdue_reviews_are_flagged(cast, settings):
    risk = register(cast)
    Risk.objects.filter(pk=risk.pk).update(review_due=timezone.localdate() - dt.timedelta(days=2))
    assert list(risk_list_for(actor=cast.committee, overdue_only=True)) == [risk]
    services.risk_review(actor=cast.head, risk=risk, note="Charging point installed",
                         next_review=timezone.localdate() + dt.timedelta(days=60))
    assert not risk_list_for(actor=cast.committee, overdue_only=True).exists()
    with pytest.raises(ValidationFailed):
        services.risk_review(actor=cast.head, risk=risk, note="x", next_review=timezone.localdate())


def test_a_closed_risk_cannot_change_any_more(cast):
    risk = services.risk_close(actor=cast.committee, risk=register(cast), reason="Lift replaced")
    with pytest.raises(TransitionNotAllowed):
        services.risk_change_level(actor=cast.committee, risk=risk, level="low", reason="x")


def test_departments_see_only_the_risks_they_own(cast):
    mine = register(cast, dept="public-works")
    theirs = register(cast, dept="housing")
    assert set(risk_list_for(actor=cast.clerk)) == {mine}
    with pytest.raises(OutOfScope):
        risk_get_for(actor=cast.clerk, pk=theirs.pk)
    assert set(risk_list_for(actor=cast.clerk_b)) == set()


def test_risk_register_page_has_a_map_and_a_table_and_hides_from_residents(cast, login):
    register(cast)
    page = login(cast, "committee").get("/safety/risks/")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="risk-map"' in body and "<th scope=\"row\">" in body and "risk-markers" in body
    assert login(cast, "resident").get("/safety/risks/").status_code == 404


def test_risk_form_refuses_bad_input_by_field(cast, login):
    client = login(cast, "committee")
    response = client.post("/safety/risks/new/", {"title": "", "level": "apocalyptic"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "id_title_error" in body and "id_level_error" in body
    assert not Risk.objects.exists()


def test_risk_review_through_the_page(cast, login):
    risk = register(cast)
    client = login(cast, "committee")
    due = (timezone.localdate() + dt.timedelta(days=45)).isoformat()
    response = client.post(f"/safety/risks/{risk.pk}/review/", {"note": "Checked", "next_review": due})
    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.review_due.isoformat() == due
    bad = client.post(f"/safety/risks/{risk.pk}/level/", {"level": "medium", "reason": "same"})
    assert bad.status_code == 400


def test_cases_and_warnings_are_linked_once_each(cast, login):
    risk = register(cast)
    client = login(cast, "committee")
    for _ in range(2):
        assert client.post(f"/safety/risks/{risk.pk}/link/", {"kind": "case", "reference": "GZ-2026-000042"}).status_code == 302
    services.risk_link(actor=cast.committee, risk=risk, kind="warning", reference="HS-7")
    risk.refresh_from_db()
    assert (risk.linked_cases, risk.linked_warnings) == (["GZ-2026-000042"], ["HS-7"])
    assert client.post(f"/safety/risks/{risk.pk}/link/", {"kind": "case", "reference": ""}).status_code == 400
