"""URLconf of the mock gateways served alone (manage.py run_mock_messaging)."""

from django.urls import include, path

urlpatterns = [path("mock-messaging/", include("integrations.mockmessaging.urls"))]
