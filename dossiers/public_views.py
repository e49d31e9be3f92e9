"""Public pages (no login): the tracking page the receipt's QR code opens, and the
verification page the e-result's QR code opens. Server-rendered, Vietnamese, no personal
data."""

from django.core.cache import cache
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.errors import NotFound

from . import tracking
from .services import results

# Requests per client address per minute on the public pages.
PAGE_RATE = 60


def _limited(request, scope: str) -> bool:
    key = f"public-page:{scope}:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=60)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=60)
        count = 1
    return count > PAGE_RATE


@require_GET
def track_page(request):
    code = (request.GET.get("ma") or "").strip()[:64]
    id4 = (request.GET.get("so") or "").strip()[:4]
    context = {"code": code, "id4": id4, "result": None, "error": ""}
    if _limited(request, "track"):
        context["error"] = _("Quá nhiều yêu cầu; vui lòng thử lại sau ít phút.")
        return render(request, "public/track.html", context, status=429)
    if code and id4:
        try:
            dossier = tracking.lookup(code, id4)
        except tracking.TooManyAttempts:
            context["error"] = _("Tra cứu sai quá nhiều lần; vui lòng thử lại sau.")
            return render(request, "public/track.html", context, status=429)
        if dossier is None:
            context["error"] = _("Không tìm thấy hồ sơ với mã và 4 số cuối giấy tờ đã nhập.")
            return render(request, "public/track.html", context, status=404)
        context["result"] = tracking.public_view(dossier)
    return render(request, "public/track.html", context)


@require_GET
def verify_page(request, result_id):
    if _limited(request, "verify"):
        return render(
            request,
            "public/verify.html",
            {"error": _("Quá nhiều yêu cầu; vui lòng thử lại sau ít phút.")},
            status=429,
        )
    try:
        verification = results.verify_e_result(result_id)
    except NotFound:
        raise Http404 from None
    return render(request, "public/verify.html", {"v": verification, "result_id": result_id})
