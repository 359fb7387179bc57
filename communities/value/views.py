"""The value pages: a member's survey answer (from the email's signed link or the community),
a story told from something that helped, and for coordinators the survey settings, all the
stories and the value-creation matrix (CSV). Thin: the rules are in services.py."""

import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import permissions
from ..forms import add_service_error
from ..health.dashboard import value_inputs
from ..health.views import _community_for
from ..models import Community
from ..services import membership_of
from .forms import StoryForm, SurveyAnswerForm, SurveySettingsForm
from .models import SurveyResponse, ValueStory
from .panel import MATRIX_HEADER, decorate_stories, matrix_rows
from .periods import parse_period
from .services import (
    current_period,
    story_remove,
    story_tell,
    survey_answer_save,
    survey_of,
    survey_settings_save,
)
from .sources import parse_source
from .survey_mail import read_survey_token


def _member_community(request, slug, *, action: str):
    """The community, for its active members: 404 when not visible, 403 (with why) otherwise."""
    community = get_object_or_404(Community.objects.visible_to(request.user), slug=slug)
    membership = membership_of(request.user, community)
    if not permissions.is_active_member(membership):
        reason, _joinable = permissions.why_not_active(membership, action=action)
        raise PermissionDenied(reason)
    return community


@login_required
@require_POST
def survey_settings(request, slug):
    community, _full = _community_for(request, slug, coordinators_only=True)
    form = SurveySettingsForm(request.POST)
    if form.is_valid():
        try:
            survey = survey_settings_save(actor=request.user, community=community, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if survey.enabled:
                messages.success(
                    request,
                    _("The value survey is on: %(cadence)s.") % {"cadence": survey.get_cadence_display().lower()},
                )
            else:
                messages.success(request, _("The value survey is off: nobody will be asked."))
            return redirect(reverse("communities:health", kwargs={"slug": community.slug}) + "#value-heading")
    messages.error(
        request,
        _("The survey settings were not saved: %(errors)s")
        % {"errors": " ".join(e for es in form.errors.values() for e in es)},
    )
    return redirect(reverse("communities:health", kwargs={"slug": community.slug}) + "#value-heading")


@login_required
def survey_link(request, token):
    """The email's link: signed for one member, community and period. Signed in as someone
    else, you answer for yourself (the link never signs anybody in)."""
    found = read_survey_token(token)
    if found is None:
        raise Http404("This survey link is not valid.")
    user_id, community_id, period = found
    community = get_object_or_404(Community.objects.visible_to(request.user), pk=community_id)
    if user_id != request.user.pk:
        messages.warning(request, _("That survey link was sent to another member: this is your own answer."))
    url = reverse("communities:value_survey", kwargs={"slug": community.slug, "period": period})
    rating = request.GET.get("rating", "")
    return redirect(f"{url}?rating={rating}" if rating.isdigit() else url)


@login_required
def survey_current(request, slug):
    community = _member_community(request, slug, action="answer its value survey")
    period = current_period(survey_of(community))
    if period is None:
        messages.info(request, _("%(name)s has no value survey running at the moment.") % {"name": community.name})
        return redirect(community.get_absolute_url())
    return redirect("communities:value_survey", slug=community.slug, period=period.name)


@login_required
def survey(request, slug, period):
    """A member's answer for one period: the form while the period is open (showing and
    changing an earlier answer), the answer alone once it has closed."""
    community = _member_community(request, slug, action="answer its value survey")
    found = parse_period(period)
    if found is None:
        raise Http404("No such survey period.")
    answer = (
        SurveyResponse.objects.filter(community=community, user=request.user, period=found.name)
        .select_related("story")
        .first()
    )
    story = getattr(answer, "story", None) if answer else None
    is_open = found.is_open(timezone.now().date())
    running = survey_of(community)
    if not answer and not (running and running.enabled):
        messages.info(request, _("%(name)s has no value survey running at the moment.") % {"name": community.name})
        return redirect(community.get_absolute_url())
    form = None
    if is_open:
        if request.method == "POST":
            form = SurveyAnswerForm(request.POST)
            if form.is_valid():
                try:
                    survey_answer_save(
                        actor=request.user,
                        community=community,
                        period=found.name,
                        rating=form.cleaned_data["rating"],
                        show_name=form.cleaned_data["show_name"],
                        **form.steps(),
                    )
                except ValidationError as error:
                    add_service_error(form, error)
                else:
                    messages.success(
                        request,
                        _("Thank you: your answer is saved. You can change it here until the end of %(period)s.")
                        % {"period": found.label},
                    )
                    return redirect("communities:value_survey", slug=community.slug, period=found.name)
        else:
            initial = {"show_name": story.show_name if story else False}
            if answer:
                initial["rating"] = answer.rating
            elif request.GET.get("rating", "") in {"1", "2", "3", "4", "5"}:
                initial["rating"] = int(request.GET["rating"])
            if story:
                initial.update({name: getattr(story, name) for name in form_steps()})
            form = SurveyAnswerForm(initial=initial)
    if story:
        decorate_stories([story], request.user)
    context = {"community": community, "period": found, "answer": answer, "story": story, "form": form}
    return render(request, "communities/value/survey.html", context, status=400 if form and form.errors else 200)


def form_steps() -> list[str]:
    return [name for name in StoryForm(require_story=False).fields if name != "show_name"]


@login_required
def story_new(request, slug):
    """ "This helped me": a story told at any time, linked to the thread or practice it came
    from (`?source=thread:12`), re-checked as visible to the member."""
    community = _member_community(request, slug, action="tell a value-creation story")
    raw_source = request.POST.get("source") or request.GET.get("source", "")
    source = parse_source(raw_source, request.user) if raw_source else None
    if raw_source and (source is None or source[2].community_id != community.pk):
        raise Http404("No such thread or practice here.")
    form = StoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            story_tell(
                actor=request.user,
                community=community,
                show_name=form.cleaned_data["show_name"],
                source=source[:2] if source else None,
                **form.steps(),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("Thank you for your story: it helps the coordinators see what the community is worth.")
            )
            return redirect(source[2].url if source else community.get_absolute_url())
    context = {
        "community": community,
        "form": form,
        "source": source[2] if source else None,
        "source_value": raw_source if source else "",
    }
    return render(request, "communities/value/story_form.html", context, status=400 if form.errors else 200)


@login_required
def stories(request, slug):
    """Every story of the community, furthest-reaching first (coordinators)."""
    community, _full = _community_for(request, slug, coordinators_only=True)
    page_obj = Paginator(
        ValueStory.objects.filter(community=community).select_related("author"), settings.PAGE_SIZE
    ).get_page(request.GET.get("page"))
    decorate_stories(list(page_obj), request.user)
    return render(request, "communities/value/stories.html", {"community": community, "page_obj": page_obj})


@login_required
@require_POST
def story_remove_view(request, slug, story_id):
    """Coordinators take down a story that does not belong (its author may too)."""
    community = get_object_or_404(Community.objects.visible_to(request.user), slug=slug)
    story = get_object_or_404(ValueStory.objects.filter(community=community), pk=story_id)
    story_remove(actor=request.user, story=story)
    messages.success(request, _("The story was removed."))
    return redirect("communities:value_stories", slug=community.slug)


@login_required
def matrix_csv(request, slug):
    """The value-creation matrix for the community's sponsors (coordinators only)."""
    community, _full = _community_for(request, slug, coordinators_only=True)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{community.slug}-value-matrix.csv"'
    patch_cache_control(response, private=True, no_store=True)
    writer = csv.writer(response)
    writer.writerow(MATRIX_HEADER)
    writer.writerows(matrix_rows(community, viewer=request.user, **value_inputs(community)))
    return response
