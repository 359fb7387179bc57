"""The five cycles of value creation (Wenger, Trayner and de Laat 2011) and the story steps
that reach each one. A value-creation story is told in these steps; how far it gets is the
furthest cycle it reaches."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Cycle(models.IntegerChoices):
    NONE = 0, _("Not yet told")
    IMMEDIATE = 1, _("Immediate value")
    POTENTIAL = 2, _("Potential value")
    APPLIED = 3, _("Applied value")
    REALISED = 4, _("Realised value")
    REFRAMING = 5, _("Reframing value")


# (cycle, story field, question asked of the member, what the cycle means)
STEPS = [
    (
        Cycle.IMMEDIATE,
        "happened",
        _("What happened in the community?"),
        _("Activities and interactions: a good tip, a useful answer, a meeting worth the time."),
    ),
    (
        Cycle.POTENTIAL,
        "gave_me",
        _("What did it give you?"),
        _("Knowledge capital: skills, relationships, resources and reputation that may be used later."),
    ),
    (
        Cycle.APPLIED,
        "did_differently",
        _("What did you do differently because of it?"),
        _("Changes in practice: knowledge capital put to use in someone's work."),
    ),
    (
        Cycle.REALISED,
        "difference",
        _("What difference did it make?"),
        _("Performance improvement: results that matter to the member, their organisation or stakeholders."),
    ),
    (
        Cycle.REFRAMING,
        "reframing",
        _("Did it change how you (or your organisation) see success?"),
        _("Redefining success: new criteria, strategies or goals."),
    ),
]
STEP_FIELDS = [field for _, field, _, _ in STEPS]
CYCLES = [cycle for cycle, _, _, _ in STEPS]
MEANING = {cycle: meaning for cycle, _, _, meaning in STEPS}
SHORT = {
    Cycle.IMMEDIATE: _("Immediate"),
    Cycle.POTENTIAL: _("Potential"),
    Cycle.APPLIED: _("Applied"),
    Cycle.REALISED: _("Realised"),
    Cycle.REFRAMING: _("Reframing"),
}


def furthest_cycle(story) -> int:
    """The furthest cycle whose step the story tells (0 when no step is filled in)."""
    reached = Cycle.NONE
    for cycle, field, _question, _meaning in STEPS:
        if (getattr(story, field) or "").strip():
            reached = cycle
    return int(reached)
