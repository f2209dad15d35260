"""The shared pager partial: record count, page size, page links that keep the filters."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.test import RequestFactory

from zoneops.core.listing import paginate


def _render(query: dict, rows: int, **flags) -> str:
    request = RequestFactory().get("/list/", query)
    listing = paginate(request, list(range(rows)))
    return render_to_string("core/_pagination.html", {"listing": listing, "request": request, **flags})


def test_one_page_shows_disabled_links_by_default():
    html = _render({}, 5)

    assert "5 records" in html
    assert 'class="pagination pagination-sm mb-0"' in html
    assert "1 / 1" in html


def test_hide_single_page_leaves_out_the_links_but_keeps_count_and_page_size():
    html = _render({"q": "li"}, 5, hide_single_page=True)

    assert "5 records" in html
    assert 'name="page_size"' in html
    assert 'class="pagination' not in html


def test_hide_single_page_still_shows_the_links_when_there_are_more_pages():
    html = _render({"q": "li", "status": "active", "page_size": "10", "page": "2"}, 25, hide_single_page=True)

    assert "2 / 3" in html
    assert 'href="?q=li&amp;status=active&amp;page_size=10&page=1"' in html
    assert 'href="?q=li&amp;status=active&amp;page_size=10&page=3"' in html
    assert '<input type="hidden" name="q" value="li">' in html
    assert '<input type="hidden" name="page_size"' not in html


def test_links_without_filters_have_no_stray_ampersand():
    html = _render({}, 25)

    assert 'href="?page=2"' in html
