"""GET /api/v1/stats/indicators and /api/v1/stats/index766: leaders and administrators."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.replica import reading_from_replica

from .. import figures, index766, measures, scope
from .params import PARAMETERS, Query, parse


def _scope(query: Query) -> dict:
    agencies = query.filters.agencies
    return {
        "agency": query.agency_code,
        "agencies": None if agencies is None else len(agencies),
        "province": agencies is None,
    }


class IndicatorsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="stats_indicators",
        summary="Số liệu giải quyết hồ sơ theo cơ quan, lĩnh vực, thủ tục, cấp, kênh và kỳ",
        parameters=PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        tags=["stats"],
    )
    @reading_from_replica()
    def get(self, request):
        query = parse(request.query_params, request.user)
        body = figures.indicators(query.filters, query.period)
        body["scope"] = _scope(query)
        if query.group_by:
            tree = scope.tree()
            grouped = measures.measures(query.filters, query.period, group=query.group_by)
            body["breakdown"] = [
                {
                    "id": key,
                    "code": tree.code(key) if query.group_by == "agency" else key,
                    "name": tree.name(key) if query.group_by == "agency" else "",
                    **{k: v for k, v in figures.figures(m).items() if k != "targets"},
                }
                for key, m in sorted(grouped.items(), key=lambda kv: str(kv[0]))
                if key is not None
            ]
        if query.series:
            body["series"] = figures.series(query.filters, query.period, query.series)
        return Response(body)


class Index766View(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="stats_index766",
        summary="Điểm Bộ chỉ số 766 (các nhóm tính được), xếp hạng cơ quan hoặc xã, phường",
        parameters=PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        tags=["stats"],
    )
    @reading_from_replica()
    def get(self, request):
        query = parse(request.query_params, request.user)
        body = index766.index766(query.filters, query.period)
        body["scope"] = _scope(query)
        body["ranking_by"] = query.group_by or "agency"
        body["ranking"] = index766.ranking(query.filters, query.period, by=body["ranking_by"])
        if query.series:
            body["series"] = figures.series(query.filters, query.period, query.series)
        return Response(body)
