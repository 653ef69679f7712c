"""The agenda as a time grid (day and week), booking from a free slot, the
next free slot, and a clinician's own day as the landing page."""

from __future__ import annotations

import uuid
from datetime import date, time, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from clinics.availability import Rules, load_rules
from clinics.models import Site, default_site_pk
from clinics.scoping import user_site_ids
from core import clock, roles
from core.access import note_access
from core.backends import in_group
from core.clock import local_datetime, local_day_bounds
from patients.models import Patient
from patients.selectors import search_patients
from visits import agenda_grid, availability
from visits.agenda_fragments import render_day, render_week
from visits.agenda_grid import day_grid, grid_visits, week_grid
from visits.forms import parse_agenda_day, selected_clinician
from visits.forms_agenda import NextFreeForm, SlotQueryForm, slot_query
from visits.models import FollowUpVisit, VisitPurpose, VisitStatus, VisitType

BOOK_SLOT_RESULTS = 20
# The day grid of all clinicians shows this many columns at a time, with
# links to the others (?from_column=): each column is a full day of blocks.
DAY_COLUMNS = 6
# The week grid of all clinicians shows the visits of this many of the site's
# clinicians at a time (?from_column=), side by side in each day: more lanes
# than that are too narrow to read on a tablet, and a busy group's week is
# hundreds of visits per clinician.
WEEK_CLINICIANS = 3


def _filters(day: date, clinician: Any) -> str:
    """Return an agenda page's filter as the access log keeps it."""
    return f"{day.isoformat()} {clinician.username if clinician else ''}".strip()


def visible_sites(user: Any) -> list[Site]:
    """The active sites `user` sees (their own, or all), at least one."""
    ids = user_site_ids(user)
    sites = Site.objects.active()
    if ids is not None:
        sites = sites.filter(pk__in=ids)
    found = list(sites)
    return found or list(Site.objects.filter(pk=default_site_pk()))


def _chosen_site(request: HttpRequest, sites: list[Site]) -> Site:
    wanted = request.GET.get("site", "")
    # Without a choice, the clinic's first site (the one a single-site
    # clinic always had), else the first of the user's own.
    return next(
        (s for s in sites if str(s.pk) == wanted), min(sites, key=lambda s: s.pk)
    )


def _purpose(request: HttpRequest) -> str:
    wanted = request.GET.get("purpose", "")
    return wanted if wanted in VisitPurpose.values else ""


def _move_target(request: HttpRequest) -> FollowUpVisit | None:
    """The visit being moved (?move=<code>), if the user may move it."""
    code = request.GET.get("move", "")
    if not code or not request.user.has_perm("visits.change_followupvisit"):
        return None
    return (
        FollowUpVisit.objects.filter(
            code__in=_uuids(code), status=VisitStatus.SCHEDULED
        )
        .select_related("patient")
        .first()
    )


def _uuids(text: str) -> list[str]:
    try:
        return [str(uuid.UUID(text))]
    except ValueError:
        return []


def _common(request: HttpRequest, day: date) -> dict[str, Any]:
    sites = visible_sites(request.user)
    site = _chosen_site(request, sites)
    clinicians = roles.active_clinicians()
    selected = selected_clinician(request.GET.get("clinician", ""), clinicians)
    return {
        "sites": sites,
        "site": site,
        "clinicians": clinicians,
        "selected": selected,
        "today": timezone.localdate(),
        "clinical": roles.sees_clinical_detail(request.user),
        "is_clinician": request.user.is_active
        and in_group(request.user, roles.CLINICIAN),
        "can_move": request.user.has_perm("visits.change_followupvisit"),
        "can_book": request.user.has_perm("visits.add_followupvisit"),
        "page": "agenda",
        "purposes": VisitPurpose.choices,
    }


def _keep(context: dict[str, Any], **extra: Any) -> str:
    """The agenda's filters as a query string (site, clinician, purpose)."""
    values: dict[str, Any] = {}
    if len(context["sites"]) > 1:
        values["site"] = context["site"].pk
    if context["selected"]:
        values["clinician"] = context["selected"].pk
    if context.get("purpose"):
        values["purpose"] = context["purpose"]
    if context.get("from_column"):
        values["from_column"] = context["from_column"]
    values.update(extra)
    return slot_query(values)


