"""The admin console's site: Django's, with a second factor (accounts/twofactor.py).

Its login form asks for the code of anyone who enrolled an authenticator, and, when
ONECUA_REQUIRE_2FA is on, of every staff user; the console then lets in only sessions whose
login passed the code (django-otp's OTPMiddleware keeps the device in the session).
"""

from django.contrib import admin

from . import twofactor
from .forms import AdminLoginForm


class AdminSite(admin.AdminSite):
    login_form = AdminLoginForm
    login_template = "accounts/admin_login.html"

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        return not twofactor.required_in_console(request.user) or twofactor.session_is_verified(
            request
        )
