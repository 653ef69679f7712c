"""A clinician's private calendar feed.

The page (`agenda/calendar-feed/`, clinicians only) shows the feed's address
and makes or replaces its secret token; replacing it stops the old address at
once. The feed (`calendar/<token>.ics`, no login: calendar apps cannot log
in) holds the clinician's active visits from FEED_DAYS_BEFORE days ago to
FEED_DAYS_AFTER days ahead, each with only its times, its site and its
purpose as title: never the patient.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from core import roles
from core.access import note_access
from visits import ics
from visits.models import ACTIVE_STATUSES, CalendarFeed, FollowUpVisit
from visits.views_public import private_page

FEED_DAYS_BEFORE = 30
FEED_DAYS_AFTER = 180


def feed_url(feed: CalendarFeed) -> str:
    path = reverse("visits:feed", kwargs={"token": feed.token})
    return f"{settings.SCLERO_SITE_URL}{path}"


def replace_feed_token(user) -> CalendarFeed:
    """Give the user's feed a new secret token (the old one stops working)."""
    with transaction.atomic():
        feed, _created = CalendarFeed.objects.select_for_update().get_or_create(
            user=user, defaults={"token": secrets.token_urlsafe(32)}
        )
        if not _created:
            feed.token = secrets.token_urlsafe(32)
            feed.save(update_fields=["token"])
    return feed


@require_http_methods(["GET", "HEAD", "POST"])
def calendar_feed(request: HttpRequest) -> HttpResponse:
    if not roles.is_clinician(request.user):
        raise PermissionDenied
    if request.method == "POST":
        replace_feed_token(request.user)
        messages.success(
            request,
            _(
                "New calendar address made. The old one no longer works: put the "
                "new one in your calendar app."
            ),
        )
        return redirect("visits:calendar-feed")
    user: Any = request.user
    feed = CalendarFeed.objects.filter(user=user).first()
    context = {
        "feed": feed,
        "feed_url": feed_url(feed) if feed else "",
        "days_before": FEED_DAYS_BEFORE,
        "days_after": FEED_DAYS_AFTER,
        "page": "agenda",
    }
    # A page of the application (its form needs the browser's Origin): the
    # middleware keeps it out of caches as every logged-in page.
    return render(request, "visits/calendar_feed.html", context)


@login_not_required
@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    found = (
        CalendarFeed.objects.select_related("user")
        .filter(token=token, user__is_active=True)
        .first()
    )
    if (
        found is None
        or not secrets.compare_digest(found.token, token)
        or not roles.is_clinician(found.user)
    ):
        raise Http404
    now = timezone.now()
    visits = list(
        FollowUpVisit.objects.filter(
            clinician=found.user,
            status__in=ACTIVE_STATUSES,
            starts_at__gte=now - timedelta(days=FEED_DAYS_BEFORE),
            starts_at__lt=now + timedelta(days=FEED_DAYS_AFTER),
        )
        .select_related("site")
        .only(
            "code",
            "purpose",
            "starts_at",
            "duration_min",
            "status",
            "version",
            "site__name",
            "site__address",
        )
        .order_by("starts_at", "id")
    )
    name = _("Visits: %(dr)s") % {"dr": roles.clinician_label(found.user)}
    body = ics.feed_calendar_bytes(visits, name=name)
    note_access(
        request,
        "calendar-feed",
        count=len(visits),
        user=found.user,
        path=request.path.replace(token, "…"),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="visits.ics"'
    return private_page(response)
