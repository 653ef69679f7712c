"""Writes to treatment sessions. Views, admin actions and commands call these.

Every save of a session goes through `session_create` or `session_update`,
which check the whole set of active injections against the clinical limits
(DOMAIN.md §4.3) and the patient's contraindications (§6.1), and refuse a
stale edit (optimistic locking on `TreatmentSession.version`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.amend import changes_between, clean_amend_reason
from core.models import AddendumKind
from core.validators import validate_clinical_date, validate_reason
from patients.models import Patient
from treatments.consents import link_consent
from treatments.lots import fill_missing_lots
from treatments.models import Injection, SessionAddendum, TreatmentSession
from treatments.review import SessionReview, session_review
from treatments.selectors import session_snapshot
from treatments.submission import (
    apply_session_data,
    build_injections,
    injection_values,
)
from treatments.summaries import lock_patient, session_key, sessions_changed

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import Field

OVERRIDE_PERM = "treatments.override_limit"
SIGN_PERM = "treatments.sign_treatmentsession"
ADDENDUM_PERM = "treatments.add_sessionaddendum"
# Edits and voids another clinician's session (a lead clinician); no role has
# it by default, superusers do. Every such edit needs a reason (an addendum).
CHANGE_ANY_PERM = "treatments.change_any_session"

# Who may edit or void a session: the treating clinician or whoever recorded
# it, before sign-off; anyone else only with CHANGE_ANY_PERM and a reason.
# After sign-off every change is a correction with a reason (an addendum);
# a signed session is never voided. Notes and reactions: any clinician.


def is_own_session(user, session: TreatmentSession) -> bool:
    """Return True for the treating clinician and whoever recorded the session."""
    return user is not None and user.pk in (session.clinician_id, session.created_by_id)


def may_change_session(user, session: TreatmentSession) -> bool:
    """Return True if `user` may edit or void `session` (role permission aside)."""
    return is_own_session(user, session) or user.has_perm(CHANGE_ANY_PERM)


def needs_amend_reason(user, session: TreatmentSession) -> bool:
    """Return True if a change by `user` is an amendment with a reason:
    the session is signed, or it is not the user's own."""
    return session.is_signed or not is_own_session(user, session)


def not_yours_message(session: TreatmentSession) -> str:
    who = session.clinician.get_full_name() or session.clinician.get_username()
    return _(
        "Only the treating clinician (%(who)s) or whoever recorded this session "
        "may change or void it. You can add a note to it instead."
    ) % {"who": who}


def _injection_changes(changes: list[dict[str, str]]) -> list[dict[str, str]]:
    """Name injection rows that were added, removed or changed, in words."""
    for change in changes:
        if change["field"].startswith("injection-"):
            if change["old"] == "—":
                change["label"] = _("Injection added")
            elif change["new"] == "—":
                change["label"] = _("Injection removed")
            else:
                change["label"] = _("Injection changed")
    return changes


def _injection_field(name: str) -> Field[Any, Any]:
    """Return the Injection field a row error names (full_clean() keys are fields)."""
    return cast("Field[Any, Any]", Injection._meta.get_field(name))


class SessionRefused(ValidationError):
    """A session that cannot be saved: session-level errors plus row errors.

    `row_errors` maps the 0-based position of an injection in the list given
    to the service to {field: [messages]}, so a form can put each message
    on the right cell. The plain `message_dict` also lists them under
    "injections" for callers without a form.
    """

    def __init__(
        self,
        errors: Mapping[str, list[str]],
        row_errors: Mapping[int, Mapping[str, list[str]]] | None = None,
    ) -> None:
        self.row_errors = {i: dict(fields) for i, fields in (row_errors or {}).items()}
        flat: dict[str, list[str]] = {key: list(msgs) for key, msgs in errors.items()}
        for index, fields in sorted(self.row_errors.items()):
            for name, messages in fields.items():
                label = (
                    ""
                    if name == NON_FIELD_ERRORS
                    else f" {_injection_field(name).verbose_name}"
                )
                for message in messages:
                    flat.setdefault("injections", []).append(
                        _("Injection %(row)d%(label)s: %(message)s")
                        % {"row": index + 1, "label": label, "message": message}
                    )
        super().__init__(flat)


