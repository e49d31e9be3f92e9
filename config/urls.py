from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import api_docs, errors
from monitoring import views as monitoring

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI and ReDoc from local, pinned files (drf-spectacular-sidecar): core/api_docs.py.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="schema", template_name="core/api_docs/swagger_ui.html"
        ),
        name="swagger-ui",
    ),
    path("api/redoc/", api_docs.redoc_page, name="redoc"),
    path("api/redoc/redoc.standalone.js", api_docs.redoc_bundle, name="redoc-bundle"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Prometheus (docs/operations.md "Metrics"): from METRICS_ALLOWED_NETWORKS or METRICS_TOKEN.
    path("metrics", monitoring.metrics, name="metrics"),
    path("dashboard/", include("indicators.dashboard.urls")),
    # The counter workspace for officials (docs/workspace.md).
    path("lam-viec/", include("workspace.urls")),
    # The citizens' VNeID login (OpenID Connect): start, callback, the app's ticket.
    path("vneid/", include("accounts.vneid.urls")),
    # The SMS and Zalo gateways' signed delivery receipts (no account: the signature).
    path("notifications/", include("notifications.urls")),
    # Public pages (tracking, e-result verification): no login.
    path("", include("satisfaction.urls")),
    # The service centre: kiosk, display board, ticket pages, counter panel, appointments.
    path("", include("servicecentre.urls")),
    path("", include("dossiers.public_urls")),
    path("", include("payments.public_urls")),
]
if settings.ONECUA_MOCKS:
    # The mocks of the national systems, only when they are on (settings ONECUA_MOCKS).
    urlpatterns.insert(0, path("mock-dvcqg/", include("integrations.mockportal.urls")))
    urlpatterns.insert(0, path("mock-payment/", include("integrations.mockpayment.urls")))
    urlpatterns.insert(0, path("mock-vneid/", include("integrations.mockvneid.urls")))
    urlpatterns.insert(0, path("mock-messaging/", include("integrations.mockmessaging.urls")))

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.not_found
handler500 = errors.server_error

admin.site.site_header = "onecua — Một cửa điện tử"
admin.site.site_title = "onecua"
admin.site.index_title = "Quản trị hệ thống"
