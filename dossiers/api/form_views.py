"""The official forms as files: Mẫu 01–06 of one dossier, and the logbook (Mẫu 07).

The files are plain Django responses (PDF bytes, or streamed CSV); errors stay problem+json.
A client that asks for the file's type only (``Accept: application/pdf``) still gets its
errors, as JSON, from the file renderers below.
"""

from __future__ import annotations

import json

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.roles import Role
from core.errors import Forbidden, NotFound
from core.replica import iterate_from_replica, reading_from_replica

from .. import access_log, paperwork, selectors
from ..access_log import Purpose, ReadKind
from ..paperwork import logbook


# --- renderers and negotiation ---------------------------------------------------------------
class _FileRenderer(BaseRenderer):
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes | bytearray):
            return bytes(data)
        # A problem (dict) for a client that accepted only the file type.
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


class PDFRenderer(_FileRenderer):
    media_type = "application/pdf"
    format = "pdf"


class CSVRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class _NoFormatOverride:
    """DRF's settings, except that `?format=` is not the renderer override."""

    URL_FORMAT_OVERRIDE = None

    def __getattr__(self, name):
        return getattr(api_settings, name)


class QueryFormatNegotiation(DefaultContentNegotiation):
    """`format` (pdf|csv) is the logbook's own parameter, validated by the service: DRF must
    not read it as a renderer choice (which would answer an unknown value with a bare 404).
    The files are chosen by the views, never by `?format=`; `Accept` still picks how errors
    are written."""

    settings = _NoFormatOverride()


def _attachment(response, filename: str):
    response["Content-Disposition"] = content_disposition_header(True, filename)
    # Personal data: never kept by shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


def _visible_dossier(request, code: str):
    dossier = (
        selectors.with_related(selectors.visible_to(request.user))
        .select_related(
            "receiving_agency__parent",
            "receiving_agency__unit",
            "handling_agency__parent",
            "handling_agency__unit",
        )
        .filter(code=code)
        .first()
    )
    if dossier is None:
        raise NotFound(_("Không tìm thấy hồ sơ."))
    return dossier


# --- Mẫu 01–06 ---------------------------------------------------------------------------------
class FormInfoSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="Số hiệu mẫu theo Thông tư 03/2025/TT-VPCP (01–06).")
    title = serializers.CharField()
    available = serializers.BooleanField(
        help_text="Biểu mẫu có áp dụng cho hồ sơ ở tình trạng hiện tại hay không."
    )
    url = serializers.URLField(help_text="Địa chỉ tải tệp PDF.")


@extend_schema(
    tags=["forms"],
    summary="Danh sách biểu mẫu của hồ sơ (Mẫu 01–06) và biểu mẫu nào đang áp dụng",
    responses={
        200: FormInfoSerializer(many=True),
        404: OpenApiResponse(description="Không tìm thấy hồ sơ (hoặc không có quyền xem)."),
    },
)
class DossierFormListView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request, code: str):
        dossier = _visible_dossier(request, code)
        available = set(paperwork.available_forms(dossier))
        items = [
            {
                "number": number,
                "title": str(title),
                "available": number in available,
                "url": request.build_absolute_uri(
                    reverse("dossier-form", kwargs={"code": dossier.code, "number": number})
                ),
            }
            for number, title in paperwork.FORMS.items()
        ]
        return Response(FormInfoSerializer(items, many=True).data)