def _apply_limits(
    review: SessionReview,
    *,
    user,
    override_reason: str,
    override_confirmed: bool,
    injections_changed: bool,
    screening_confirmed: bool = True,
) -> tuple[User | None, str]:
    """Return (override_by, reason) to record, or raise SessionRefused.

    Absolute contraindications block only when injections are added or
    changed: a past session can always be documented (a reaction, notes,
    compression, a correction). A limit is exceeded only by a clinician
    allowed to, with a real reason and an explicit confirmation of the figures.
    """
    errors: dict[str, list[str]] = {
        name: list(messages) for name, messages in review.field_errors.items()
    }
    if review.blocks and injections_changed:
        errors[NON_FIELD_ERRORS] = list(review.blocks)
    if review.unasked_absolute and injections_changed and not screening_confirmed:
        errors["screening_confirmed"] = [
            _(
                "These questions were never asked: %(questions)s. Ask them today "
                "and tick this box before treating."
            )
            % {"questions": "; ".join(review.unasked_absolute)}
        ]
    override_by, reason = None, ""
    if review.limit_problems:
        may_override = user.has_perm(OVERRIDE_PERM)
        reason = (override_reason or "").strip()
        reason_error = None
        if reason:
            try:
                validate_reason(reason)
            except ValidationError as error:
                reason_error = error.messages
        if may_override and reason and not reason_error and override_confirmed:
            override_by = user
        else:
            errors.setdefault(NON_FIELD_ERRORS, []).extend(review.limit_problems)
            if not may_override:
                errors[NON_FIELD_ERRORS].append(
                    _("Only a clinician allowed to override limits can save this.")
                )
            elif not reason:
                errors["limit_override_reason"] = [
                    _("Give the reason for exceeding the limit, or lower the dose.")
                ]
            elif reason_error:
                errors["limit_override_reason"] = reason_error
            else:
                errors["confirm_override"] = [
                    _("Confirm that you exceed the limit: %(figures)s")
                    % {"figures": " ".join(review.limit_problems)}
                ]
    if errors:
        raise SessionRefused(errors)
    return override_by, reason


def _save_all(
    session: TreatmentSession,
    injections: list[Injection],
    originals: Mapping[int, tuple],
    *,
    user,
    reason: str,
) -> None:
    session._history_user = user
    session._change_reason = reason
    session.save()
    for index, injection in enumerate(injections):
        if injection.pk and originals.get(index) == injection_values(injection):
            continue
        injection.session = session
        injection._history_user = user
        injection._change_reason = reason
        injection.save()


def _validate_and_review(
    session: TreatmentSession,
    *,
    data: Mapping,
    rows: list[Mapping],
    existing: Mapping[int, Injection],
    override_reason: str,
    override_confirmed: bool,
    user,
) -> tuple[list[Injection], dict[int, tuple]]:
    # A signed consent covering the session is its informed consent.
    data = link_consent(session, data, rows)
    errors = apply_session_data(session, data)
    injections, row_errors, originals = build_injections(session, rows, existing)
    if not rows:
        errors.setdefault("injections", []).append(_("Record at least one injection."))
    if errors or row_errors:
        raise SessionRefused(errors, row_errors)
    fill_missing_lots(injections, timezone.localtime(session.performed_at).date())
    review = session_review(
        patient=session.patient,
        performed_at=session.performed_at,
        weight_kg=session.weight_kg,
        doppler=session.doppler,
        injections=injections,
        session=session,
        compression=session.compression,
        bandage_days=session.bandage_days,
        stocking_class=session.stocking_class,
    )
    changed = any(
        injection.pk is None or originals.get(index) != injection_values(injection)
        for index, injection in enumerate(injections)
    )
    override_by, reason = _apply_limits(
        review,
        user=user,
        override_reason=override_reason,
        override_confirmed=override_confirmed,
        injections_changed=changed,
        screening_confirmed=session.screening_confirmed,
    )
    session.limit_override_by = override_by
    session.limit_override_reason = reason
    return injections, originals


