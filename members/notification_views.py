"""The member's notifications page (/notifications/)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .models import Notification
from .notifications import notifications_mark_read, visible_notifications


@login_required
def notification_list(request):
    notifications = Notification.objects.filter(recipient=request.user).select_related("actor", "target_type")
    page = Paginator(notifications, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    shown = visible_notifications(request.user, page.object_list)
    return render(request, "members/notifications.html", {"page_obj": page, "notifications": shown})


@login_required
def notification_open(request, notification_id: int):
    """Mark one notification read and go to what it is about, if it is still visible."""
    notification = get_object_or_404(Notification, pk=notification_id, recipient=request.user)
    if not visible_notifications(request.user, [notification]):
        raise Http404("This is no longer available to you.")
    notifications_mark_read(actor=request.user, ids=[notification.pk])
    return redirect(notification.url)


@login_required
@require_POST
def notifications_read_all(request):
    notifications_mark_read(actor=request.user)
    return redirect("members:notifications")
