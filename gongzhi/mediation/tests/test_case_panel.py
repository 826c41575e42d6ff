"""The case page of a dispute offers mediation to those who may open one, and to nobody else."""

from __future__ import annotations

import pytest

from .conftest import dispute_case


@pytest.mark.parametrize(("persona", "offered"), [("operator", True), ("committee", True), ("resident", False)])
def test_dispute_case_page_offers_mediation_to_intake_and_committee_only(cast, login, persona, offered):
    case = dispute_case(cast)
    response = login(cast, persona).get(f"/cases/{case.number}/")
    assert response.status_code == 200
    assert (f"/mediation/from-case/{case.number}/" in response.content.decode()) is offered