def session_create(
    *,
    patient: Patient,
    clinician,
    data: Mapping,
    injections: Sequence[Mapping],
    override_reason: str = "",
    override_confirmed: bool = False,
    user,
) -> TreatmentSession:
    """Save a new session with its injections, or raise SessionRefused."""
    if patient.is_archived:
        raise SessionRefused(
            {
                NON_FIELD_ERRORS: [
                    _("This patient is archived; restore the record first.")
                ]
            }
        )
    session = TreatmentSession(patient=patient, clinician=clinician, created_by=user)
    with transaction.atomic():
        lock_patient(patient.pk)
        built, originals = _validate_and_review(
            session,
            data=data,
            rows=list(injections),
            existing={},
            override_reason=override_reason,
            override_confirmed=override_confirmed,
            user=user,
        )
        session.version = 1
        _save_all(session, built, originals, user=user, reason="Session recorded")
        sessions_changed(
            patient_id=patient.pk,
            keys=[session_key(session.performed_at, session.clinician_id)],
            lock=False,
        )
    return session


def session_update(
    *,
    session: TreatmentSession,
    expected_version: int,
    data: Mapping,
    injections: Sequence[Mapping],
    override_reason: str = "",
    override_confirmed: bool = False,
    amend_reason: str = "",
    user,
) -> TreatmentSession:
    """Save changes to a session, refusing a stale version; return the saved row.

    Rows carry "id" for saved injections; saved injections missing from
    `injections` are voided, never deleted.

    A change to a signed session, or to another clinician's session by a
    user allowed to (CHANGE_ANY_PERM), is an amendment: it needs
    `amend_reason`, and an addendum holding the reason and the values
    changed (was, now) is written with it, in the same transaction.
    """
    with transaction.atomic():
        # The patient first (as every writer of its sessions and visits),
        # then the row: two clinicians saving at once are serialised here,
        # and the second one sees the first one's version.
        lock_patient(session.patient_id)
        current = TreatmentSession.objects.select_for_update().get(pk=session.pk)
        was = session_key(current.performed_at, current.clinician_id)
        if current.version != expected_version:
            raise SessionRefused({NON_FIELD_ERRORS: [current.stale_message()]})
        if current.is_voided:
            raise SessionRefused({NON_FIELD_ERRORS: [_("This session was voided.")]})
        if not may_change_session(user, current):
            raise SessionRefused({NON_FIELD_ERRORS: [not_yours_message(current)]})
        amending = needs_amend_reason(user, current)
        if amending:
            try:
                amend_reason = clean_amend_reason(amend_reason)
            except ValidationError as error:
                raise SessionRefused(error.message_dict) from None
        existing = {
            injection.pk: injection
            for injection in current.injections.filter(
                voided_at__isnull=True
            ).select_related("lot")
        }
        before = session_snapshot(current, list(existing.values()))
        rows = list(injections)
        built, originals = _validate_and_review(
            current,
            data=data,
            rows=rows,
            existing=existing,
            override_reason=override_reason,
            override_confirmed=override_confirmed,
            user=user,
        )
        changes = _injection_changes(
            changes_between(before, session_snapshot(current, built))
        )
        if amending and not changes:
            raise SessionRefused(
                {NON_FIELD_ERRORS: [_("Nothing was changed: there is no addendum.")]}
            )
        current.bump_version()
        history_reason = f"Amended: {amend_reason}"[:100] if amending else ""
        _save_all(
            current,
            built,
            originals,
            user=user,
            reason=history_reason or "Session edited",
        )
        kept = {injection.pk for injection in built}
        now = timezone.now()
        for pk, injection in existing.items():
            if pk not in kept:
                injection.voided_at = now
                injection._history_user = user
                injection._change_reason = "Injection removed from the session"
                injection.save(update_fields=["voided_at"])
        sessions_changed(
            patient_id=current.patient_id,
            keys=[was, session_key(current.performed_at, current.clinician_id)],
            lock=False,
        )
        if amending:
            _write_addendum(
                current,
                user=user,
                kind=AddendumKind.CORRECTION,
                text=amend_reason,
                changes=changes,
            )
    return current


