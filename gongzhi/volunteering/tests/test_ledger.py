"""Ledger invariants under random sequences of operations, and under concurrency."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.core.errors import DomainError, LimitExceeded
from gongzhi.volunteering import services
from gongzhi.volunteering.models import HoursEntry, LedgerHead, SignUp
from gongzhi.volunteering.workflow import SignUpStatus

from .helpers import checked_in, make_activity, running_activity

PEOPLE = ["resident", "resident2", "operator"]
# SQLite's in-memory test database refuses a concurrent writer outright ("table is
# locked") instead of queueing it; PostgreSQL queues it behind the row lock. The
# invariants are asserted on both; the exact outcome of each thread only on PostgreSQL.
ON_POSTGRES = connection.vendor == "postgresql"

operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("certify"), st.sampled_from(PEOPLE), st.integers(min_value=-100, max_value=400)
        ),
        st.tuples(
            st.just("correct"), st.sampled_from(PEOPLE), st.integers(min_value=-300, max_value=300)
        ),
        st.tuples(
            st.just("transfer"),
            st.sampled_from(PEOPLE),
            st.sampled_from(PEOPLE),
            st.integers(min_value=-50, max_value=500),
            st.booleans(),
        ),
    ),
    min_size=1,
    max_size=12,
)


class Rollback(Exception):
    pass


def assert_invariants(users):
    for user in users:
        entries = list(HoursEntry.objects.filter(user=user).order_by("seq"))
        head = LedgerHead.objects.filter(user=user).first()
        balance = head.balance_minutes if head else 0
        assert balance == sum(e.minutes for e in entries)
        assert balance >= 0
        assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
        running = 0
        for e in entries:
            running += e.minutes
            assert running >= 0
            assert e.minutes != 0
    # Hours are only created by certification: transfers move them, never make them.
    total = HoursEntry.objects.filter(user__in=users).aggregate(t=Sum("minutes"))["t"] or 0
    made = (
        HoursEntry.objects.filter(user__in=users, kind__in=["certified", "correction"]).aggregate(
            t=Sum("minutes")
        )["t"]
        or 0
    )
    assert total == made


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_balances_always_equal_the_sum_of_entries_and_never_go_negative(cast, ops):
    users = [cast.users[p] for p in PEOPLE]
    try:
        with transaction.atomic():
            activity = running_activity(cast, hours=5)
            signups = {p: checked_in(activity, cast.users[p]) for p in PEOPLE}
            for op in ops:
                before = {
                    u.pk: list(HoursEntry.objects.filter(user=u).values_list("pk", "minutes"))
                    for u in users
                }
                try:
                    with transaction.atomic():
                        if op[0] == "certify":
                            services.hours_certify(
                                actor=cast.social, signup=signups[op[1]], minutes=op[2]
                            )
                        elif op[0] == "correct":
                            services.hours_correct(
                                actor=cast.social, signup=signups[op[1]], minutes=op[2], reason="r"
                            )
                        else:
                            services.hours_transfer(
                                actor=cast.users[op[1]],
                                recipient=cast.users[op[2]],
                                minutes=op[3],
                                donation=op[4],
                            )
                except DomainError:
                    # A refusal leaves every ledger exactly as it was.
                    after = {
                        u.pk: list(HoursEntry.objects.filter(user=u).values_list("pk", "minutes"))
                        for u in users
                    }
                    assert after == before
                assert_invariants(users)
            for p in PEOPLE:
                assert 0 <= services.signup_minutes(signups[p]) <= activity.duration_minutes
            raise Rollback
    except Rollback:
        pass


def _run_threads(target, args_list):
    barrier = threading.Barrier(len(args_list))
    results = [None] * len(args_list)

    def run(i, args):
        try:
            barrier.wait()
            results[i] = target(*args)
        except Exception as exc:  # collected and asserted below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(args_list)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.pg
def test_two_people_asking_for_the_last_place_at_once_get_one_place(tcast):
    activity = make_activity(tcast, slots=2)
    services.signup_create(actor=tcast.operator, activity=activity)

    def attempt(user):
        return services.signup_create(actor=user, activity=activity, join_waitlist=False)

    results = _run_threads(attempt, [(tcast.resident,), (tcast.resident2,)])
    places = [r for r in results if isinstance(r, SignUp)]
    assert len(places) <= 1, results
    if ON_POSTGRES:
        # Row lock on the activity: the second waits, then sees the place taken.
        refused = [r for r in results if isinstance(r, DomainError)]
        assert len(places) == 1 and len(refused) == 1, results
        assert isinstance(refused[0], LimitExceeded)
    # Whatever the engine did, the activity is never over-booked.
    taken = SignUp.objects.filter(activity=activity, status=SignUpStatus.CONFIRMED).count()
    assert taken == 1 + len(places) <= activity.slots


@pytest.mark.pg
def test_concurrent_sign_ups_with_waiting_list_never_overbook(tcast):
    activity = make_activity(tcast, slots=1)
    users = [tcast.resident, tcast.resident2, tcast.operator, tcast.clerk]
    results = _run_threads(
        lambda u: services.signup_create(actor=u, activity=activity), [(u,) for u in users]
    )
    made = [r for r in results if isinstance(r, SignUp)]
    if ON_POSTGRES:
        assert len(made) == 4, results
    confirmed = SignUp.objects.filter(activity=activity, status=SignUpStatus.CONFIRMED).count()
    assert confirmed == min(1, len(made))
    assert (
        SignUp.objects.filter(activity=activity, status=SignUpStatus.WAITLISTED).count()
        == len(made) - confirmed
    )


@pytest.mark.pg
def test_two_concurrent_transfers_cannot_spend_the_same_hours(tcast):
    activity = running_activity(tcast)
    services.hours_certify(
        actor=tcast.social, signup=checked_in(activity, tcast.resident), minutes=60
    )

    def give(recipient):
        return services.hours_transfer(actor=tcast.resident, recipient=recipient, minutes=60)

    results = _run_threads(give, [(tcast.resident2,), (tcast.operator,)])
    done = sum(isinstance(r, HoursEntry) for r in results)
    assert done <= 1, results
    if ON_POSTGRES:
        assert done == 1 and sum(isinstance(r, DomainError) for r in results) == 1, results
    assert_invariants([tcast.resident, tcast.resident2, tcast.operator])
    assert LedgerHead.objects.get(user=tcast.resident).balance_minutes == 60 - 60 * done
