"""Tiếp nhận tại quầy in three screens (docs/workspace.md):

1. `/lam-viec/tiep-nhan/` — find the procedure (accent-insensitive search, live results by
   htmx; a plain form without JavaScript);
2. `/lam-viec/tiep-nhan/<procedure>/` — the applicant (pre-filled from the CCCD's QR code: a
   photo or scan of it, or the string a hand scanner types), the components checklist with
   originals and copies, a document of the applicant's data store instead of paper, the scans;
   "Tiếp nhận" calls `dossiers.services.counter_intake` (the one door), then attaches each scan
   through `dossiers.services.attach_file`;
3. `/lam-viec/tiep-nhan/xong/<code>/` — the code, the appointment, and the receipt slip
   (Mẫu 01, the dossiers' PDF) to print.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accesslog import recording
from accesslog.models import Purpose, ReadKind
from core.errors import DomainError
from documents import selectors as store
from documents.uploads import check_upload
from dossiers import access_log, selectors, services
from dossiers.models import ApplicantKind, Channel, Dossier, ReturnMethod
from procedures.models import Procedure
from procedures.selectors import published_procedures, search_procedures

from .. import cccd
from ..messages import describe
from .common import official_page

SEARCH_LIMIT = 15
STORE_LIMIT = 50


# --- screen 1 ------------------------------------------------------------------------------------
@require_GET
@official_page
def search(request):
    q = request.GET.get("q", "")[:200]
    results = []
    if q.strip():
        results = list(
            search_procedures(published_procedures(), q)
            .select_related("field")
            .order_by("-rank", "code")[:SEARCH_LIMIT]
        )
    context = {"nav": "intake", "q": q, "results": results, "searched": bool(q.strip())}
    if request.htmx:
        return render(request, "workspace/_procedure_results.html", context)
    return render(request, "workspace/intake_search.html", context)


# --- screen 2 ------------------------------------------------------------------------------------
class IntakeForm(forms.Form):
    qr_image = forms.FileField(
        label=gettext_lazy("Ảnh chụp hoặc ảnh quét mã QR trên thẻ căn cước"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png", "capture": "environment"}
        ),
    )
    qr_text = forms.CharField(
        label=gettext_lazy("Chuỗi mã QR (máy quét cầm tay)"),
        required=False,
        max_length=cccd.MAX_TEXT,
        widget=forms.TextInput(attrs={"accesskey": "q", "autocomplete": "off"}),
        help_text=gettext_lazy("Đặt con trỏ vào ô này rồi quét mã QR bằng máy quét cầm tay."),
    )
    kind = forms.TypedChoiceField(
        label=gettext_lazy("Loại đối tượng"),
        choices=ApplicantKind.choices,
        coerce=int,
        initial=ApplicantKind.CITIZEN,
    )
    full_name = forms.CharField(label=gettext_lazy("Họ tên / tên tổ chức"), max_length=300)
    personal_id = forms.CharField(
        label=gettext_lazy("Số định danh cá nhân (12 chữ số)"), max_length=12, required=False
    )
    tax_code = forms.CharField(
        label=gettext_lazy("Mã số thuế (tổ chức)"), max_length=14, required=False
    )
    phone = forms.CharField(label=gettext_lazy("Số điện thoại"), max_length=16, required=False)
    email = forms.EmailField(label=gettext_lazy("Thư điện tử"), required=False)
    address = forms.CharField(label=gettext_lazy("Địa chỉ"), max_length=500, required=False)
    summary = forms.CharField(label=gettext_lazy("Trích yếu"), max_length=1000)
    channel = forms.TypedChoiceField(
        label=gettext_lazy("Hình thức nộp"),
        coerce=int,
        choices=[(c.value, c.label) for c in (Channel.IN_PERSON, Channel.POST)],
        initial=Channel.IN_PERSON,
    )
    return_method = forms.ChoiceField(
        label=gettext_lazy("Nhận kết quả"),
        choices=ReturnMethod.choices,
        initial=ReturnMethod.COUNTER,
    )

    def __init__(self, *args, procedure: Procedure, store_documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.components = list(procedure.components.order_by("order"))
        store_choices = [("", _("— Không lấy từ kho —"))] + [
            (str(doc.pk), _store_label(doc)) for doc in store_documents if doc.is_valid_now
        ]
        self.rows = []
        for component in self.components:
            prefix = f"c{component.order}"
            self.fields[f"{prefix}_provided"] = forms.BooleanField(
                label=_("Đã nhận"), required=False
            )
            self.fields[f"{prefix}_originals"] = forms.IntegerField(
                label=_("Bản chính"),
                min_value=0,
                max_value=99,
                required=False,
                initial=component.originals,
            )
            self.fields[f"{prefix}_copies"] = forms.IntegerField(
                label=_("Bản sao"),
                min_value=0,
                max_value=99,
                required=False,
                initial=component.copies,
            )
            self.fields[f"{prefix}_scan"] = forms.FileField(
                label=_("Tệp quét (PDF, JPEG, PNG)"), required=False
            )
            names = ["provided", "originals", "copies", "scan"]
            if component.reusable and len(store_choices) > 1:
                self.fields[f"{prefix}_store"] = forms.ChoiceField(
                    label=_("Lấy từ kho dữ liệu"), choices=store_choices, required=False
                )
                names.append("store")
            self.rows.append(
                {
                    "component": component,
                    **{name: self[f"{prefix}_{name}"] for name in names},
                }
            )

    def component_items(self) -> list[dict]:
        items = []
        for component in self.components:
            prefix = f"c{component.order}"
            document = self.cleaned_data.get(f"{prefix}_store") or ""
            provided = self.cleaned_data[f"{prefix}_provided"] or bool(
                self.cleaned_data.get(f"{prefix}_scan")
            )
            if not provided and not document:
                continue
            originals = self.cleaned_data[f"{prefix}_originals"]
            copies = self.cleaned_data[f"{prefix}_copies"]
            item = {
                "order": component.order,
                "originals": component.originals if originals is None else originals,
                "copies": component.copies if copies is None else copies,
            }
            if document:
                item["store_document"] = int(document)
            items.append(item)
        return items

    def scans(self) -> list[tuple[int, object]]:
        return [
            (c.order, self.cleaned_data[f"c{c.order}_scan"])
            for c in self.components
            if self.cleaned_data.get(f"c{c.order}_scan")
        ]

    def applicant(self) -> dict:
        data = {
            name: self.cleaned_data[name]
            for name in (
                "kind",
                "full_name",
                "personal_id",
                "tax_code",
                "phone",
                "email",
                "address",
            )
        }
        return {name: value for name, value in data.items() if value not in ("", None)}


def _store_label(doc) -> str:
    parts = [doc.title]
    if doc.number:
        parts.append(_("số %(number)s") % {"number": doc.number})
    if doc.issued_on:
        parts.append(_("ngày %(date)s") % {"date": doc.issued_on.strftime("%d/%m/%Y")})
    if doc.issuer:
        parts.append(doc.issuer)
    return ", ".join(parts)


def _procedure(code: str) -> Procedure:
    procedure = published_procedures().filter(code=code).select_related("field").first()
    if procedure is None:
        raise Http404
    return procedure


def _store_documents(request, owner: str) -> list:
    """The applicant's data store, when the counter knows their number (the read is logged)."""
    if not owner:
        return []
    documents = list(store.store_of_owner(owner).order_by("-created_at")[:STORE_LIMIT])
    if documents:
        recording.record(
            request.user,
            ReadKind.STORE_DOCUMENT,
            Purpose.WORKSPACE_STORE,
            [recording.Subject(identifier=owner, object_id=str(doc.pk)) for doc in documents],
        )
    return documents


