"""The /manage/ admin site itself."""

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communities.models import Community
from communities.todos import to_dos_for

from .scoping import coordinated_communities


class CoordinatorAdminSite(admin.AdminSite):
    """/manage/: open to active users who coordinate a community, and to staff.

    Signing in happens on allauth's pages (email verification, rate limits), never on a
    second password form here; password changes go there too.
    """

    site_header = _("Coordinator panel")
    site_title = _("Coordinator panel")
    index_title = _("Your communities")
    index_template = "admin/manage_index.html"  # adds "Send me my digest now"

    def __init__(self, name="manage"):
        super().__init__(name)
        # Django's bulk delete would bypass the services; no coordinator admin offers it.
        self.disable_action("delete_selected")
        self._shortcuts = []

    def has_permission(self, request):
        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        return user.is_staff or user.is_superuser or bool(coordinated_communities(request))

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            # Signed in but coordinating nothing: sending them to sign in again would loop.
            raise PermissionDenied(gettext("The coordinator panel is for the coordinators of a community."))
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        return redirect_to_login(next_url, reverse("account_login"))

    def index(self, request, extra_context=None):
        """The apps list, with the coordinator's to-dos above it: the same counts and links
        as on their home page (communities.todos)."""
        ids = [pk for pk, _ in coordinated_communities(request)]
        communities = Community.objects.filter(pk__in=ids).only("pk", "name", "slug").order_by("name")
        return super().index(request, {"to_dos": to_dos_for(communities), **(extra_context or {})})

    def password_change(self, request, extra_context=None):
        return redirect("account_change_password")

    def password_change_done(self, request, extra_context=None):
        return redirect("account_change_password")

    def view_on_site(self, request, content_type_id, object_id):
        """Django's "view on site" redirect looks up any object of any type; here it only
        follows objects the user can open in this panel (no peeking at other communities'
        slugs or invitation links)."""
        try:
            model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
        except (ValueError, ContentType.DoesNotExist):
            raise Http404
        model_admin = self._registry.get(model)
        obj = model_admin.get_object(request, object_id) if model_admin else None
        if obj is None or not model_admin.has_view_permission(request, obj):
            raise Http404
        return shortcut(request, content_type_id, object_id)

    def get_urls(self):
        urls = [url for url in super().get_urls() if getattr(url, "name", None) != "view_on_site"]
        return [
            path(
                "r/<path:content_type_id>/<path:object_id>/",
                self.admin_view(self.view_on_site),
                name="view_on_site",
            ),
            *urls,
        ]

    def add_shortcut(self, model, *, name: str, query: dict) -> None:
        """List a filtered changelist of `model` beside the models on the index and in the
        sidebar, e.g. "Join requests" = memberships with state=pending."""
        self._shortcuts.append((model, name, query))

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        for app in app_list:
            entries = {entry["model"]: entry for entry in app["models"]}
            for model, name, query in self._shortcuts:
                entry = entries.get(model)
                if entry is None or not entry["admin_url"]:
                    continue
                app["models"].append(
                    {
                        **entry,
                        "name": name,
                        "object_name": "".join(name.split()),
                        "admin_url": f"{entry['admin_url']}?{urlencode(query)}",
                        "add_url": None,
                    }
                )
            app["models"].sort(key=lambda entry: entry["name"])
        return app_list


coordinator_site = CoordinatorAdminSite(name="manage")
