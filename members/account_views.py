"""Deleting your own account (the service is members.account_deletion)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .account_deletion import account_delete, reasons_account_cannot_be_deleted


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To make sure it is really you."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that this cannot be undone."),
        error_messages={"required": _("Tick this box to confirm that you want to delete your account.")},
    )


@login_required
def account_delete_view(request):
    """GET explains what deleting keeps and removes; POST, with the password, deletes."""
    user = request.user
    form = AccountDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_delete(actor=user, user=user, password=form.cleaned_data["password"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            logout(request)
            messages.success(request, gettext("Your account has been deleted. Thank you for taking part."))
            return redirect("home")
    return render(
        request,
        "members/account_delete.html",
        {
            "form": form,
            "blockers": reasons_account_cannot_be_deleted(user),
            "has_password": user.has_usable_password(),
            "backup_days": settings.BACKUP_KEEP_DAYS,
        },
    )
