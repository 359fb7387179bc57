"""A member's email preferences, and unsubscribing from an email link without signing in."""

from django.http import HttpResponse


def notification_settings(request):
    return HttpResponse("todo")


def unsubscribe(request, token):
    return HttpResponse("todo")
