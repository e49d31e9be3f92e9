"""Where a request comes from, by one rule for the login throttle and the lockout, and the
centres' allow-listed networks (docs/accounts.md, "Lockout").

The client's address is REST framework's: the socket's address (REMOTE_ADDR), or, behind
NUM_PROXIES proxies, the address the outermost of them saw (that many hops from the right of
X-Forwarded-For). A header the client writes itself is never believed: with NUM_PROXIES = 0 it is
ignored, and behind one proxy the client's own X-Forwarded-For entries sit left of the address
the proxy appends. django-axes asks `client_ip` (AXES_CLIENT_IP_CALLABLE), so a lockout is placed
on the same address that the throttles count.

ONECUA_CENTRE_NETWORKS lists the public networks of the service centres, whose counters share
one address. From them, the login is not throttled by address (a centre's morning logins are not
one client hammering the endpoint); the lockout stays per username and address everywhere, so
at a centre a colleague's mistakes lock only their own username there.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from rest_framework.throttling import BaseThrottle

_IDENT = BaseThrottle()


def client_ip(request) -> str | None:
    """The client's address (a Django or REST framework request), as the throttles see it; the
    socket's when what the proxies passed on is no address."""
    candidate = _IDENT.get_ident(request)
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return request.META.get("REMOTE_ADDR")


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def in_centre_network(address: str | None) -> bool:
    """Whether `address` is in one of the centres' networks (ONECUA_CENTRE_NETWORKS)."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.ONECUA_CENTRE_NETWORKS)))
