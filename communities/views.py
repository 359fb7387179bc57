"""The member-facing community pages: directory, community home, joining, members, invitations.

Thin views: every read starts from the visibility policy (404 for what the viewer may not
see), every write is a service call (PermissionDenied becomes the 403 page, ValidationError a
message or a form error). Join and leave answer htmx requests with the membership block only.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from members.email_views import masked_email

from . import permissions, selectors, services
from .forms import CommunityEditForm, CommunityForm, DirectoryFilterForm, InviteForm, JoinRequestForm, add_service_error
from .models import Community, Invitation, JoinPolicy, Membership, MembershipState, Role
from .sections import sections_for

STATUS_PARTIAL = "communities/partials/_membership_status.html"


def _visible_community(request, slug) -> Community:
    return get_object_or_404(Community.objects.visible_to(request.user), slug=slug)


def _page(request, queryset):
    return Paginator(queryset, settings.PAGE_SIZE).get_page(request.GET.get("page"))


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _status_context(request, community, membership, **extra) -> dict:
    """What the membership block (_membership_status.html) needs to pick its button."""
    user = request.user
    return {
        "community": community,
        "membership": membership,
        "can_join": permissions.can_join_directly(user, community, membership),
        "can_request": permissions.can_request_to_join(user, community, membership),
        "can_coordinate": permissions.can_coordinate(user, community, membership),
        "request_form": JoinRequestForm(),
        **extra,
    }


def _require_coordinator(request, community) -> Membership | None:
    """The viewer's membership, after making sure they may coordinate `community` (403 if not)."""
    membership = services.membership_of(request.user, community)
    if not permissions.can_coordinate(request.user, community, membership):
        raise PermissionDenied(_("Only this community's coordinators can do that."))
    return membership


def _membership_response(request, community, *, notice: str, level: str = "success"):
    """After join/leave: the membership block for htmx, otherwise a flash message and a
    redirect back to the community (or home, when the community is no longer visible)."""
    community = Community.objects.visible_to(request.user).filter(pk=community.pk).first()
    if community is not None and request.htmx:
        membership = services.membership_of(request.user, community)
        context = _status_context(request, community, membership, notice=notice, notice_level=level)
        return render(request, STATUS_PARTIAL, context)
    messages.add_message(request, messages.ERROR if level == "error" else messages.SUCCESS, notice)
    if community is None:  # left a hidden community: its page is now a 404 for them
        return HttpResponseClientRedirect(reverse("home")) if request.htmx else redirect("home")
    return redirect(community)


# --- Directory and community pages ------------------------------------------------------------


