"""Token authentication whose tokens expire (DRF's own never do)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


def is_expired(token) -> bool:
    lifetime = timedelta(hours=settings.API_TOKEN_HOURS)
    return token.created < timezone.now() - lifetime


class ExpiringTokenAuthentication(TokenAuthentication):
    """A token is valid for settings.API_TOKEN_HOURS after login; then log in again."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if is_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed(_("Phiên đăng nhập đã hết hạn."))
        return user, token
