"""events-life's pages: recording attendance, and linking materials to an occurrence. Thin: the
rules are in events.attendance and events.harvest. (Reminder choices are on events-core's
/settings/calendar/.)"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities.forms import add_service_error

from .attendance import attendance_list, attendance_record, can_record_attendance
from .forms_life import AttendanceForm, MaterialForm
from .harvest import link_choices, material_link, material_unlink
from .models import Occurrence
from .models_life import EventMaterial
from .reminders import zone_of


def _occurrence(request, slug, event_id, occurrence_id) -> Occurrence:
    """The occurrence, through the events' visibility policy: 404 for anyone who may not see it."""
    return get_object_or_404(
        Occurrence.objects.visible_to(request.user).select_related("event__community"),
        pk=occurrence_id,
        event_id=event_id,
        event__community__slug=slug,
    )


@login_required
def attendance(request, slug, event_id, occurrence_id):
    occurrence = _occurrence(request, slug, event_id, occurrence_id)
    if not can_record_attendance(request.user, occurrence):
        raise PermissionDenied(_("Only the event's organiser and the community's coordinators record attendance."))
    rsvps = attendance_list(occurrence)
    if occurrence.attendance_recorded_at:
        initial = [r.user_id for r in rsvps if r.attended]
    else:  # first time: those who said they were going are ticked, to untick who did not come
        initial = [r.user_id for r in rsvps if r.response == "going"]
    form = AttendanceForm(request.POST or None, rsvps=rsvps, initial={"attended": initial})
    if request.method == "POST" and form.is_valid():
        try:
            attendance_record(
                actor=request.user,
                occurrence=occurrence,
                attended_ids=form.cleaned_data["attended"],
                added_usernames=form.usernames(),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Attendance recorded."))
            return redirect(occurrence.get_absolute_url())
    context = {
        "occurrence": occurrence,
        "event": occurrence.event,
        "community": occurrence.event.community,
        "form": form,
        "zone": zone_of(request.user),
    }
    return render(request, "events/attendance.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def material_add(request, slug, event_id, occurrence_id):
    occurrence = _occurrence(request, slug, event_id, occurrence_id)
    form = MaterialForm(request.POST, choices=link_choices(request.user, occurrence))
    if form.is_valid():
        kind, object_id = form.kind_and_id()
        try:
            material_link(actor=request.user, occurrence=occurrence, kind_name=kind, object_id=object_id)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Linked to this event."))
    else:
        messages.error(request, _("Choose a resource from the library to link."))
    return redirect(f"{occurrence.get_absolute_url()}#harvest-heading")


@login_required
@require_POST
def material_remove(request, slug, event_id, occurrence_id, material_id):
    occurrence = _occurrence(request, slug, event_id, occurrence_id)
    material = get_object_or_404(
        EventMaterial.objects.select_related("occurrence__event"), pk=material_id, occurrence=occurrence
    )
    material_unlink(actor=request.user, material=material)
    messages.success(request, _("Removed from this event (it stays in the library)."))
    return redirect(f"{occurrence.get_absolute_url()}#harvest-heading")
