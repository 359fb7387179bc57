"""The member directory, profiles, and a member's own settings page."""

from collections import defaultdict

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from taggit.models import TaggedItem

from .directory_form import filter_fields_html
from .expertise import rank_members
from .forms import DirectoryFilterForm, ProfileForm
from .models import User
from .profile_sections import profile_sections_for
from .services import profile_update


def directory(request):
    """Members the viewer may see (visitors: public profiles only), filtered and paginated.
    With a topic ("who knows about"), the filtered members with evidence on it, best first,
    each with the reasons for their place."""
    profiles = User.objects.profiles_visible_to(request.user)
    form = DirectoryFilterForm(request.GET or None, profiles=profiles, viewer=request.user)
    results = form.filter(profiles)
    topic = form.asked_topic()
    if topic is None:
        page_obj = Paginator(results, settings.PAGE_SIZE).get_page(request.GET.get("page"))
        members = list(page_obj.object_list)
    else:
        ranked = rank_members(
            viewer=request.user, topic=topic, users=results, page=request.GET.get("page"), per_page=settings.PAGE_SIZE
        )
        page_obj = Paginator(ranked, settings.PAGE_SIZE).get_page(request.GET.get("page"))
        members = _ranked_page(page_obj.object_list, results)
    _with_expertise_tags(members)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/directory.html",
        {
            "form": form,
            "filter_fields": filter_fields_html(form),
            "page_obj": page_obj,
            "members": members,
            "topic": topic,
            "query": query.urlencode(),
        },
    )


def _ranked_page(candidates, profiles) -> list[User]:
    """The members of one page of ranked candidates, in rank order, with their reasons."""
    users = profiles.filter(pk__in=[candidate.user_id for candidate in candidates])
    by_id = {user.pk: user for user in users}
    page = []
    for candidate in candidates:
        if (user := by_id.get(candidate.user_id)) is not None:
            user.expertise_reasons = candidate.reason_texts
            page.append(user)
    return page


def _with_expertise_tags(members: list[User]) -> None:
    """`member.expertise_tags` (tag names) for each member of a directory page, in one narrow
    query: taggit's prefetch builds a manager and a queryset per member (about 5 ms a page)."""
    if not members:
        return
    names = defaultdict(list)
    rows = (
        TaggedItem.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id__in=[member.pk for member in members]
        )
        .order_by("pk")
        .values_list("object_id", "tag__name")
    )
    for member_id, name in rows:
        names[member_id].append(name)
    for member in members:
        member.expertise_tags = names[member.pk]


def profile(request, username):
    """A member's profile; 404 when the viewer may not see it, whether or not it exists."""
    member = get_object_or_404(
        User.objects.profiles_visible_to(request.user).prefetch_related("expertise"), username=username
    )
    return render(
        request,
        "members/profile.html",
        {
            "member": member,
            "is_own_profile": request.user.pk == member.pk,
            "sections": profile_sections_for(viewer=request.user, member=member),
        },
    )


@login_required
def settings_profile(request):
    """Edit your own profile. A refused photo or field re-shows the form with what you typed."""
    # A fresh row for the form, so a failed submit never shows half-applied values elsewhere
    # on the page (the header shows request.user's name).
    member = User.objects.get(pk=request.user.pk)
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=member)
        if form.is_valid():
            try:
                profile_update(actor=request.user, user=member, **form.service_kwargs())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Your profile has been saved."))
                return redirect("members:settings")
    else:
        form = ProfileForm(instance=member)
    # The "Two-factor authentication" section says what is set up (one small query).
    factors = set(Authenticator.objects.filter(user=member).values_list("type", flat=True))
    return render(request, "members/settings.html", {"form": form, "member": member, "second_factors": factors})
