"""The language a member reads the site and their email in.

The order, for pages: the signed-in member's own setting (User.language), else the language
cookie the switcher sets, else the browser's Accept-Language, else settings.LANGUAGE_CODE.
Django's LocaleMiddleware does the last three; `MemberLanguageMiddleware` (after
AuthenticationMiddleware) puts the member's setting first.

For email: `language_for(user)` (their setting, else LANGUAGE_CODE: a task has no browser to
ask), and every member email is rendered inside `translation.override(...)` of it
(members.mailing.render_member_email, cop_platform.email.render_templated_email's `language`);
batch builders run once per language (`prepared_in_each_language`, communities.outgoing).
Someone who signs up while reading another language than LANGUAGE_CODE keeps it as their
setting, so their email follows the language they chose on the site.
"""

from collections.abc import Callable, Iterable
from functools import wraps

from allauth.account.signals import user_signed_up
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpResponseNotAllowed
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views import i18n

# The fields' help texts (members/models.py, communities/models.py), translated.
MEMBER_LANGUAGE_HELP = _("The language of the pages and of the email we send you.")
COMMUNITY_LANGUAGE_HELP = _(
    "The language most of its discussions are written in: search then finds other forms of a word."
)


def language_choices() -> list[tuple[str, str]]:
    """The member's choices (the model field's, callable so LANGUAGES stays in settings):
    blank first, meaning "whatever my browser asks for"."""
    return [("", _("Your browser's language")), *settings.LANGUAGES]


def community_language_choices() -> list[tuple[str, str]]:
    """Community.language's choices: blank is the site's default language."""
    return [("", _("The site's default language")), *settings.LANGUAGES]


def offered(code: str | None) -> bool:
    return bool(code) and code in {language for language, _name in settings.LANGUAGES}


def language_for(user) -> str:
    """The language to write to `user` in: their setting when it is one we offer, else the
    site's default (LANGUAGE_CODE). Anonymous or None: the default."""
    chosen = getattr(user, "language", "") if user is not None else ""
    return chosen if offered(chosen) else settings.LANGUAGE_CODE


def override_for(user):
    """`with override_for(member):` everything rendered inside is in their language, and the
    language active before comes back afterwards (a task's next recipient starts clean)."""
    return translation.override(language_for(user))


def language_for_address(address: str, *, fallback=None) -> str:
    """The language to write to an address: its member's setting when the address is a
    member's, else `fallback`'s (a member, e.g. who sent an invitation), else LANGUAGE_CODE."""
    owner = get_user_model()._default_manager.filter(email__iexact=address).exclude(language="").first()
    return language_for(owner if owner is not None else fallback)


def override_for_address(address: str):
    """`with override_for_address(email):` the language of the member with that address when
    they chose one, else the active language (an account email sent from a page)."""
    owner = get_user_model()._default_manager.filter(email__iexact=address).exclude(language="").first()
    chosen = owner.language if owner is not None and offered(owner.language) else None
    return translation.override(chosen or translation.get_language())


def in_recipients_language(render):
    """Decorator for a function that builds one email for keyword argument `user`: everything
    it renders and computes is in that member's language (members.mailing.render_member_email)."""

    @wraps(render)
    def wrapper(*args, user, **kwargs):
        with override_for(user):
            return render(*args, user=user, **kwargs)

    return wrapper


def prepared_in_each_language(prepare: Callable[[list], dict], deliveries: Iterable) -> dict:
    """Run a batch email builder (`prepare(deliveries) -> {delivery id: email}`,
    communities.outgoing) once per recipient language, inside that language: the subjects,
    counts and labels it computes in Python are then each recipient's. One group, one call,
    when everyone reads the same language (as before)."""
    groups: dict[str, list] = {}
    for delivery in deliveries:
        groups.setdefault(language_for(delivery.recipient), []).append(delivery)
    prepared: dict = {}
    for language, group in groups.items():
        with translation.override(language):
            prepared.update(prepare(group))
    return prepared


class MemberLanguageMiddleware:
    """A signed-in member's own language setting wins over the cookie and the browser.

    Runs after AuthenticationMiddleware and inside LocaleMiddleware, whose response step then
    sets Content-Language from the language active here and adds Vary: Accept-Language (member
    pages vary on Cookie already: the session)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and offered(user.language):
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


def set_language(request):
    """The switcher's target: Django's set_language (the cookie, then back to `next`), and for a
    signed-in member also their setting, which would otherwise win over the cookie."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    response = i18n.set_language(request)
    code = request.POST.get(i18n.LANGUAGE_QUERY_PARAMETER, "")
    user = request.user
    if user.is_authenticated and offered(code) and translation.check_for_language(code) and user.language != code:
        user.language = code
        user.save(update_fields=["language"])
    return response


def remember_sign_up_language(sender, request, user, **kwargs):
    """Someone who signs up while reading the site in another language than LANGUAGE_CODE
    (switcher or browser) keeps it as their setting, so their email is in it too (a task has
    no browser to ask). They can change it in their settings."""
    current = translation.get_language()
    if not user.language and offered(current) and current != settings.LANGUAGE_CODE:
        user.language = current
        user.save(update_fields=["language"])


user_signed_up.connect(remember_sign_up_language, dispatch_uid="members-language-sign-up")
