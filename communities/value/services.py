"""Every write about value: the survey's settings, members' answers and their stories.
communities/value/survey_mail.py says who is asked and how the email goes out."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Community
from ..permissions import can_coordinate, is_active_member
from ..services import membership_of
from .cycles import STEP_FIELDS
from .models import SurveyResponse, ValueStory, ValueSurvey
from .periods import Cadence, Period, parse_period, period_of
from .sources import StorySource, content_type_for

# --- Settings -----------------------------------------------------------------------------------


def survey_of(community) -> ValueSurvey | None:
    return ValueSurvey.objects.filter(community=community).first()


def survey_settings_save(*, actor, community: Community, enabled: bool, cadence: str) -> ValueSurvey:
    """Switch the community's value survey on or off and choose its cadence: coordinators
    and staff only. Changing the cadence starts the new rhythm with the period today is in."""
    if not can_coordinate(actor, community, membership_of(actor, community)):
        raise PermissionDenied(_("Only the community's coordinators can change its value survey."))
    if cadence not in Cadence.values:
        raise ValidationError({"cadence": _("Choose how often the survey is sent.")})
    survey, _created = ValueSurvey.objects.update_or_create(
        community=community,
        defaults={"enabled": enabled, "cadence": cadence, "updated_by": actor, "updated_at": timezone.now()},
    )
    return survey


def current_period(survey: ValueSurvey | None, today=None) -> Period | None:
    if survey is None or not survey.enabled:
        return None
    return period_of(today or timezone.now().date(), survey.cadence)


# --- Answers and stories ------------------------------------------------------------------------


def _story_fields(fields: dict) -> dict:
    return {name: (fields.get(name) or "").strip() for name in STEP_FIELDS}


def _require_member(actor, community, *, refusal: str):
    """`refusal`: the whole sentence, with %(name)s for the community's name."""
    membership = membership_of(actor, community)
    if not (actor.is_authenticated and is_active_member(membership)):
        raise PermissionDenied(refusal % {"name": community.name})
    return membership


def survey_answer_save(
    *, actor, community: Community, period: str, rating: int, show_name: bool = False, today=None, **story
) -> SurveyResponse:
    """Record (or change) `actor`'s answer for `period`: a rating and, optionally, a story.
    Active members only; only while the period is open (answers of a closed period stay as
    they were). A story with every step empty is no story: an earlier one is removed."""
    _require_member(actor, community, refusal=_("Only active members of %(name)s can answer its value survey."))
    found = parse_period(period)
    if found is None or not found.is_open(today or timezone.now().date()):
        raise ValidationError(_("This survey period has closed: answers can no longer be changed."))
    if rating not in range(1, 6):
        raise ValidationError({"rating": _("Choose how valuable the community was, from 1 to 5.")})
    steps = _story_fields(story)
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                response, created = SurveyResponse.objects.get_or_create(
                    community=community,
                    user=actor,
                    period=found.name,
                    defaults={"rating": rating, "created_at": now, "updated_at": now},
                )
        except IntegrityError:  # the same member answered at the same moment in another tab
            response, created = SurveyResponse.objects.get(community=community, user=actor, period=found.name), False
        if not created:
            response.rating, response.updated_at = rating, now
            response.save(update_fields=["rating", "updated_at"])
        existing = ValueStory.objects.filter(response=response).first()
        if any(steps.values()):
            story = existing or ValueStory(community=community, author=actor, response=response, created_at=now)
            for name, value in steps.items():
                setattr(story, name, value)
            story.show_name, story.updated_at = show_name, now
            story.save()
        elif existing:
            existing.delete()
    return response


def story_tell(
    *, actor, community: Community, show_name: bool = False, source: tuple[StorySource, int] | None = None, **steps
) -> ValueStory:
    """A story told at any time ("This helped me"), optionally linked to its source, which
    the caller has resolved for `actor` (so it is one they may see in this community)."""
    _require_member(actor, community, refusal=_("Only active members of %(name)s can tell a value-creation story."))
    steps = _story_fields(steps)
    if not any(steps.values()):
        raise ValidationError(_("Tell at least what happened in the community."))
    story = ValueStory(community=community, author=actor, show_name=show_name, **steps)
    if source is not None:
        story.source_type, story.source_id = content_type_for(source[0]), source[1]
    story.save()
    return story


def story_remove(*, actor, story: ValueStory) -> None:
    """Authors take their stories back; coordinators remove ones that do not belong."""
    community = story.community
    if not (story.author_id == actor.pk or can_coordinate(actor, community, membership_of(actor, community))):
        raise PermissionDenied(_("Only the story's author or a coordinator can remove it."))
    story.delete()
