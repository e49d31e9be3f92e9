"""Files of dossiers, the citizen's data store, e-results and their public verification."""

from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core.errors import DomainError, NotFound
from core.pagination import OrderedCursorPagination
from documents import selectors as store
from documents import services as documents
from documents.models import StoredFile, StoreDocumentKind
from documents.uploads import ALLOWED_TYPES, max_bytes, too_large

from .. import access_log, selectors
from ..access_log import Purpose, ReadKind
from ..models import ComponentFile, Dossier, EResult
from ..services import files, results
from . import document_serializers as ds

PDF_RESPONSE = OpenApiResponse(response=OpenApiTypes.BINARY, description=_("Tệp"))
# A stored file is sent with its detected type (documents/uploads.py: PDF, JPEG or PNG); store
# documents and e-results made by the system are PDFs, scans may be images.
FILE_RESPONSES = {(200, media_type): PDF_RESPONSE for media_type in sorted(ALLOWED_TYPES)}
PDF_RESPONSES = {(200, "application/pdf"): PDF_RESPONSE}
# Room for the multipart envelope and the metadata fields around the file itself.
MULTIPART_OVERHEAD = 64 * 1024


class VerifyThrottle(AnonRateThrottle):
    scope = "verify"


def _refuse_oversized_body(request) -> None:
    """413 before Django reads (and spools to disk) a body larger than any allowed file."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_bytes() + MULTIPART_OVERHEAD:
        raise too_large(length)


def file_response(stored: StoredFile, *, inline: bool = False) -> FileResponse:
    response = FileResponse(
        documents.open_stored(stored),
        content_type=stored.content_type,
        as_attachment=not inline,
        filename=stored.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def downloadable_by(user, file_id) -> tuple[StoredFile, Dossier | None] | None:
    """A file is downloadable by whoever may see a dossier that carries it (as a component
    file or as its e-result), and by the owner of a data-store document made of it. Returns
    the file and the dossier through which it may be read (None: the owner's own store)."""
    stored = StoredFile.objects.filter(pk=file_id).first()
    if stored is None:
        return None
    visible = selectors.visible_to(user).select_related("applicant").order_by("id")
    dossier = (
        visible.filter(
            pk__in=ComponentFile.objects.filter(file=stored).values("component__dossier_id")
        ).first()
        or visible.filter(pk__in=EResult.objects.filter(file=stored).values("dossier_id")).first()
    )
    if dossier is not None:
        return stored, dossier
    if store.store_of(user).filter(file=stored).exists():
        return stored, None
    return None


@extend_schema(
    tags=["documents"],
    request={"multipart/form-data": ds.UploadSerializer},
    responses={201: ds.ComponentFileOutSerializer},
    summary="Tải tệp lên một thành phần hồ sơ (công dân) hoặc số hóa tại quầy (cán bộ tiếp nhận)",
)
class ComponentFilesView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    def post(self, request, code, order):
        _refuse_oversized_body(request)
        data = ds.UploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        upload = values.pop("file")
        attachment = files.attach_file(
            dossier=code, order=order, actor=request.user, upload=upload, metadata=values
        )
        attachment = ComponentFile.objects.select_related("file", "component").get(pk=attachment.pk)
        return Response(
            ds.ComponentFileOutSerializer(attachment).data, status=status.HTTP_201_CREATED
        )


@extend_schema(
    tags=["documents"],
    request=ds.DocumentMetadataSerializer,
    responses={200: ds.ComponentFileOutSerializer},
    summary="Xác nhận số hóa tệp công dân đã nộp trực tuyến (cán bộ tiếp nhận), kèm siêu dữ liệu",
)
class DigitiseView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request, code, order):
        data = ds.DocumentMetadataSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        component = files.digitise(
            dossier=code, order=order, actor=request.user, metadata=data.validated_data
        )
        attachment = (
            component.files.select_related("file", "component").order_by("-added_at", "-id").first()
        )
        return Response(ds.ComponentFileOutSerializer(attachment).data)


@extend_schema(
    tags=["documents"],
    responses=FILE_RESPONSES,
    summary="Tải về một tệp (của hồ sơ mình được xem, hoặc trong kho dữ liệu của mình)",
)
class FileDownloadView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request, file_id):
        found = downloadable_by(request.user, file_id)
        if found is None:
            raise NotFound(_("Không tìm thấy tệp."))
        stored, dossier = found
        if dossier is not None:
            access_log.record(
                request.user,
                [dossier],
                ReadKind.FILE,
                Purpose.API_FILE_DOWNLOAD,
                object_id=stored.pk,
            )
        return file_response(stored)


@extend_schema(
    tags=["documents"],
    responses=PDF_RESPONSES,
    summary="Tải về kết quả điện tử (PDF có ký số) của hồ sơ",
)
class DossierEResultView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request, code):
        result = (
            EResult.objects.select_related("file", "dossier__applicant")
            .filter(dossier__in=selectors.visible_to(request.user), dossier__code=code)
            .first()
        )
        if result is None:
            raise NotFound(_("Hồ sơ không có kết quả điện tử."))
        access_log.record(
            request.user,
            [result.dossier],
            ReadKind.E_RESULT,
            Purpose.API_E_RESULT,
            object_id=result.pk,
        )
        return file_response(result.file)


class StorePagination(OrderedCursorPagination):
    cursor_ordering = ("-created_at", "-id")


@extend_schema(tags=["documents"])
class MyDocumentsViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in citizen's data store (kho dữ liệu): digitised papers and e-results."""

    permission_classes = [IsAuthenticated]
    serializer_class = ds.StoreDocumentSerializer
    pagination_class = StorePagination

    def get_queryset(self):
        queryset = store.store_of(self.request.user).select_related("file")
        kind = self.request.query_params.get("kind")
        if kind:
            if kind not in StoreDocumentKind.values:
                raise DomainError(
                    _("Loại giấy tờ không hợp lệ."),
                    code="invalid",
                    errors={"kind": [_("Giá trị không hợp lệ.")]},
                )
            queryset = queryset.filter(kind=kind)
        return queryset

    @extend_schema(
        summary="Danh sách giấy tờ trong kho dữ liệu của tôi",
        parameters=[
            OpenApiParameter(
                "kind",
                str,
                required=False,
                enum=[choice.value for choice in StoreDocumentKind],
                description=_("Loại giấy tờ"),
            )
        ],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Một giấy tờ trong kho dữ liệu của tôi")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(responses=FILE_RESPONSES, summary="Tải về giấy tờ trong kho dữ liệu")
    @action(detail=True, methods=["get"], url_path="download", url_name="download")
    def download(self, request, pk=None):
        return file_response(self.get_object().file)


@extend_schema(
    tags=["public"],
    responses={200: ds.VerificationSerializer},
    summary="Xác thực kết quả điện tử theo mã (mã QR trên văn bản)",
)
class VerifyByIdView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [VerifyThrottle]

    def get(self, request, result_id):
        verification = results.verify_e_result(result_id)
        return Response(ds.VerificationSerializer(verification.as_dict()).data)


@extend_schema(
    tags=["public"],
    request={"multipart/form-data": ds.VerifyUploadSerializer},
    responses={200: ds.VerificationSerializer},
    summary="Kiểm tra một tệp PDF: có chữ ký số hợp lệ, toàn vẹn, do hệ thống phát hành",
)
class VerifyUploadView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [VerifyThrottle]
    parser_classes = [MultiPartParser]

    def post(self, request):
        _refuse_oversized_body(request)
        data = ds.VerifyUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        verification = results.verify_file(data.validated_data["file"])
        return Response(ds.VerificationSerializer(verification.as_dict()).data)
