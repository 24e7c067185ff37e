from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from . import selectors


def calendar_page(request):
    """The company's working-day calendar of a year, for everyone."""
    year = request.GET.get("year") or str(timezone.localdate().year)
    if not year.isdigit() or not selectors.FIRST_YEAR <= int(year) <= selectors.LAST_YEAR:
        raise Http404
    return render(request, "workdays/calendar.html", selectors.year_overview(int(year)))
