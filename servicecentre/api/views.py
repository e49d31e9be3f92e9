"""The service centre's API (docs/service-centre.md, "API"):

- public: `GET centres/` (the centres and their groups), `GET centres/{id}/slots/?group=&date=`
  (free places of a group's slots that day);
- a citizen: `GET/POST appointments/` (mine; book), `GET appointments/{id}/`,
  `POST appointments/{id}/cancel/` — another citizen's appointment is a 404;
- an official of the centre (any other user: 404 for the centre, as if it did not exist to them;
  anonymous: 401): `GET/POST centres/{id}/tickets/` (today's queue; issue), `POST
  centres/{id}/check-in/`, `POST/DELETE centres/{id}/counters/{n}/session/`, `POST
  centres/{id}/counters/{n}/call-next/`, `POST centres/{id}/tickets/{t}/{recall|skip|start|
  finish|transfer|link}/`, `GET centres/{id}/figures/?from=&to=` (also administrators).

Errors are problem+json (core/errors.py); the rules are in servicecentre/services.py.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Role
from core.calendar import LOCAL_TZ
from core.errors import DomainError, Forbidden, NotFound
from core.pagination import OrderedCursorPagination

from .. import figures, services
from ..models import Appointment, AppointmentSlot, Centre, Counter, ServiceGroup, Ticket
from . import serializers as s

TAG = ["service-centre"]


class ByIdPagination(OrderedCursorPagination):
    cursor_ordering = ("id",)


class NewestFirst(OrderedCursorPagination):
    cursor_ordering = ("-id",)


def _centre(pk: int) -> Centre:
    centre = Centre.objects.select_related("agency").filter(pk=pk, is_active=True).first()
    if centre is None:
        raise NotFound(_("Không tìm thấy trung tâm."))
    return centre


def _official_centre(request, pk: int) -> Centre:
    """The centre, if the user is one of its officials; otherwise a 404 (as the dossiers do:
    another agency's objects are not theirs to know of)."""
    centre = _centre(pk)
    if not services.is_official_of(request.user, centre):
        raise NotFound(_("Không tìm thấy trung tâm."))
    return centre


def _counter(centre: Centre, number: int) -> Counter:
    counter = Counter.objects.select_related("centre").filter(centre=centre, number=number).first()
    if counter is None:
        raise NotFound(_("Không tìm thấy quầy."))
    return counter


def _ticket(centre: Centre, pk: int) -> Ticket:
    ticket = Ticket.objects.filter(centre=centre, pk=pk).first()
    if ticket is None:
        raise NotFound(_("Không tìm thấy số thứ tự."))
    return ticket


def _valid(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- public -----------------------------------------------------------------------------------
@extend_schema(tags=TAG, summary="Các Trung tâm Phục vụ hành chính công và nhóm dịch vụ")
class CentreList(generics.ListAPIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    serializer_class = s.CentreSerializer
    pagination_class = ByIdPagination

    def get_queryset(self):
        return (
            Centre.objects.filter(is_active=True)
            .select_related("agency")
            .prefetch_related("groups")
        )


class SlotList(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        tags=TAG,
        summary="Khung giờ hẹn của một nhóm dịch vụ trong ngày, với số chỗ còn trống",
        parameters=[
            OpenApiParameter("group", int, required=True, description="Nhóm dịch vụ (id)"),
            OpenApiParameter("date", str, required=True, description="Ngày (YYYY-MM-DD)"),
        ],
        responses={200: s.SlotSerializer(many=True)},
    )
    def get(self, request, centre_id: int):
        centre = _centre(centre_id)
        query = _valid(s.SlotQuerySerializer, request.query_params)
        group = ServiceGroup.objects.filter(
            centre=centre, pk=query["group"], is_active=True
        ).first()
        if group is None:
            raise DomainError(
                _("Nhóm dịch vụ không thuộc trung tâm."),
                code="invalid_group",
                errors={"group": [_("Nhóm dịch vụ không hợp lệ.")]},
            )
        today = timezone.localdate(timezone.now(), LOCAL_TZ)
        if not today <= query["date"] <= today + timedelta(days=services.BOOKING_HORIZON_DAYS):
            raise DomainError(
                _("Chỉ xem được khung giờ từ hôm nay đến %(n)d ngày tới.")
                % {"n": services.BOOKING_HORIZON_DAYS},
                code="invalid_date",
                errors={"date": [_("Ngày nằm ngoài khoảng cho phép.")]},
            )
        slots = services.slots_for(group, query["date"])
        return Response(s.SlotSerializer(slots, many=True).data)


# --- a citizen's appointments ---------------------------------------------------------------
def _citizen(request):
    if request.user.role != Role.CITIZEN:
        raise Forbidden(_("Chỉ công dân, tổ chức đặt lịch hẹn."))


@extend_schema(tags=TAG)
class AppointmentList(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = s.AppointmentSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Appointment.objects.none()
        return Appointment.objects.filter(citizen=self.request.user).select_related("slot__group")

    @extend_schema(summary="Lịch hẹn của tôi")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Đặt lịch hẹn (409 khi khung giờ đã đủ chỗ hoặc đã đặt)",
        request=s.BookSerializer,
        responses={201: s.AppointmentSerializer},
    )
    def post(self, request):
        _citizen(request)
        data = _valid(s.BookSerializer, request.data)
        slot = AppointmentSlot.objects.select_related("group").filter(pk=data["slot"]).first()
        if slot is None:
            raise DomainError(
                _("Khung giờ không tồn tại."),
                code="invalid_slot",
                errors={"slot": [_("Khung giờ không hợp lệ.")]},
            )
        appointment = services.book(request.user, slot, note=data["note"])
        return Response(s.AppointmentSerializer(appointment).data, status=status.HTTP_201_CREATED)


def _own_appointment(request, pk: int) -> Appointment:
    appointment = (
        Appointment.objects.select_related("slot__group")
        .filter(pk=pk, citizen=request.user)
        .first()
    )
    if appointment is None:
        raise NotFound(_("Không tìm thấy lịch hẹn."))
    return appointment


class AppointmentDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAG, summary="Một lịch hẹn của tôi", responses={200: s.AppointmentSerializer}
    )
    def get(self, request, appointment_id: int):
        return Response(s.AppointmentSerializer(_own_appointment(request, appointment_id)).data)


class AppointmentCancel(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAG,
        summary="Hủy lịch hẹn (trước giờ bắt đầu)",
        request=None,
        responses={200: s.AppointmentSerializer},
    )
    def post(self, request, appointment_id: int):
        appointment = services.cancel(_own_appointment(request, appointment_id), request.user)
        return Response(s.AppointmentSerializer(appointment).data)


# --- the counters ---------------------------------------------------------------------------
class TicketList(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAG,
        summary="Hàng đợi hôm nay của trung tâm (cán bộ của trung tâm)",
        responses={200: s.TicketSerializer(many=True)},
    )
    def get(self, request, centre_id: int):
        centre = _official_centre(request, centre_id)
        today = timezone.localdate(timezone.now(), LOCAL_TZ)
        tickets = (
            Ticket.objects.filter(centre=centre, day=today)
            .select_related("group", "counter")
            .order_by("issued_at")[:500]
        )
        return Response(s.TicketSerializer(tickets, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Cấp số thứ tự cho một nhóm dịch vụ",
        request=s.IssueSerializer,
        responses={201: s.TicketSerializer},
    )
    def post(self, request, centre_id: int):
        centre = _official_centre(request, centre_id)
        data = _valid(s.IssueSerializer, request.data)
        group = ServiceGroup.objects.filter(centre=centre, pk=data["group"]).first()
        if group is None:
            raise DomainError(
                _("Nhóm dịch vụ không thuộc trung tâm."),
                code="invalid_group",
                errors={"group": [_("Nhóm dịch vụ không hợp lệ.")]},
            )
        ticket = services.issue_ticket(group)
        return Response(s.TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)


class CheckIn(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAG,
        summary="Lấy số ưu tiên bằng mã QR của lịch hẹn",
        request=s.CheckInSerializer,
        responses={201: s.TicketSerializer},
    )
    def post(self, request, centre_id: int):
        centre = _official_centre(request, centre_id)
        data = _valid(s.CheckInSerializer, request.data)
        ticket = services.check_in(centre, data["token"])
        return Response(s.TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)


class CounterSessionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAG,
        summary="Mở phiên làm việc tại quầy",
        request=None,
        responses={201: s.SessionSerializer},
        operation_id="counter_session_open",
    )
    def post(self, request, centre_id: int, number: int):
        counter = _counter(_official_centre(request, centre_id), number)
        session = services.open_session(counter, request.user)
        return Response(s.SessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAG,
        summary="Đóng phiên làm việc tại quầy",
        request=None,
        responses={200: s.SessionSerializer},
        operation_id="counter_session_close",
    )
    def delete(self, request, centre_id: int, number: int):
        counter = _counter(_official_centre(request, centre_id), number)
        session = services.close_session(counter, request.user)
        return Response(s.SessionSerializer(session).data)


class CallNext(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAG,
        summary="Gọi số tiếp theo đến quầy (lịch hẹn đến giờ trước, rồi người chờ lâu nhất)",
        request=None,
        responses={200: s.TicketSerializer},
    )
    def post(self, request, centre_id: int, number: int):
        counter = _counter(_official_centre(request, centre_id), number)
        ticket = services.call_next(counter, request.user)
        return Response(s.TicketSerializer(ticket).data)


ACTIONS = {
    "recall": (services.recall, None, "Gọi lại số đang gọi"),
    "skip": (services.skip, None, "Vắng mặt: bỏ qua số đang gọi"),
    "start": (services.start, None, "Bắt đầu phục vụ"),
    "finish": (services.finish, None, "Hoàn thành"),
    "transfer": (None, s.TransferSerializer, "Chuyển sang quầy khác (giữ thứ tự)"),
    "link": (None, s.LinkSerializer, "Gắn hồ sơ đã tiếp nhận với số thứ tự"),
}


def _ticket_action(name: str):
    function, request_serializer, summary = ACTIONS[name]

    class TicketAction(APIView):
        permission_classes = [IsAuthenticated]

        @extend_schema(
            tags=TAG,
            summary=summary,
            request=request_serializer,
            responses={200: s.TicketSerializer},
            operation_id=f"ticket_{name}",
        )
        def post(self, request, centre_id: int, ticket_id: int):
            centre = _official_centre(request, centre_id)
            ticket = _ticket(centre, ticket_id)
            if name == "transfer":
                data = _valid(s.TransferSerializer, request.data)
                target = Counter.objects.filter(centre=centre, number=data["counter"]).first()
                if target is None:
                    raise DomainError(
                        _("Quầy nhận không thuộc trung tâm."),
                        code="invalid_counter",
                        errors={"counter": [_("Quầy không hợp lệ.")]},
                    )
                ticket = services.transfer(ticket, request.user, target)
            elif name == "link":
                data = _valid(s.LinkSerializer, request.data)
                services.link_dossier(ticket, request.user, data["dossier"])
            else:
                ticket = function(ticket, request.user)
            ticket = Ticket.objects.select_related("group", "counter").get(pk=ticket.pk)
            return Response(s.TicketSerializer(ticket).data)

    TicketAction.__name__ = f"Ticket{name.title()}"
    return TicketAction.as_view()


class Figures(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAG,
        summary="Số liệu xếp hàng của trung tâm theo quầy, nhóm dịch vụ và cán bộ",
        parameters=[
            OpenApiParameter("from", str, description="Từ ngày (YYYY-MM-DD, mặc định hôm nay)"),
            OpenApiParameter("to", str, description="Đến ngày (YYYY-MM-DD, mặc định hôm nay)"),
        ],
        responses={200: s.FiguresSerializer},
    )
    def get(self, request, centre_id: int):
        centre = _centre(centre_id)
        if request.user.role != Role.ADMINISTRATOR and not services.is_official_of(
            request.user, centre
        ):
            raise NotFound(_("Không tìm thấy trung tâm."))
        params = {"to": request.query_params.get("to")}
        if request.query_params.get("from"):
            params["from_"] = request.query_params.get("from")
        params = {k: v for k, v in params.items() if v}
        query = _valid(s.FiguresQuerySerializer, params)
        today = timezone.localdate(timezone.now(), LOCAL_TZ)
        start = query.get("from_") or today
        end = query.get("to") or today
        if start > end:
            raise DomainError(
                _("Ngày kết thúc phải sau ngày bắt đầu."),
                code="invalid",
                errors={"to": [_("Ngày kết thúc phải sau ngày bắt đầu.")]},
            )
        return Response(s.FiguresSerializer(figures.report(centre, start, end)).data)
