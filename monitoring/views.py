"""GET /metrics: the Prometheus exposition (docs/operations.md "Metrics"). Allowed from the
networks of METRICS_ALLOWED_NETWORKS (default 127.0.0.1/32), or with the bearer token METRICS_TOKEN;
anyone else gets 404 (403 for a wrong token), as if there were nothing here."""

import hmac
import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from accounts.network import client_ip

from .metrics import exposition


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]):
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def _from_allowed_network(request) -> bool:
    address = client_ip(request)
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _networks(tuple(settings.METRICS_ALLOWED_NETWORKS)))


@require_GET
def metrics(request):
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _, token = header.partition(" ")
        expected = settings.METRICS_TOKEN
        if (
            scheme.lower() != "bearer"
            or not expected
            or not hmac.compare_digest(token.strip().encode(), expected.encode())
        ):
            raise PermissionDenied
    elif not _from_allowed_network(request):
        raise Http404
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
