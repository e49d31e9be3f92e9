from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Tài khoản")
    default = True


class AdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, whose default site (`admin.site`) asks for a second factor
    (accounts/admin_site.py). Installed in its place (settings.INSTALLED_APPS)."""

    default = False
    default_site = "accounts.admin_site.AdminSite"
