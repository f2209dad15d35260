"""List-page helpers shared by every module: filtering, sorting, pagination, htmx partials."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZES = (10, 20, 50, 100)


@dataclass
class Listing:
    """The result of applying a list page's query string to a queryset."""

    page: object
    paginator: Paginator
    page_size: int
    sort: str
    query_string: str  # the current filters without page, for links

    @property
    def rows(self):
        """The rows of the current page."""
        return self.page.object_list


def apply_sort(request: HttpRequest, queryset: QuerySet, allowed: Sequence[str], default: str) -> tuple[QuerySet, str]:
    """Order by ?sort=field or -field if it is in `allowed`, else by `default`."""
    sort = request.GET.get("sort", default)
    if sort.lstrip("-") not in allowed:
        sort = default
    return queryset.order_by(sort, "-pk" if sort.startswith("-") else "pk"), sort


def paginate(request: HttpRequest, queryset: QuerySet, *, sort: str = "") -> Listing:
    """Page the queryset by ?page and ?page_size (10/20/50/100)."""
    try:
        size = int(request.GET.get("page_size", 20))
    except ValueError:
        size = 20
    size = size if size in PAGE_SIZES else 20
    paginator = Paginator(queryset, size)
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return Listing(page=page, paginator=paginator, page_size=size, sort=sort, query_string=params.urlencode())


def is_partial(request: HttpRequest) -> bool:
    """True for an htmx request that only wants the table fragment."""
    return bool(getattr(request, "htmx", False)) and not getattr(request.htmx, "boosted", False)
