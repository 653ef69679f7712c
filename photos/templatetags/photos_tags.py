"""{% session_photos session %}: the session page's photo card.

The session page belongs to treatments, which sits below photos and cannot
import it; the template loads this tag instead. One query (the session's
photos), whatever their number; nothing for a user without the view
permission (front desk).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from core.forms import VoidForm
from photos import services
from photos.models import ClinicalPhoto, Phase

register = template.Library()


def _void_form(photo: ClinicalPhoto) -> VoidForm:
    form = VoidForm(auto_id=f"photo-{photo.code}-%s")
    form.fields["reason"].widget.attrs.update(
        {"class": "form-control form-control-sm", "required": True}
    )
    return form


@register.inclusion_tag("photos/session_photos.html", takes_context=True)
def session_photos(context: template.Context, session: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm(services.VIEW_PERM):
        return {"shown": False}
    photos = list(
        ClinicalPhoto.objects.filter(session=session)
        .select_related("voided_by")
        .order_by("taken_at", "id")
    )
    active = [photo for photo in photos if not photo.is_voided]
    may_void = user.has_perm(services.VOID_PERM)

    def group(phase: str) -> list[tuple[ClinicalPhoto, VoidForm | None]]:
        return [
            (photo, _void_form(photo) if may_void else None)
            for photo in active
            if photo.phase == phase
        ]

    return {
        "shown": True,
        "session": session,
        "active": active,
        "voided": [photo for photo in photos if photo.is_voided],
        "groups": [
            (_("Before treatment"), group(Phase.BEFORE)),
            (_("After treatment"), group(Phase.AFTER)),
        ],
        "may_add": user.has_perm(services.ADD_PERM) and not session.is_voided,
        "csrf_token": context.get("csrf_token"),
    }
