"""The five cycles of value creation (Wenger, Trayner and de Laat 2011) and the story steps
that reach each one. A value-creation story is told in these steps; how far it gets is the
furthest cycle it reaches."""

from django.db import models


class Cycle(models.IntegerChoices):
    NONE = 0, "Not yet told"
    IMMEDIATE = 1, "Immediate value"
    POTENTIAL = 2, "Potential value"
    APPLIED = 3, "Applied value"
    REALISED = 4, "Realised value"
    REFRAMING = 5, "Reframing value"


# (cycle, story field, question asked of the member, what the cycle means)
STEPS = [
    (
        Cycle.IMMEDIATE,
        "happened",
        "What happened in the community?",
        "Activities and interactions: a good tip, a useful answer, a meeting worth the time.",
    ),
    (
        Cycle.POTENTIAL,
        "gave_me",
        "What did it give you?",
        "Knowledge capital: skills, relationships, resources and reputation that may be used later.",
    ),
    (
        Cycle.APPLIED,
        "did_differently",
        "What did you do differently because of it?",
        "Changes in practice: knowledge capital put to use in someone's work.",
    ),
    (
        Cycle.REALISED,
        "difference",
        "What difference did it make?",
        "Performance improvement: results that matter to the member, their organisation or stakeholders.",
    ),
    (
        Cycle.REFRAMING,
        "reframing",
        "Did it change how you (or your organisation) see success?",
        "Redefining success: new criteria, strategies or goals.",
    ),
]
STEP_FIELDS = [field for _, field, _, _ in STEPS]
CYCLES = [cycle for cycle, _, _, _ in STEPS]
MEANING = {cycle: meaning for cycle, _, _, meaning in STEPS}
SHORT = {
    Cycle.IMMEDIATE: "Immediate",
    Cycle.POTENTIAL: "Potential",
    Cycle.APPLIED: "Applied",
    Cycle.REALISED: "Realised",
    Cycle.REFRAMING: "Reframing",
}


def furthest_cycle(story) -> int:
    """The furthest cycle whose step the story tells (0 when no step is filled in)."""
    reached = Cycle.NONE
    for cycle, field, _, _ in STEPS:
        if (getattr(story, field) or "").strip():
            reached = cycle
    return int(reached)