@permission_required("visits.view_followupvisit", raise_exception=True)
def agenda_day(request: HttpRequest) -> HttpResponse:
    day = parse_agenda_day(request.GET.get("date"))
    context = _common(request, day)
    site, selected = context["site"], context["selected"]
    shown = [selected] if selected else context["clinicians"]
    purpose = _purpose(request)
    duration = VisitType.durations()[purpose] if purpose else site.slot_minutes

    visits = None
    if selected:
        # The clinician's visits at every site, read once: the grid shows this
        # site's, the free slots avoid them all.
        visits = grid_visits(
            None,
            *availability.busy_window(day, day, duration),
            clinician=selected,
            clinical=context["clinical"],
        )

    def free(clinicians: list, rules: Rules) -> dict[int, list[availability.Slot]]:
        return availability.free_slots(
            site=site,
            day=day,
            clinicians=clinicians,
            duration_min=duration,
            rules=rules,
            busy=availability.busy_of(visits) if visits is not None else None,
        )

    grid = day_grid(
        site=site,
        day=day,
        clinicians=shown,
        selected=selected,
        free=free,
        clinical=context["clinical"],
        first_column=_from_column(request),
        column_count=None if selected else DAY_COLUMNS,
        visits=visits,
    )
    visit_count = len(grid.blocks) + len(grid.off_visits)
    note_access(request, "agenda", query=_filters(day, selected), count=visit_count)
    move = _move_target(request)
    context.update(
        day=day,
        grid=grid,
        purpose=purpose,
        duration=duration,
        move=move,
        visit_count=visit_count,
        from_column=grid.first_column,
        column_pages=(pages := _column_pages(grid)),
        column_page=next((p for p in pages if p["current"]), None),
        next_free_form=NextFreeForm(
            clinicians=context["clinicians"],
            initial={
                "clinician": selected,
                "purpose": purpose or VisitPurpose.CHECK,
                "earliest": max(day, timezone.localdate()),
                "site": site.pk,
            },
        ),
    )
    context.update(
        keep=_keep(context),
        keep_all_columns=_keep({**context, "from_column": 0}),
        prev_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        week_url=reverse("visits:agenda-week")
        + "?"
        + _keep({**context, "from_column": 0}, date=day),
    )
    render_day(grid, context)
    return render(request, "visits/agenda_day.html", context)


def _from_column(request: HttpRequest, size: int = DAY_COLUMNS) -> int:
    """The first column of the page asked for, on a page boundary."""
    value = request.GET.get("from_column", "")
    wanted = int(value) if value.isdigit() and len(value) < 4 else 0
    return wanted - wanted % size


def _column_pages(grid: Any, size: int = DAY_COLUMNS) -> list[dict[str, Any]]:
    """The grid's pages of clinicians: where each starts, and whether it is
    the one shown (empty when one page holds every column)."""
    if grid.column_total <= size:
        return []
    return [
        {
            "from_column": start,
            "first": start + 1,
            "last": min(start + size, grid.column_total),
            "current": start == grid.first_column,
        }
        for start in range(0, grid.column_total, size)
    ]


def _week_clinicians(
    request: HttpRequest, site: Site, clinicians: list, rules: Rules
) -> tuple[list, int, int, dict[str, Any]]:
    """The page of the site's clinicians the week of all clinicians shows:
    them, where the page starts, how many the site has, and grid_visits'
    filter of their visits (none when one page holds them all)."""
    listed = agenda_grid.site_clinicians(clinicians, rules, site)
    total = len(listed)
    if total <= WEEK_CLINICIANS:
        return listed, 0, total, {}
    last_start = (total - 1) // WEEK_CLINICIANS * WEEK_CLINICIANS
    first = min(_from_column(request, WEEK_CLINICIANS), last_start)
    shown = listed[first : first + WEEK_CLINICIANS]
    choice: dict[str, Any] = {"clinician_ids": [c.pk for c in shown]}
    if first == last_start:
        # The last page also holds the visits of anyone not listed (a former
        # clinician, or one whose hours here were removed).
        choice["others_than"] = [c.pk for c in listed]
    return shown, first, total, choice