@extend_schema(
    tags=["forms"],
    summary="Tải biểu mẫu của hồ sơ dạng PDF (Mẫu 01–06)",
    description=(
        "01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả · 02 Phiếu yêu cầu bổ sung, hoàn thiện hồ "
        "sơ · 03 Phiếu từ chối tiếp nhận giải quyết hồ sơ · 04 Phiếu xin lỗi và hẹn lại ngày "
        "trả kết quả · 05 Thông báo dừng xử lý hồ sơ · 06 Phiếu kiểm soát quá trình giải quyết "
        "hồ sơ. Quyền xem như chi tiết hồ sơ."
    ),
    parameters=[
        OpenApiParameter(
            "number",
            OpenApiTypes.STR,
            OpenApiParameter.PATH,
            enum=list(paperwork.FORMS),
            description="Số hiệu mẫu.",
        ),
        # Not DRF's renderer override here (see QueryFormatNegotiation).
        OpenApiParameter("format", exclude=True),
    ],
    responses={
        (200, "application/pdf"): OpenApiResponse(
            OpenApiTypes.BINARY, description="Tệp PDF (tải về, tên mau-<số>-<mã hồ sơ>.pdf)."
        ),
        404: OpenApiResponse(description="Không tìm thấy hồ sơ hoặc không có biểu mẫu số này."),
        409: OpenApiResponse(
            description="form_not_applicable: biểu mẫu không áp dụng cho hồ sơ lúc này."
        ),
    },
)
class DossierFormView(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, PDFRenderer]
    content_negotiation_class = QueryFormatNegotiation

    def get(self, request, code: str, number: str):
        dossier = _visible_dossier(request, code)
        content = paperwork.render_form(
            number, dossier, citizen_view=getattr(request.user, "role", None) == Role.CITIZEN
        )
        access_log.record(request.user, [dossier], ReadKind.FORM, Purpose.API_FORM, number)
        response = HttpResponse(content, content_type="application/pdf")
        return _attachment(response, paperwork.form_filename(number, dossier))


# --- Mẫu 07 ----------------------------------------------------------------------------------
_LOGBOOK_FILE = "Sổ theo dõi: PDF (format=pdf) hoặc CSV UTF-8 có BOM (format=csv), tải về."


@extend_schema(
    tags=["reports"],
    summary="Sổ theo dõi hồ sơ (Mẫu 07) của một cơ quan tiếp nhận, theo khoảng ngày (PDF/CSV)",
    description=(
        "Hồ sơ do cơ quan tiếp nhận (receiving_agency) có thời điểm tiếp nhận trong khoảng ngày "
        f"(giờ Việt Nam, tính cả hai đầu, tối đa {logbook.MAX_RANGE_DAYS} ngày). Quản trị hệ "
        "thống xem mọi cơ quan; cán bộ tiếp nhận, chuyên viên, lãnh đạo xem cơ quan của mình. "
        f"Bản PDF tối đa {logbook.PDF_MAX_ROWS} dòng; tệp CSV (UTF-8 có BOM) không giới hạn và "
        "được truyền dần."
    ),
    parameters=[
        OpenApiParameter("agency", str, required=True, description="Mã định danh cơ quan."),
        OpenApiParameter("date_from", OpenApiTypes.DATE, required=True, description="Từ ngày."),
        OpenApiParameter("date_to", OpenApiTypes.DATE, required=True, description="Đến ngày."),
        OpenApiParameter(
            "format", str, enum=list(logbook.FORMATS), default="pdf", description="pdf hoặc csv."
        ),
    ],
    responses={
        (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description=_LOGBOOK_FILE),
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description=_LOGBOOK_FILE),
        400: OpenApiResponse(
            description="Tham số không hợp lệ (lỗi theo từng trường), hoặc quá nhiều dòng cho "
            "bản PDF (too_many_rows)."
        ),
        403: OpenApiResponse(description="Không có quyền xem sổ của cơ quan này."),
    },
)
class LogbookView(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, PDFRenderer, CSVRenderer]
    content_negotiation_class = QueryFormatNegotiation

    def get(self, request):
        if not paperwork.may_use_logbook(request.user):
            raise Forbidden(_("Bạn không có quyền xem sổ theo dõi hồ sơ."))
        query = paperwork.parse_logbook_query(request.query_params)
        paperwork.check_logbook_access(request.user, query.agency)
        args = (query.agency, query.date_from, query.date_to)
        on_rows = access_log.logbook_recorder(request.user, Purpose.API_LOGBOOK)
        # An export: read from the read replica when one is configured and fresh (core/replica.py).
        if query.format == "csv":
            response = StreamingHttpResponse(
                iterate_from_replica(paperwork.logbook_csv(*args, on_rows=on_rows)),
                content_type="text/csv; charset=utf-8",
            )
        else:
            with reading_from_replica():
                pdf = paperwork.render_logbook_pdf(*args, on_rows=on_rows)
            response = HttpResponse(pdf, content_type="application/pdf")
        return _attachment(response, logbook.filename(*args, query.format))
