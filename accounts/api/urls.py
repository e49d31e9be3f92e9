from django.urls import path

from .auth import LoginView, LogoutAllView, LogoutView, MeView
from .otp import OtpStatusView, RecoveryCodesView, TotpConfirmView, TotpView
from .token_views import TokenDetailView, TokenListView
from .vneid import VneidTokenView

urlpatterns = [
    path("auth/login/", LoginView.as_view(), name="auth-login"),
    path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all/", LogoutAllView.as_view(), name="auth-logout-all"),
    path("auth/vneid/token/", VneidTokenView.as_view(), name="auth-vneid-token"),
    path("auth/me/", MeView.as_view(), name="auth-me"),
    path("auth/tokens/", TokenListView.as_view(), name="auth-tokens"),
    path("auth/tokens/<int:token_id>/", TokenDetailView.as_view(), name="auth-token"),
    path("auth/otp/", OtpStatusView.as_view(), name="auth-otp"),
    path("auth/otp/totp/", TotpView.as_view(), name="auth-otp-totp"),
    path("auth/otp/totp/confirm/", TotpConfirmView.as_view(), name="auth-otp-totp-confirm"),
    path("auth/otp/recovery-codes/", RecoveryCodesView.as_view(), name="auth-otp-recovery-codes"),
]
