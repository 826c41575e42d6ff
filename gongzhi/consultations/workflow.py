"""The phases of a consultation topic and what each phase allows.

A topic moves forward through collect → deliberate → vote → result → implementation →
closed. It may skip a phase forward (a committee topic needs no proposal collection;
a topic without a vote goes from deliberation to the result), never back: a phase that
has been closed stays closed so that nobody can reopen a finished vote.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Phase(models.TextChoices):
    COLLECT = "collect", _("Collecting proposals")
    DELIBERATE = "deliberate", _("Deliberation")
    VOTE = "vote", _("Voting")
    RESULT = "result", _("Result")
    IMPLEMENTATION = "implementation", _("Implementation")
    CLOSED = "closed", _("Closed")


ORDER: list[str] = [p.value for p in Phase]

# Which phases may follow which: the next one, or skipping forward to result.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Phase.COLLECT: (Phase.DELIBERATE, Phase.VOTE, Phase.RESULT),
    Phase.DELIBERATE: (Phase.VOTE, Phase.RESULT),
    Phase.VOTE: (Phase.RESULT,),
    Phase.RESULT: (Phase.IMPLEMENTATION, Phase.CLOSED),
    Phase.IMPLEMENTATION: (Phase.CLOSED,),
    Phase.CLOSED: (),
}

# What residents may do in each phase (staff actions are listed too, so pages and the
# permission matrix read one table).
PHASE_ACTIONS: dict[str, frozenset[str]] = {
    Phase.COLLECT: frozenset({"propose", "support", "flag", "configure_vote"}),
    Phase.DELIBERATE: frozenset({"support", "argue", "flag", "configure_vote"}),
    Phase.VOTE: frozenset({"vote", "flag"}),
    Phase.RESULT: frozenset({"decide", "flag", "plan"}),
    Phase.IMPLEMENTATION: frozenset({"plan", "flag"}),
    Phase.CLOSED: frozenset(),
}


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, ())


def next_phase(current: str) -> str | None:
    options = TRANSITIONS.get(current, ())
    return options[0] if options else None


def phase_allows(phase: str, action: str) -> bool:
    return action in PHASE_ACTIONS.get(phase, frozenset())


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("Gathering support")
    QUALIFIED = "qualified", _("Reached the threshold")
    PROMOTED = "promoted", _("Became a topic")
    EXPIRED = "expired", _("Period ended")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    HIDDEN = "hidden", _("Hidden by moderation")


PROPOSAL_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ProposalStatus.OPEN: (ProposalStatus.QUALIFIED, ProposalStatus.EXPIRED, ProposalStatus.WITHDRAWN,
                          ProposalStatus.HIDDEN, ProposalStatus.PROMOTED),
    ProposalStatus.QUALIFIED: (ProposalStatus.PROMOTED, ProposalStatus.HIDDEN),
    ProposalStatus.PROMOTED: (),
    ProposalStatus.EXPIRED: (),
    ProposalStatus.WITHDRAWN: (),
    ProposalStatus.HIDDEN: (ProposalStatus.OPEN,),
}


def proposal_can_transition(current: str, target: str) -> bool:
    return target in PROPOSAL_TRANSITIONS.get(current, ())
