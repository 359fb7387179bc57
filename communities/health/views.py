"""The health pages: a community's dashboard (full for coordinators and staff, a summary for
active members), its CSV export, the lifecycle stage form, and staff's overview of all
communities. Thin: the figures come from dashboard.py, the writes from snapshots.py and
lifecycle.py."""

import csv
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import permissions
from ..forms import StageForm, add_service_error
from ..models import Community, HealthSnapshot
from ..services import membership_of
from ..value.forms import SurveySettingsForm
from .dashboard import dashboard
from .lifecycle import community_change_stage
from .metrics import FIGURES
from .snapshots import snapshot_take


def _community_for(request, slug, *, coordinators_only: bool):
    """The community and whether the viewer sees the full page. Not visible: 404; visible
    but neither an active member nor a coordinator (or not a coordinator when required): 403."""
    community = get_object_or_404(Community.objects.visible_to(request.user), slug=slug)
    membership = membership_of(request.user, community)
    full = permissions.can_coordinate(request.user, community, membership)
    if not full and (coordinators_only or not permissions.is_active_member(membership)):
        raise PermissionDenied(_("The health page is for this community's members; its details for coordinators."))
    return community, full


@login_required
def health(request, slug, *, stage_form=None):
    community, full = _community_for(request, slug, coordinators_only=False)
    context = {"community": community, "full": full, **dashboard(community, full=full, viewer=request.user)}
    if full:
        context["stage_form"] = stage_form or StageForm(initial={"stage": community.stage})
        survey = context["value"]["survey"]
        context["survey_form"] = SurveySettingsForm(
            initial={"enabled": survey.enabled, "cadence": survey.cadence} if survey else None
        )
    return render(request, "communities/health/page.html", context, status=400 if stage_form else 200)


@login_required
@require_POST
def change_stage(request, slug):
    community, _full = _community_for(request, slug, coordinators_only=True)
    form = StageForm(request.POST)
    if form.is_valid():
        try:
            community_change_stage(actor=request.user, community=community, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            community.refresh_from_db()
            messages.success(
                request,
                _("%(name)s is now in the %(stage)s stage.")
                % {"name": community.name, "stage": community.get_stage_display()},
            )
            return redirect("communities:health", slug=community.slug)
    return health(request, slug, stage_form=form)


@login_required
@require_POST
def refresh(request, slug):
    """Recompute today's figures now rather than wait for the night (coordinators)."""
    community, _full = _community_for(request, slug, coordinators_only=True)
    snapshot_take(community=community, day=timezone.now().date())
    messages.success(request, _("Today's figures are up to date."))
    return redirect("communities:health", slug=community.slug)


@login_required
def export_csv(request, slug):
    """Every daily snapshot of the community, one row per day, for a spreadsheet."""
    community, _full = _community_for(request, slug, coordinators_only=True)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{community.slug}-health.csv"'
    writer = csv.writer(response)
    names = [figure[0] for figure in FIGURES]
    writer.writerow(["day", *names])
    for day, figures in (
        HealthSnapshot.objects.filter(community=community).order_by("day").values_list("day", "figures")
    ):
        writer.writerow([day.isoformat(), *("" if figures.get(n) is None else figures[n] for n in names)])
    return response


@login_required
def overview(request):
    """Staff: every community's latest figures side by side (snapshots of the last week)."""
    if not request.user.is_staff:
        raise PermissionDenied(_("The health overview of all communities is for platform staff."))
    recent = timezone.now().date() - timedelta(days=7)
    page_obj = Paginator(Community.objects.order_by("name"), settings.PAGE_SIZE).get_page(request.GET.get("page"))
    latest = {}
    for snapshot in HealthSnapshot.objects.filter(community__in=list(page_obj), day__gte=recent).order_by("day"):
        latest[snapshot.community_id] = snapshot  # ordered by day: the last one wins
    rows = [(community, latest.get(community.pk)) for community in page_obj]
    return render(request, "communities/health/overview.html", {"page_obj": page_obj, "rows": rows})
