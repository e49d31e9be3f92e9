"""Cursor pagination: stable, and never a COUNT(*) of the whole table."""

from rest_framework.pagination import CursorPagination


class CodeCursorPagination(CursorPagination):
    ordering = ("id",)
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200


class OrderedCursorPagination(CodeCursorPagination):
    """Takes its ordering from the view's `cursor_ordering` (or a callable of the request)."""

    def get_ordering(self, request, queryset, view):
        ordering = getattr(view, "get_cursor_ordering", None)
        if ordering:
            return tuple(ordering())
        return tuple(getattr(view, "cursor_ordering", self.ordering))