def _values(post) -> dict:
    """What was typed, as the form's initial values (a re-shown form without errors)."""
    values = {name: post.get(name) for name in post if not name.endswith("_provided")}
    for name in post:
        if name.endswith("_provided"):
            values[name] = True
    values.pop("csrfmiddlewaretoken", None)
    values.pop("qr_text", None)
    return values


def _read_card(request) -> cccd.CardData:
    image = request.FILES.get("qr_image")
    if image is not None:
        return cccd.read_image(image)
    return cccd.parse(request.POST.get("qr_text", ""))


@require_http_methods(["GET", "POST"])
@official_page
def intake(request, procedure_code: str):
    procedure = _procedure(procedure_code)
    context = {
        "nav": "intake",
        "procedure": procedure,
        "card": None,
        "card_error": "",
        "problem": None,
    }
    status = 200
    op = request.POST.get("op", "")
    if request.method == "POST" and op == "qr":
        values = _values(request.POST)
        try:
            card = _read_card(request)
        except cccd.CccdError as error:
            context["card_error"] = str(error)
            status = 422
        else:
            context["card"] = card
            values.update(card.applicant(), kind=ApplicantKind.CITIZEN)
        owner = values.get("personal_id") or values.get("tax_code") or ""
        form = IntakeForm(
            initial=values, procedure=procedure, store_documents=_store_documents(request, owner)
        )
        # Next: what the card does not hold (the phone), or the QR field again after an error.
        focus = "phone" if context["card"] else "qr_text"
        form.fields[focus].widget.attrs["autofocus"] = True
    elif request.method == "POST":
        owner = request.POST.get("personal_id") or request.POST.get("tax_code") or ""
        documents = _store_documents(request, owner.strip())
        form = IntakeForm(
            request.POST, request.FILES, procedure=procedure, store_documents=documents
        )
        if form.is_valid():
            try:
                dossier = _receive(request, form, procedure)
            except DomainError as error:
                context["problem"] = describe(error)
                status = error.status_code
            else:
                return redirect("workspace:intake-done", code=dossier.code)
        else:
            status = 400
    else:
        form = IntakeForm(initial={"summary": procedure.name[:1000]}, procedure=procedure)
    context["form"] = form
    return render(request, "workspace/intake_form.html", context, status=status)