def _write_addendum(
    session: TreatmentSession,
    *,
    user,
    kind: str,
    text: str,
    changes: list[dict[str, str]] | None = None,
    noticed_at=None,
) -> SessionAddendum:
    addendum = SessionAddendum(
        session=session,
        author=user,
        kind=kind,
        text=text,
        changes=changes or [],
        noticed_at=noticed_at,
    )
    addendum._history_user = user
    addendum._change_reason = f"Addendum ({kind})"
    addendum.save()
    return addendum


def session_sign(
    *, session: TreatmentSession, user, expected_version: int | None = None
) -> TreatmentSession:
    """Sign a complete session: only its treating clinician, once, not voided.

    From then on a change is an amendment with a reason (session_update).
    """
    with transaction.atomic():
        current = TreatmentSession.objects.select_for_update().get(pk=session.pk)
        current.check_version(expected_version)
        if user is None or user.pk != current.clinician_id:
            raise ValidationError(
                {NON_FIELD_ERRORS: [_("Only the treating clinician signs a session.")]}
            )
        current.mark_signed(user=user)
        current.bump_version()
        current._history_user = user
        current._change_reason = "Signed"
        current.save()
    return current


def session_addendum_add(
    *, session: TreatmentSession, user, kind: str, text: str, noticed_at=None
) -> SessionAddendum:
    """Add a note or a reaction to a session, signed or not, by any clinician.

    A reaction is never refused for anything but an empty text or an
    impossible date: it must always be possible to record one.
    """
    text = (text or "").strip()
    errors: dict[str, list[str]] = {}
    if kind not in (AddendumKind.NOTE, AddendumKind.REACTION):
        errors["kind"] = [_("Choose a note or a reaction.")]
    if not text:
        errors["text"] = [_("Write what you add to the record.")]
    if noticed_at is not None:
        try:
            validate_clinical_date(noticed_at)
        except ValidationError as error:
            errors["noticed_at"] = error.messages
        else:
            if noticed_at > timezone.now():
                errors["noticed_at"] = [_("This time is in the future.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return _write_addendum(
            session,
            user=user,
            kind=kind,
            text=text,
            noticed_at=noticed_at if kind == AddendumKind.REACTION else None,
        )


def session_void(*, session: TreatmentSession, user, reason: str) -> TreatmentSession:
    """Void a session with a reason; it stays in the record and the history."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason for voiding the session.")]})
    try:
        validate_reason(reason)
    except ValidationError as error:
        raise ValidationError({"reason": error.messages}) from None
    with transaction.atomic():
        lock_patient(session.patient_id)
        current = TreatmentSession.objects.select_for_update().get(pk=session.pk)
        if current.is_signed:
            raise ValidationError(
                {
                    "reason": [
                        _(
                            "A signed session cannot be voided: correct it with "
                            "an amendment, which keeps the signed original."
                        )
                    ]
                }
            )
        if not may_change_session(user, current):
            raise ValidationError({"reason": [not_yours_message(current)]})
        current.mark_voided(user=user, reason=reason[:255])
        current.bump_version()
        current._history_user = user
        current._change_reason = f"Voided: {reason}"[:100]
        current.save()
        sessions_changed(
            patient_id=current.patient_id,
            keys=[session_key(current.performed_at, current.clinician_id)],
            lock=False,
        )
    return current
