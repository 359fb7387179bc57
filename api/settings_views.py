"""/settings/api-tokens/: a member makes, sees and revokes their personal access tokens.

Works without JavaScript: the new token's secret is shown once, on the page the POST
answers (never in a redirect's URL, a message stored in the session, or a log)."""

from datetime import UTC, datetime, time

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from communities.forms import add_service_error

from .models import AccessToken, Scope
from .tokens import token_create, token_revoke


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80, help_text=_("What it is for, e.g. 'Intranet news box'."))
    scope = forms.ChoiceField(label=_("Scope"), choices=[], widget=forms.RadioSelect, initial=Scope.READ)
    expires_at = forms.DateField(
        label=_("Expires on (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for a token that works until you revoke it."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(Scope.READ.value, Scope.READ.label), (Scope.WRITE.value, Scope.WRITE.label)]
        if user.is_staff:
            choices.append((Scope.PROVISIONING.value, Scope.PROVISIONING.label))
        self.fields["scope"].choices = choices


def _page(request, form, *, new_secret=None, new_token=None, status=200):
    tokens = AccessToken.objects.filter(user=request.user, revoked_at=None).order_by("-created_at")
    context = {"form": form, "tokens": tokens, "new_secret": new_secret, "new_token": new_token}
    return render(request, "api/tokens.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    if request.method == "GET":
        return _page(request, TokenForm(user=request.user))
    form = TokenForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        expires_at = None
        if data["expires_at"] is not None:
            expires_at = datetime.combine(data["expires_at"], time.max, tzinfo=UTC)
        try:
            new = token_create(actor=request.user, name=data["name"], scope=data["scope"], expires_at=expires_at)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return _page(request, TokenForm(user=request.user), new_secret=new.secret, new_token=new.token)
    return _page(request, form, status=400)


@login_required
@require_POST
def token_revoke_view(request, token_id):
    token = get_object_or_404(AccessToken.objects.filter(user=request.user), pk=token_id)
    token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name})
    return redirect("api_tokens:list")
