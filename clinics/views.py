"""Sites, their opening hours, closures and staff; clinicians' working hours
and absences. The manager keeps them; everyone on the staff reads them."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clinics.forms import (
    AbsenceFilterForm,
    AbsenceForm,
    BaseIntervalFormSet,
    ClosureForm,
    OpeningHoursFormSet,
    SiteForm,
    SiteLetterheadForm,
    StaffForm,
    WorkingHoursFormSet,
)
from clinics.models import (
    Absence,
    Closure,
    OpeningHours,
    Site,
    SiteMembership,
    Weekday,
    WorkingHours,
)
from clinics.services import (
    absence_add,
    absence_cancel,
    closure_add,
    closure_remove,
    opening_hours_set,
    site_letterhead_save,
    site_save,
    site_staff_set,
    working_hours_set,
)
from core.models import Letterhead
from core.roles import clinicians

PAGE = "sites"


def _week(rows: list[Any], starts: str, ends: str) -> list[tuple[Any, list[Any]]]:
    """Rows by weekday, Monday first: [(day name, [rows])]."""
    by_day: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_day[row.weekday].append(row)
    return [
        (label, sorted(by_day[day], key=lambda r: getattr(r, starts)))
        for day, label in Weekday.choices
    ]


@permission_required("clinics.view_site", raise_exception=True)
def site_list(request: HttpRequest) -> HttpResponse:
    sites = list(
        Site.objects.select_related("letterhead").order_by("-is_active", "name")
    )
    staff_clinicians = (
        list(clinicians())
        if request.user.has_perm("clinics.change_workinghours")
        else []
    )
    context = {"sites": sites, "clinicians": staff_clinicians, "page": PAGE}
    return render(request, "clinics/site_list.html", context)


@permission_required("clinics.view_site", raise_exception=True)
def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    site = get_object_or_404(Site.objects.select_related("letterhead"), pk=pk)
    today = timezone.localdate()
    closures = list(
        Closure.objects.filter(site=site, last_day__gte=today).order_by("first_day")
    )
    staff = list(
        SiteMembership.objects.filter(site=site)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    context = {
        "site": site,
        "week": _week(list(OpeningHours.objects.filter(site=site)), "opens", "closes"),
        "closures": closures,
        "staff": staff,
        "today": today,
        "moves_query": f"site={site.pk}",
        "page": PAGE,
    }
    return render(request, "clinics/site_detail.html", context)


def _site_form(request: HttpRequest, site: Site) -> HttpResponse:
    form = SiteForm(request.POST or None, instance=site)
    if request.method == "POST" and form.is_valid():
        data = {
            name: form.cleaned_data[name]
            for name in ("name", "address", "phone", "slot_minutes", "is_active")
        }
        site = site_save(
            site=site,
            data=data,
            letterhead=form.cleaned_data["letterhead"],
            user=request.user,
        )
        messages.success(request, _("Site saved."))
        return redirect("clinics:site-detail", pk=site.pk)
    return render(
        request, "clinics/site_form.html", {"form": form, "site": site, "page": PAGE}
    )


@permission_required("clinics.add_site", raise_exception=True)
def site_create(request: HttpRequest) -> HttpResponse:
    return _site_form(request, Site())


@permission_required("clinics.change_site", raise_exception=True)
def site_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _site_form(request, get_object_or_404(Site, pk=pk))


@permission_required("clinics.change_site", raise_exception=True)
def site_letterhead(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("core.change_letterhead"):
        raise PermissionDenied
    site = get_object_or_404(Site.objects.select_related("letterhead"), pk=pk)
    clinic = Letterhead.objects.order_by("id").first()
    own = site.letterhead if site.letterhead_id and site.letterhead != clinic else None
    initial = {}
    if own is None:
        initial = {
            "clinic_name": site.name,
            "address": site.address,
            "phone": site.phone,
        }
    form = SiteLetterheadForm(request.POST or None, instance=own, initial=initial)
    if request.method == "POST" and form.is_valid():
        site_letterhead_save(site=site, data=form.cleaned_data, user=request.user)
        messages.success(request, _("The site's letterhead is saved."))
        return redirect("clinics:site-detail", pk=site.pk)
    context = {"form": form, "site": site, "own": own, "page": PAGE}
    return render(request, "clinics/site_letterhead.html", context)


def _intervals_initial(rows: list[Any], starts: str, ends: str, **extra: str) -> list:
    return [
        {
            "weekday": row.weekday,
            "starts": getattr(row, starts),
            "ends": getattr(row, ends),
            **{name: getattr(row, attr) for name, attr in extra.items()},
        }
        for row in rows
    ]


def _intervals(formset: Any) -> list[dict[str, Any]]:
    return cast(BaseIntervalFormSet, formset).intervals()


@permission_required("clinics.change_site", raise_exception=True)
def site_hours(request: HttpRequest, pk: int) -> HttpResponse:
    site = get_object_or_404(Site, pk=pk)
    rows = list(OpeningHours.objects.filter(site=site).order_by("weekday", "opens"))
    initial = _intervals_initial(rows, "opens", "closes")
    # Posted rows are read on their own (a blank one is no interval).
    if request.method == "POST":
        formset = OpeningHoursFormSet(request.POST, prefix="hours")
    else:
        formset = OpeningHoursFormSet(initial=initial, prefix="hours")
    if request.method == "POST" and formset.is_valid():
        opening_hours_set(site=site, intervals=_intervals(formset), user=request.user)
        messages.success(request, _("Opening hours saved."))
        return redirect("clinics:site-detail", pk=site.pk)
    context = {"site": site, "formset": formset, "page": PAGE}
    return render(request, "clinics/site_hours.html", context)


@permission_required("clinics.add_closure", raise_exception=True)
def closure_create(request: HttpRequest, pk: int) -> HttpResponse:
    site = get_object_or_404(Site, pk=pk)
    form = ClosureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        closure_add(site=site, data=form.cleaned_data, user=request.user)
        messages.success(request, _("Closure added."))
        return redirect("clinics:site-detail", pk=site.pk)
    context = {"site": site, "form": form, "page": PAGE}
    return render(request, "clinics/closure_form.html", context)


@require_POST
@permission_required("clinics.delete_closure", raise_exception=True)
def closure_delete(request: HttpRequest, pk: int) -> HttpResponse:
    closure = get_object_or_404(Closure, pk=pk)
    try:
        closure_remove(closure=closure, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Closure removed."))
    return redirect("clinics:site-detail", pk=closure.site_id)


@permission_required("clinics.add_sitemembership", raise_exception=True)
def site_staff(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("clinics.delete_sitemembership"):
        raise PermissionDenied
    site = get_object_or_404(Site, pk=pk)
    current = list(
        SiteMembership.objects.filter(site=site).values_list("user_id", flat=True)
    )
    form = StaffForm(request.POST or None, initial={"users": current})
    if request.method == "POST" and form.is_valid():
        site_staff_set(site=site, users=form.cleaned_data["users"], user=request.user)
        messages.success(request, _("Staff of the site saved."))
        return redirect("clinics:site-detail", pk=site.pk)
    context = {"site": site, "form": form, "page": PAGE}
    return render(request, "clinics/site_staff.html", context)


@permission_required("clinics.change_workinghours", raise_exception=True)
def clinician_hours(request: HttpRequest, pk: int) -> HttpResponse:
    clinician = get_object_or_404(clinicians(), pk=pk)
    rows = list(
        WorkingHours.objects.filter(clinician=clinician).order_by("weekday", "starts")
    )
    used = {row.site_id for row in rows}
    sites = Site.objects.filter(Q(is_active=True) | Q(pk__in=used)).order_by("name")
    initial = _intervals_initial(rows, "starts", "ends", site="site_id")
    kwargs: dict[str, Any] = {"prefix": "hours", "form_kwargs": {"sites": sites}}
    if request.method == "POST":
        formset = WorkingHoursFormSet(request.POST, **kwargs)
    else:
        formset = WorkingHoursFormSet(initial=initial, **kwargs)
    if request.method == "POST" and formset.is_valid():
        working_hours_set(
            clinician=clinician, intervals=_intervals(formset), user=request.user
        )
        messages.success(request, _("Working hours saved."))
        return redirect("clinics:clinician-hours", pk=clinician.pk)
    shown = list(
        WorkingHours.objects.filter(clinician=clinician).select_related("site")
    )
    context = {
        "clinician": clinician,
        "formset": formset,
        "week": _week(shown, "starts", "ends"),
        "moves_query": f"clinician={clinician.pk}",
        "page": PAGE,
    }
    return render(request, "clinics/clinician_hours.html", context)


@permission_required("clinics.view_absence", raise_exception=True)
def absence_list(request: HttpRequest) -> HttpResponse:
    filters = AbsenceFilterForm(request.GET or None, clinicians=clinicians())
    absences = (
        Absence.objects.filter(ends_at__gte=timezone.now())
        .select_related("clinician")
        .order_by("starts_at", "id")
    )
    chosen = None
    if filters.is_valid() and filters.cleaned_data.get("clinician"):
        chosen = filters.cleaned_data["clinician"]
        absences = absences.filter(clinician=chosen)
    context = {
        "filters": filters,
        "absences": list(absences),
        "now": timezone.now(),
        "chosen": chosen,
        "moves_query": f"clinician={chosen.pk}" if chosen else "absences=1",
        "page": PAGE,
    }
    return render(request, "clinics/absence_list.html", context)


@permission_required("clinics.add_absence", raise_exception=True)
def absence_create(request: HttpRequest) -> HttpResponse:
    initial = {}
    if (clinician_id := request.GET.get("clinician", "")).isdigit():
        initial["clinician"] = int(clinician_id)
    form = AbsenceForm(request.POST or None, initial=initial, clinicians=clinicians())
    if request.method == "POST" and form.is_valid():
        absence = absence_add(data=form.cleaned_data, user=request.user)
        messages.success(request, _("Absence recorded."))
        return redirect(f"{_absences_url()}?clinician={absence.clinician_id}")
    return render(request, "clinics/absence_form.html", {"form": form, "page": PAGE})


def _absences_url() -> str:
    return reverse("clinics:absence-list")


@require_POST
@permission_required("clinics.add_absence", raise_exception=True)
def absence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    absence = get_object_or_404(Absence, pk=pk)
    try:
        absence_cancel(absence=absence, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Absence cancelled."))
    return redirect(f"{_absences_url()}?clinician={absence.clinician_id}")
