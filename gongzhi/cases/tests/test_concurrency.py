"""Two clerks accept the same case at once: one wins, the other is told, one event is written."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.utils import translation

from gongzhi.cases import services as s
from gongzhi.cases.models import CaseEvent, Status
from gongzhi.core.errors import Conflict, TransitionNotAllowed

from .conftest import new_case


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_two_clerks_accepting_at_once_one_wins_and_only_one_event_is_written(
    tcatalogue: Any,
) -> None:
    cast = tcatalogue
    case = new_case(cast)
    s.case_dispatch(actor=cast.operator, case=case, lead=cast.orgs["public-works"])
    case.refresh_from_db()
    version = case.version
    barrier = threading.Barrier(2)
    results: list[str] = []

    def accept(user: Any) -> None:
        try:
            barrier.wait(timeout=10)
            # SQLite's shared in-memory test database refuses a second writer at once
            # ("table is locked") instead of waiting like PostgreSQL's row lock does;
            # the loser then tries again, as a person pressing the button again would.
            for _attempt in range(100_000):
                try:
                    s.case_accept(actor=user, case=case, expected_version=version)
                    results.append("ok")
                    return
                except OperationalError as exc:
                    if "locked" not in str(exc):
                        raise
        except (Conflict, TransitionNotAllowed) as exc:
            results.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(u,)) for u in (cast.clerk, cast.head)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["Conflict", "ok"]
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    assert CaseEvent.objects.filter(case=case, kind="accepted").count() == 1


def test_a_stale_page_gets_a_clear_conflict_message(catalogue: Any) -> None:
    case = new_case(catalogue)
    s.case_dispatch(actor=catalogue.operator, case=case, lead=catalogue.orgs["public-works"])
    s.case_accept(actor=catalogue.clerk, case=case, expected_version=2)
    with translation.override("en"), pytest.raises(Conflict) as info:
        s.case_accept(actor=catalogue.head, case=case, expected_version=2)
    assert "changed" in info.value.message
