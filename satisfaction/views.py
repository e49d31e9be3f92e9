"""The two pages that record a rating without the API (docs/satisfaction.md), server-rendered in
Vietnamese, no JavaScript:

- `/danh-gia/<token>/` — the signed link of a notice: no login; a forged or expired token is a
  404 page; the rating is recorded with channel `link`.
- `/quay/danh-gia/<code>/` — the counter's kiosk: an official of the receiving centre or the
  handling agency, logged in (the dashboard's login page), opens the dossier's form on the
  counter's screen for the citizen to tap; recorded with channel `kiosk` and the official as
  the one who submitted it. Anonymous: to the login page; another agency's dossier: 404.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import DomainError, NotFound
from dossiers import permissions
from dossiers.models import Dossier

from . import services
from .models import Level, Rating, RatingChannel

LOGIN_URL = reverse_lazy("dashboard:login")
TEMPLATE = "satisfaction/rate.html"


def _form(request, dossier: Dossier, channel: str, submitted_by=None):
    context = {
        "dossier": dossier,
        "levels": Level.choices,
        "kiosk": channel == RatingChannel.KIOSK,
        "error": "",
        "done": None,
        "values": {},
    }
    existing = Rating.objects.filter(dossier=dossier).first()
    if existing is not None:
        context["done"] = existing
        context["already"] = True
        return render(request, TEMPLATE, context, status=409 if request.method == "POST" else 200)
    if not services.rateable(dossier):
        context["error"] = _(
            "Hồ sơ chưa thể đánh giá: chỉ đánh giá được sau khi đã trả kết quả hoặc từ chối."
        )
        return render(request, TEMPLATE, context, status=409)
    if request.method == "POST":
        values = {
            name: request.POST.get(name, "")
            for name in ("level", "comment_attitude", "comment_time", "comment_procedure")
        }
        context["values"] = values
        try:
            rating = services.record(dossier, channel=channel, submitted_by=submitted_by, **values)
        except DomainError as exc:
            context["error"] = str(exc.detail)
            return render(request, TEMPLATE, context, status=exc.status_code)
        context["done"] = rating
        context["thanks"] = True
        return render(request, TEMPLATE, context, status=201)
    return render(request, TEMPLATE, context)


@require_http_methods(["GET", "POST"])
def link_page(request, token: str):
    try:
        dossier = services.dossier_of_token(token)
    except NotFound as exc:
        return render(request, "satisfaction/invalid.html", {"error": exc.detail}, status=404)
    return _form(request, dossier, RatingChannel.LINK)


def _may_open_kiosk(dossier: Dossier, user) -> bool:
    return permissions.at_receiving_centre(dossier, user) or permissions.in_handling_agency(
        dossier, user
    )


@login_required(login_url=LOGIN_URL)
@require_http_methods(["GET", "POST"])
def kiosk_page(request, code: str):
    dossier = (
        Dossier.objects.select_related("applicant", "procedure", "handling_agency")
        .filter(code=code)
        .first()
    )
    if dossier is None or not _may_open_kiosk(dossier, request.user):
        raise Http404
    return _form(request, dossier, RatingChannel.KIOSK, submitted_by=request.user)