def _receive(request, form: IntakeForm, procedure: Procedure) -> Dossier:
    scans = form.scans()
    for _order, upload in scans:
        # Refused before anything is written: a bad scan must not leave a half-made dossier.
        check_upload(upload)
        upload.seek(0)
    dossier = services.counter_intake(
        actor=request.user,
        procedure_code=procedure.code,
        applicant=form.applicant(),
        summary=form.cleaned_data["summary"],
        components=form.component_items(),
        channel=form.cleaned_data["channel"],
        return_method=form.cleaned_data["return_method"],
    )
    for order, upload in scans:
        try:
            services.attach_file(
                dossier=dossier.code, order=order, actor=request.user, upload=upload
            )
        except DomainError as error:
            # The dossier is received; the scan can be attached again from its page.
            messages.warning(
                request,
                _("Chưa đính kèm được tệp quét của thành phần %(order)s: %(reason)s")
                % {"order": order, "reason": error.detail},
            )
    return dossier


# --- screen 3 ------------------------------------------------------------------------------------
@require_GET
@official_page
def done(request, code: str):
    dossier = (
        selectors.with_related(selectors.visible_to(request.user))
        .prefetch_related("components")
        .filter(code=code, received_at__isnull=False)
        .first()
    )
    if dossier is None:
        raise Http404
    access_log.record(request.user, [dossier], ReadKind.DOSSIER_DETAIL, Purpose.WORKSPACE_DOSSIER)
    context = {
        "nav": "intake",
        "dossier": dossier,
        "slip": selectors.receipt_slip(dossier),
        "receipt_url": reverse("dossier-form", kwargs={"code": dossier.code, "number": "01"}),
    }
    return render(request, "workspace/intake_done.html", context)
