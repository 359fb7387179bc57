"""Pagination for every list: numbered pages (`?page=2&page_size=50`) and, for posts, a cursor
that stays stable while people reply. Each page is a fixed number of queries whatever its size
(the querysets carry their select_related / prefetch_related)."""

from django.conf import settings
from rest_framework.pagination import CursorPagination, PageNumberPagination


class PagePagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE


class PostCursorPagination(CursorPagination):
    """Posts in reading order (depth-first, the thread page's order)."""

    ordering = "path"
    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE
