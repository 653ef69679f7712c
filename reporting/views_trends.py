"""The clinic's outcome trends: the page, and a CSV of each of its parts."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from reporting import trends
from reporting.trend_charts import BarValue, bar_chart
from reporting.views import _base_context, _filter

SECTIONS = ("clearance", "complications", "courses", "symptoms")


def _charts(figures: trends.ClinicTrends) -> dict:
    clearance = [
        bar_chart(
            _("Mean clearance (%%) by %(dimension)s")
            % {"dimension": dimension.label.lower()},
            [BarValue(row.label, row.mean) for row in dimension.rows],
            largest=100,
        )
        for dimension in figures.clearance
    ]
    complications = bar_chart(
        _("Visits with each complication per 100 sessions"),
        [
            BarValue(row.label, row.per_100)
            for row in figures.complications.rows
            if row.visits
        ],
    )
    courses = bar_chart(
        _("Courses by number of sessions"),
        [
            BarValue(
                _("%(n)s sessions") % {"n": sessions}
                if sessions != 1
                else _("1 session"),
                count,
            )
            for sessions, count in figures.courses.by_sessions.items()
        ],
    )
    vcss = bar_chart(
        _("Mean VCSS before and after a course"),
        [
            BarValue(_("Before"), figures.courses.vcss_before),
            BarValue(_("After"), figures.courses.vcss_after),
        ],
    )
    symptoms = bar_chart(
        _("Mean symptom score before and after a course"),
        [
            BarValue(f"{row.instrument}: {label}", value)
            for row in figures.symptoms
            for label, value in ((_("before"), row.before), (_("after"), row.after))
        ],
    )
    return {
        "clearance_charts": list(zip(figures.clearance, clearance, strict=True)),
        "complications_chart": complications,
        "courses_chart": courses,
        "vcss_chart": vcss,
        "symptoms_chart": symptoms,
    }


@permission_required("treatments.view_statistics", raise_exception=True)
def trends_overview(request: HttpRequest) -> HttpResponse:
    form, period = _filter(request)
    context = _base_context(form, period)
    figures = trends.clinic_trends(period)
    context["trends"] = figures
    context.update(_charts(figures))
    return render(request, "reporting/trends.html", context)


def _csv_rows(section: str, period) -> list[list]:
    if section == "clearance":
        rows: list[list] = [
            [
                _("Dimension"),
                _("Value"),
                _("Visits with a clearance"),
                _("Mean clearance (%)"),
            ]
        ]
        for dimension in trends.clearance_by(period):
            for row in dimension.rows:
                mean = row.mean
                rows.append(
                    [
                        dimension.label,
                        # A concentration as written in the records ("0.25"),
                        # like every number of the CSV.
                        row.value if dimension.key == "concentration" else row.label,
                        row.visits,
                        "" if mean is None else mean,
                    ]
                )
        return rows
    if section == "complications":
        figures = trends.complications(period)
        rows = [[_("Complication"), _("Visits"), _("Sessions"), _("Per 100 sessions")]]
        for complication in figures.rows:
            per_100 = complication.per_100
            rows.append(
                [
                    complication.label,
                    complication.visits,
                    complication.sessions,
                    "" if per_100 is None else per_100,
                ]
            )
        return rows
    if section == "courses":
        courses = trends.courses(period)
        rows = [[_("Sessions in the course"), _("Courses")]]
        rows += [[n, count] for n, count in courses.by_sessions.items()]
        rows.append([])
        rows.append(
            [
                _("Courses with a VCSS before and after"),
                _("Mean VCSS before"),
                _("Mean VCSS after"),
                _("Mean change"),
            ]
        )
        rows.append(
            [
                courses.vcss_pairs,
                *(
                    "" if value is None else value
                    for value in (
                        courses.vcss_before,
                        courses.vcss_after,
                        courses.vcss_change,
                    )
                ),
            ]
        )
        return rows
    rows = [
        [
            _("Questionnaire"),
            _("Courses with a score before and after"),
            _("Mean score before"),
            _("Mean score after"),
            _("Mean change"),
        ]
    ]
    for change in trends.symptom_changes(period):
        rows.append(
            [
                change.instrument,
                change.courses,
                change.before,
                change.after,
                change.change,
            ]
        )
    return rows


@permission_required("treatments.view_statistics", raise_exception=True)
def trends_export(request: HttpRequest) -> HttpResponse:
    """One part of the page as CSV (?section=clearance, complications, ...)."""
    section = request.GET.get("section", "clearance")
    if section not in SECTIONS:
        raise Http404
    _form, period = _filter(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = (
        f"trends-{section}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerows(_csv_rows(section, period))
    return response
