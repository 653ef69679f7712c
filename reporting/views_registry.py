"""The registry export: its page (period, clinician, the columns) and the CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib.auth.decorators import permission_required
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode

from core.access import note_access
from reporting.forms import RegistryExportForm
from reporting.period import Period
from reporting.registry import COLUMNS, HEADER, registry_patient_ids, registry_rows

# Pseudonymised, but row-level data of many patients: the manager's, as the
# other exports of patient data (patients.export_patient), and only where
# the statistics are open to them.
REGISTRY_PERMS = ("treatments.view_statistics", "patients.export_patient")


class _Echo:
    """A file whose write() returns the line, for csv.writer to stream."""

    def write(self, value: str) -> str:
        return value


def _query(period: Period) -> str:
    params: dict[str, str | int] = {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
    }
    if period.clinician is not None:
        params["clinician"] = period.clinician.pk
    return urlencode(params)


def _page(request: HttpRequest, form: RegistryExportForm, status: int = 200):
    period = form.period() if form.is_bound else None
    return render(
        request,
        "reporting/registry.html",
        {
            "form": form,
            "period": period,
            "columns": COLUMNS,
            "page": "statistics",
        },
        status=status,
    )


@permission_required(REGISTRY_PERMS, raise_exception=True)
def registry_page(request: HttpRequest) -> HttpResponse:
    form = RegistryExportForm(request.GET or None, today=timezone.localdate())
    if form.is_bound:
        form.is_valid()
    return _page(request, form)


@permission_required(REGISTRY_PERMS, raise_exception=True)
def registry_export(request: HttpRequest) -> HttpResponseBase:
    """The CSV, streamed; logged with the period and the number of patients."""
    form = RegistryExportForm(request.GET, today=timezone.localdate())
    if not form.is_valid():
        return _page(request, form, status=400)
    period = form.period()
    ids = registry_patient_ids(period)
    note_access(request, "registry-export", query=_query(period), count=len(ids))

    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield writer.writerow(HEADER)
        for row in registry_rows(period, ids):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = f"registry-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