@permission_required("visits.view_followupvisit", raise_exception=True)
def agenda_week(request: HttpRequest) -> HttpResponse:
    monday = clock.week_start(parse_agenda_day(request.GET.get("date")))
    context = _common(request, monday)
    site, selected = context["site"], context["selected"]
    purpose = _purpose(request)
    duration = VisitType.durations()[purpose] if purpose else site.slot_minutes
    free: list[availability.Slot] = []
    rules = None
    visits = None
    shown: list = []
    first_column = column_total = 0
    if not selected:
        sunday = monday + timedelta(days=6)
        rules = load_rules(
            sites=[site],
            clinicians=context["clinicians"],
            first_day=monday,
            last_day=sunday,
        )
        shown, first_column, column_total, choice = _week_clinicians(
            request, site, context["clinicians"], rules
        )
        if choice:
            visits = grid_visits(
                site,
                local_day_bounds(monday)[0],
                local_day_bounds(sunday)[1],
                clinical=context["clinical"],
                **choice,
            )
    else:
        # One clinician's free slots of the seven days, in the queries of one,
        # from the rules the grid reads too.
        rules = load_rules(
            sites=[site],
            clinicians=[selected],
            first_day=monday,
            last_day=monday + timedelta(days=6),
        )
        # The clinician's visits of the week at every site, read once: the
        # grid shows this site's, the free slots avoid them all.
        visits = grid_visits(
            None,
            *availability.busy_window(monday, monday + timedelta(days=6), duration),
            clinician=selected,
            clinical=context["clinical"],
        )
        free = availability.free_slots(
            site=site,
            day=monday,
            clinicians=[selected],
            duration_min=duration,
            days=7,
            rules=rules,
            busy=availability.busy_of(visits),
        )[selected.pk]
    grid = week_grid(
        site=site,
        monday=monday,
        selected=selected,
        clinical=context["clinical"],
        free=free,
        rules=rules,
        visits=visits,
    )
    grid.first_column, grid.column_total = first_column, column_total
    shown_count = len(grid.blocks) + len(grid.off_visits)
    note_access(
        request,
        "agenda",
        query=_filters(monday, context["selected"]),
        count=shown_count,
    )
    context.update(
        monday=monday,
        grid=grid,
        visit_count=shown_count,
        purpose=purpose,
        duration=duration,
        from_column=first_column,
        column_pages=(pages := _column_pages(grid, WEEK_CLINICIANS)),
        column_page=next((p for p in pages if p["current"]), None),
        page_clinicians=shown if pages else [],
    )
    context.update(
        keep=_keep(context),
        keep_all_columns=_keep({**context, "from_column": 0}),
        prev_week=monday - timedelta(days=7),
        next_week=monday + timedelta(days=7),
    )
    render_week(grid, context)
    return render(request, "visits/agenda_week.html", context)


@require_safe
@permission_required("visits.add_followupvisit", raise_exception=True)
def book_slot(request: HttpRequest) -> HttpResponse:
    """Book a free slot: find the patient, then the booking form, pre-filled."""
    form = SlotQueryForm(request.GET)
    slot = form.slot()
    query = form.search()
    patients: list[Patient] = []
    if query:
        patients = list(
            search_patients(Patient.objects.active(), query).order_by(
                "last_name", "first_name", "id"
            )[:BOOK_SLOT_RESULTS]
        )
    note_access(request, "agenda-book", query=query, count=len(patients))
    clinician = roles.clinicians().filter(pk=slot.get("clinician", 0)).first()
    site = Site.objects.filter(pk=slot.get("site", 0)).first()
    context = {
        "form": form,
        "slot": slot,
        "slot_query": slot_query(slot),
        "query": query,
        "patients": patients,
        "clinician": clinician,
        "slot_site": site,
        "purpose_label": VisitPurpose(slot["purpose"]).label
        if "purpose" in slot
        else "",
        "page": "agenda",
    }
    return render(request, "visits/book_slot.html", context)


@require_safe
@permission_required("visits.view_followupvisit", raise_exception=True)
def next_free(request: HttpRequest) -> HttpResponse:
    """The first free slot of a clinician for a visit type, from a day on."""
    form = NextFreeForm(request.GET or None)
    found = None
    searched = False
    duration = 0
    site = None
    if form.is_valid():
        data = form.cleaned_data
        sites = visible_sites(request.user)
        site = next((s for s in sites if s.pk == data.get("site")), None)
        duration = VisitType.durations()[data["purpose"]]
        earliest = local_datetime(data["earliest"], time.min)
        found = availability.next_free_slot(
            clinician=data["clinician"],
            duration_min=duration,
            earliest=earliest,
            site=site,
        )
        searched = True
    book_url = ""
    if found:
        local = timezone.localtime(found.starts_at)
        book_url = (
            reverse("visits:book-slot")
            + "?"
            + slot_query(
                {
                    "clinician": found.clinician_id,
                    "site": found.site_id,
                    "date": local.date(),
                    "time": local.time(),
                    "duration": duration,
                    "purpose": form.cleaned_data["purpose"],
                }
            )
        )
    context = {
        "form": form,
        "found": found,
        "found_site": Site.objects.filter(pk=found.site_id).first() if found else None,
        "searched": searched,
        "book_url": book_url,
        "page": "agenda",
    }
    return render(request, "visits/next_free.html", context)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """A clinician lands on their own day; everyone else on the patient list."""
    if roles.is_clinician(request.user) and request.user.has_perm(
        "visits.view_followupvisit"
    ):
        return redirect(reverse("visits:agenda-day") + f"?clinician={request.user.pk}")
    return redirect("patients:list")