def directory(request):
    """All communities the viewer may know about, searchable and filtered."""
    form = DirectoryFilterForm(request.GET or None)
    page_obj = _page(request, selectors.directory_for(request.user, **form.filters()))
    query = request.GET.copy()
    query.pop("page", None)
    for name in [name for name, value in query.items() if not value]:
        query.pop(name)
    return render(
        request,
        "communities/directory.html",
        {
            "form": form,
            "page_obj": page_obj,
            "query": query.urlencode(),
            "filtered": bool(query),
            "communities": selectors.with_viewer_state(request.user, page_obj),
            "can_create": permissions.can_create_community(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    if not permissions.can_create_community(request.user):
        raise PermissionDenied(_("Only platform staff can create communities here. Ask them to set one up for you."))
    form = CommunityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            community = services.community_create(actor=request.user, **form.charter())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("%(name)s is created and you are its coordinator. Invite people!") % {"name": community.name}
            )
            return redirect(community)
    return render(request, "communities/form.html", {"form": form}, status=400 if form.errors else 200)


def detail(request, slug):
    """The community home: its charter for everyone who may know it exists, the viewer's
    membership with the right button, and a note when the content is for members only."""
    community = _visible_community(request, slug)
    membership = services.membership_of(request.user, community)
    if request.user.is_authenticated:
        # The sections (discussions, library, webhooks) ask membership_of again: they get this
        # row instead of a query each. The page changes nothing, and the memo dies with request.user.
        services.remember_membership(request.user, community, membership)
    context = _status_context(request, community, membership)
    can_view_content = permissions.can_view_content(request.user, community, membership)
    context.update(
        coordinators=selectors.coordinators_of(community),
        can_view_content=can_view_content,
        sections=sections_for(community, request.user) if can_view_content else [],
    )
    return render(request, "communities/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, slug):
    community = _visible_community(request, slug)
    _require_coordinator(request, community)
    if request.method == "POST":
        form = CommunityEditForm(request.POST)
        if form.is_valid():
            try:
                services.community_update(actor=request.user, community=community, **form.charter())
            except ValidationError as error:
                community.refresh_from_db()  # the service set the typed values on it
                add_service_error(form, error)
            else:
                messages.success(request, _("The charter is saved."))
                return redirect(community)
    else:
        initial = {name: getattr(community, name) for name in CommunityEditForm.Meta.fields if name != "tags"}
        form = CommunityEditForm(initial={**initial, "tags": list(community.tags.all())})
    return render(
        request, "communities/form.html", {"form": form, "community": community}, status=400 if form.errors else 200
    )


# --- Joining and leaving ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def join(request, slug):
    """POST joins an open community, sends a join request (with its optional message) or
    accepts an invitation; GET shows the request form of a community that needs approval."""
    community = _visible_community(request, slug)
    membership = services.membership_of(request.user, community)
    if request.method == "GET":
        if community.join_policy == JoinPolicy.APPROVAL and membership is None:
            return render(request, "communities/join.html", {"community": community, "form": JoinRequestForm()})
        return redirect(community)
    form = JoinRequestForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            context = _status_context(request, community, membership, request_form=form)
            return render(request, STATUS_PARTIAL, context)
        return render(request, "communities/join.html", {"community": community, "form": form}, status=400)
    already = membership is not None and membership.state in (MembershipState.ACTIVE, MembershipState.PENDING)
    membership = services.membership_join(actor=request.user, community=community, message=form.cleaned_data["message"])
    if already:
        notice = _("Nothing changed: you already have a membership or a request here.")
    elif membership.state == MembershipState.PENDING:
        notice = _("Your request to join %(name)s is sent. The coordinators will answer soon.") % {
            "name": community.name
        }
    else:
        notice = _("Welcome to %(name)s! You are now a member.") % {"name": community.name}
    return _membership_response(request, community, notice=notice)


@login_required
@require_POST
def leave(request, slug):
    """Leave, withdraw a join request, or turn down an invitation (whichever the viewer has)."""
    community = _visible_community(request, slug)
    membership = services.membership_of(request.user, community)
    try:
        services.membership_leave(actor=request.user, community=community)
    except ValidationError as error:
        return _membership_response(request, community, notice=_error_text(error), level="error")
    if membership is None:
        notice = _("You are not a member of %(name)s.") % {"name": community.name}
    elif membership.state == MembershipState.PENDING:
        notice = _("Your join request is withdrawn.")
    elif membership.state == MembershipState.INVITED:
        notice = _("You declined the invitation to %(name)s.") % {"name": community.name}
    else:
        notice = _("You left %(name)s.") % {"name": community.name}
    return _membership_response(request, community, notice=notice)


# --- Members and coordination -----------------------------------------------------------------


def _render_members(request, community, membership, *, invite_form=None, status=200):
    can_coordinate = permissions.can_coordinate(request.user, community, membership)
    context = {
        "community": community,
        "membership": membership,
        "page_obj": _page(request, selectors.active_members(community, request.user)),
        "can_coordinate": can_coordinate,
    }
    if can_coordinate:
        context.update(selectors.coordination_lists(community), invite_form=invite_form or InviteForm())
    return render(request, "communities/members.html", context, status=status)


def members(request, slug):
    """The member list, where the content is visible to the viewer (404 otherwise, like the
    content itself); coordinators also work through requests, invitations and bans here."""
    community = _visible_community(request, slug)
    membership = services.membership_of(request.user, community)
    if not permissions.can_view_content(request.user, community, membership):
        raise Http404("No member list to show.")
    return _render_members(request, community, membership)


# action -> (service call, message on success); each service checks the permission again.
MEMBER_ACTIONS = {
    "approve": (
        lambda actor, m: services.membership_approve(actor=actor, membership=m),
        gettext_lazy("%(name)s is now a member. They have been told by email."),
    ),
    "decline": (
        lambda actor, m: services.membership_decline(actor=actor, membership=m),
        gettext_lazy("%(name)s's join request is declined. They have been told by email."),
    ),
    "promote": (
        lambda actor, m: services.membership_set_role(actor=actor, membership=m, role=Role.COORDINATOR),
        gettext_lazy("%(name)s is now a coordinator."),
    ),
    "demote": (
        lambda actor, m: services.membership_set_role(actor=actor, membership=m, role=Role.MEMBER),
        gettext_lazy("%(name)s is no longer a coordinator."),
    ),
    "remove": (
        lambda actor, m: services.membership_remove(actor=actor, membership=m),
        gettext_lazy("%(name)s is removed from the community. They may join again."),
    ),
    "ban": (
        lambda actor, m: services.membership_ban(actor=actor, community=m.community, user=m.user),
        gettext_lazy("%(name)s is banned from the community."),
    ),
    "unban": (
        lambda actor, m: services.membership_unban(actor=actor, membership=m),
        gettext_lazy("The ban on %(name)s is lifted. They may join again."),
    ),
}


@login_required
@require_POST
def member_action(request, slug, membership_id, action):
    if action not in MEMBER_ACTIONS:
        raise Http404("Unknown action.")
    community = _visible_community(request, slug)
    _require_coordinator(request, community)
    target = get_object_or_404(
        Membership.objects.select_related("user", "community"), pk=membership_id, community=community
    )
    perform, done = MEMBER_ACTIONS[action]
    try:
        perform(request.user, target)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, str(done) % {"name": target.user.name})
    return redirect("communities:members", slug=community.slug)


@login_required
@require_POST
def invite(request, slug):
    """Invite someone by email; errors (already a member, banned, a bad address) show next to
    the field on the members page, with what was typed."""
    community = _visible_community(request, slug)
    membership = _require_coordinator(request, community)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(actor=request.user, community=community, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("communities:members", slug=community.slug)
    return _render_members(request, community, membership, invite_form=form, status=400)


@login_required
@require_POST
def invitation_revoke(request, slug, invitation_id):
    community = _visible_community(request, slug)
    _require_coordinator(request, community)
    invitation = get_object_or_404(community.invitations.select_related("community"), pk=invitation_id)
    services.invitation_revoke(actor=request.user, invitation=invitation)
    messages.success(request, _("The invitation for %(email)s is withdrawn.") % {"email": invitation.email})
    return redirect("communities:members", slug=community.slug)


# --- Answering an invitation ------------------------------------------------------------------


def _invitation_closed(request, invitation):
    """The page for a link that no longer works: 404 for an unknown token, 410 for one that
    was used, withdrawn or has expired, saying what to do next."""
    if invitation is None:
        return render(request, "communities/invitation_closed.html", {"reason": "unknown"}, status=404)
    if invitation.accepted_at is not None:
        reason = "used"
    elif invitation.revoked_at is not None:
        reason = "revoked"
    else:
        reason = "expired"
    # Name the community only to people who may know it exists.
    community = Community.objects.visible_to(request.user).filter(pk=invitation.community_id).first()
    membership = services.membership_of(request.user, community) if community else None
    context = {"reason": reason, "community": community, "membership": membership}
    return render(request, "communities/invitation_closed.html", context, status=410)


@require_http_methods(["GET", "POST"])
def invitation(request, token):
    """An invitation link from an email. GET shows the community and Accept / Decline (or the
    way through sign-up and back); POST accepts or declines."""
    invitation = Invitation.objects.select_related("community", "invited_by").filter(token=token).first()
    if invitation is None or not invitation.is_open:
        return _invitation_closed(request, invitation)
    community = invitation.community
    if request.method == "POST":
        declining = request.POST.get("action") == "decline"
        if not declining and not request.user.is_authenticated:
            return redirect_to_login(request.path)
        try:
            if declining:
                services.invitation_decline(actor=request.user, token=token)
            else:
                services.invitation_accept(actor=request.user, token=token)
        except ValidationError:  # used, withdrawn or expired a moment ago
            invitation.refresh_from_db()
            return _invitation_closed(request, invitation)
        except PermissionDenied as refusal:  # signed in with another address, or banned
            messages.error(request, str(refusal))
            return redirect(invitation)
        if declining:
            messages.success(request, _("You declined the invitation to %(name)s.") % {"name": community.name})
            return redirect("home")
        messages.success(request, _("Welcome to %(name)s! You are now a member.") % {"name": community.name})
        return redirect(community)
    # Full address only for the invitee signed in with it: the link may have been forwarded.
    is_invitee = services.is_invitee(request.user, invitation)
    return render(
        request,
        "communities/invitation.html",
        {
            "invitation": invitation,
            "community": community,
            "membership": services.membership_of(request.user, community),
            "is_invitee": is_invitee,
            "invited_address": invitation.email if is_invitee else masked_email(invitation.email),
        },
    )
