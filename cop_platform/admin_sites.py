"""The coordinator admin site at /manage/ (filled in by each app's admin.py)."""

from django.contrib import admin


class CoordinatorAdminSite(admin.AdminSite):
    site_header = "Coordinator panel"
    site_title = "Coordinator panel"
    index_title = "Your communities"


coordinator_site = CoordinatorAdminSite(name="manage")
