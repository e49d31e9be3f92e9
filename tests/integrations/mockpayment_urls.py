"""A test URLconf: the project's routes plus a partner's notification endpoint that keeps what
the mock payment platform posts to it (tests/integrations/test_mockpayment.py)."""

import json

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as project_urlpatterns

RECEIVED: list[dict] = []


@csrf_exempt
def receive(request):
    RECEIVED.append(json.loads(request.body))
    return JsonResponse({"code": "00", "message": "ok"})


urlpatterns = [path("test-ipn/", receive), *project_urlpatterns]
