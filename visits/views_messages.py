"""The front desk's action on a visit's reminders: send one again."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clinics.scoping import user_site_ids
from core.urls_safe import redirect_next
from visits import reminders
from visits.models import FollowUpVisit


@require_POST
@permission_required("visits.change_followupvisit", raise_exception=True)
def message_send_again(request: HttpRequest, code) -> HttpResponse:
    """Send again the failed or unknown message posted as `message`."""
    visits = FollowUpVisit.objects.all()
    site_ids = user_site_ids(request.user)
    if site_ids is not None:
        visits = visits.filter(site_id__in=site_ids)
    visit = get_object_or_404(visits, code=code)
    raw = request.POST.get("message", "")
    try:
        message_id = int(raw) if raw.isascii() and raw.isdigit() else None
        if message_id is None or message_id > 2**63 - 1:
            raise ValidationError(_("Choose a message to send again."))
        reminders.send_again(visit, message_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The message will be sent again shortly."))
    return redirect_next(request, visit.get_absolute_url() + "#visit-messages")
