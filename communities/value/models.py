"""What members say about the value they get: the coordinators' pulse-survey settings, one
answer per member and period, and value-creation stories. Imported by communities.models so
Django finds them (they belong to the communities app and its migrations)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .cycles import Cycle, furthest_cycle
from .periods import Cadence


class ValueSurvey(models.Model):
    """A community's pulse survey, switched on by its coordinators. No row: off."""

    community = models.OneToOneField("communities.Community", on_delete=models.CASCADE, related_name="value_survey")
    enabled = models.BooleanField(_("send the value survey"), default=False)
    cadence = models.CharField(max_length=12, choices=Cadence.choices, default=Cadence.QUARTERLY)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Value survey of {self.community_id} ({'on' if self.enabled else 'off'}, {self.cadence})"


class Rating(models.IntegerChoices):
    NOT = 1, _("1 · Not valuable")
    SLIGHTLY = 2, _("2 · Slightly valuable")
    MODERATELY = 3, _("3 · Moderately valuable")
    VERY = 4, _("4 · Very valuable")
    EXTREMELY = 5, _("5 · Extremely valuable")


class SurveyResponse(models.Model):
    """One member's answer for one period: how valuable the community was to them."""

    community = models.ForeignKey("communities.Community", on_delete=models.CASCADE, related_name="survey_responses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_responses")
    period = models.CharField(max_length=10)
    rating = models.PositiveSmallIntegerField(
        _("how valuable was the community to you?"),
        choices=Rating.choices,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["community", "user", "period"], name="one_survey_answer_per_period"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="survey_rating_1_to_5"),
        ]
        indexes = [models.Index(fields=["community", "period"], name="survey_response_period")]

    def __str__(self):
        return f"{self.user_id} rated {self.community_id} {self.rating} in {self.period}"


class ValueStory(models.Model):
    """A value-creation story: one member's path through the cycles, told in their steps.
    Told with a survey answer (`response`) or at any time from something that helped
    (`source`: a thread, a practice; a generic reference since communities sits below the
    apps that own them)."""

    community = models.ForeignKey("communities.Community", on_delete=models.CASCADE, related_name="value_stories")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="value_stories"
    )
    response = models.OneToOneField(
        SurveyResponse, null=True, blank=True, on_delete=models.SET_NULL, related_name="story"
    )
    happened = models.TextField(_("what happened in the community"), max_length=2000, blank=True)
    gave_me = models.TextField(_("what it gave you"), max_length=2000, blank=True)
    did_differently = models.TextField(_("what you did differently"), max_length=2000, blank=True)
    difference = models.TextField(_("what difference it made"), max_length=2000, blank=True)
    reframing = models.TextField(_("how it changed what success means"), max_length=2000, blank=True)
    show_name = models.BooleanField(_("show my name with this story"), default=False)
    furthest_cycle = models.PositiveSmallIntegerField(choices=Cycle.choices, default=Cycle.NONE, editable=False)
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-furthest_cycle", "-created_at"]
        verbose_name_plural = _("value stories")
        indexes = [models.Index(fields=["community", "-furthest_cycle", "-created_at"], name="value_story_furthest")]

    def __str__(self):
        return f"Story {self.pk} in {self.community_id} ({self.get_furthest_cycle_display()})"

    def save(self, *args, **kwargs):
        self.furthest_cycle = furthest_cycle(self)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "furthest_cycle"}
        super().save(*args, **kwargs)
