"""Writes to Doppler assessments. Views and commands call these."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from enum import Enum
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.amend import changes_between, clean_amend_reason
from core.models import AddendumKind
from core.roles import is_clinician
from doppler.clinical import (
    ceap_field,
    join_ceap_classes,
    vcss_fields,
    vcss_total_field,
)
from doppler.models import DopplerAddendum, DopplerAssessment, DopplerFinding
from doppler.segments import Segment, Thrombus
from doppler.selectors import assessment_snapshot
from patients.models import Leg, Patient

FINDING_DATA_FIELDS = ("reflux_s", "diameter_mm", "thrombus", "note")

SIGN_PERM = "doppler.sign_dopplerassessment"
ADDENDUM_PERM = "doppler.add_doppleraddendum"
# Edits and voids another examiner's assessment (a lead clinician); no role
# has it by default, superusers do. Every such edit needs a reason.
CHANGE_ANY_PERM = "doppler.change_any_dopplerassessment"


def assessment_recorder_id(assessment: DopplerAssessment) -> int | None:
    """Return the id of who recorded the assessment (its first history row)."""
    first = assessment.history.filter(history_type="+").order_by("history_date")
    return first.values_list("history_user_id", flat=True).first()


def is_own_assessment(user, assessment: DopplerAssessment) -> bool:
    """Return True for the examiner and whoever recorded the assessment."""
    if user is None:
        return False
    if user.pk == assessment.examiner_id:
        return True
    return user.pk == assessment_recorder_id(assessment)


def may_change_assessment(user, assessment: DopplerAssessment) -> bool:
    return is_own_assessment(user, assessment) or user.has_perm(CHANGE_ANY_PERM)


def needs_amend_reason(user, assessment: DopplerAssessment) -> bool:
    return assessment.is_signed or not is_own_assessment(user, assessment)


def not_yours_message(assessment: DopplerAssessment) -> str:
    examiner = assessment.examiner
    who = examiner.get_full_name() or examiner.get_username()
    return _(
        "Only the examiner (%(who)s) or whoever recorded this assessment may "
        "change or void it. You can add a note to it instead."
    ) % {"who": who}


def finding_key(leg: str, segment: str, field: str) -> str:
    """Return the key of one grid cell, e.g. "R-SFJ-reflux_s".

    Finding errors raised below use it, and the segment grid names its fields
    with it, so a service error lands in the cell that is wrong.
    """
    return f"{leg}-{segment}-{field}"


def finding_has_data(values: Mapping[str, Any]) -> bool:
    """Return True when a segment row holds anything worth keeping."""
    return (
        values.get("reflux_s") is not None
        or values.get("diameter_mm") is not None
        or values.get("thrombus") not in (None, "", Thrombus.NONE)
        or bool((values.get("note") or "").strip())
    )


class _Unset(Enum):
    UNSET = "unset"


UNSET = _Unset.UNSET
VcssItems = Sequence[int | None] | None


def _set_ceap(
    assessment: DopplerAssessment,
    leg: str,
    classes: str | Iterable[str],
    single_class: str,
    parts: Mapping[str, str],
) -> None:
    """Set a leg's CEAP; a lone `single_class` stands for the list of classes."""
    if not classes and single_class:
        classes = [single_class]
    setattr(assessment, ceap_field("c", leg), join_ceap_classes(classes))
    for part, value in parts.items():
        setattr(assessment, ceap_field(part, leg), value or "")


def _set_vcss(
    assessment: DopplerAssessment,
    leg: str,
    items: VcssItems,
    total: int | None | _Unset,
) -> None:
    """Set a leg's ten VCSS items; the model's clean() derives the total.

    Without items, the stored total is what a record scored before the items
    were recorded had; it stays as it was, unless `total` replaces it (a
    score copied from elsewhere) or the items were just cleared (no score).
    """
    names = vcss_fields(leg)
    scores = list(items) if items is not None else [None] * len(names)
    if len(scores) != len(names):
        raise ValueError(f"VCSS needs {len(names)} item scores, got {len(scores)}.")
    had_items = assessment.vcss_items_recorded(leg)
    for name, score in zip(names, scores, strict=True):
        setattr(assessment, name, score)
    if any(score is not None for score in scores):
        return
    if total is not UNSET:
        setattr(assessment, vcss_total_field(leg), total)
    elif had_items:
        setattr(assessment, vcss_total_field(leg), None)


def _save_assessment(
    assessment: DopplerAssessment,
    *,
    reason: str,
    user: Any = None,
    examiner: Any,
    assessed_on: date,
    findings: Iterable[Mapping[str, Any]] = (),
    ceap_c_right: str | Iterable[str] = "",
    ceap_s_right: str = "",
    ceap_e_right: str = "",
    ceap_a_right: str = "",
    ceap_p_right: str = "",
    ceap_c_left: str | Iterable[str] = "",
    ceap_s_left: str = "",
    ceap_e_left: str = "",
    ceap_a_left: str = "",
    ceap_p_left: str = "",
    vcss_items_right: VcssItems = None,
    vcss_items_left: VcssItems = None,
    ceap_right: str = "",
    ceap_left: str = "",
    vcss_right: int | None | _Unset = UNSET,
    vcss_left: int | None | _Unset = UNSET,
    conclusion: str = "",
    recommended_plan: str = "",
    plan_notes: str = "",
) -> DopplerAssessment:
    """Set the header fields, save, then bring the grid in line (one transaction)."""
    changed_examiner = assessment.examiner_id != getattr(examiner, "pk", None)
    if changed_examiner and not is_clinician(examiner):
        raise ValidationError({"examiner": _("The examiner must be a clinician.")})
    assessment.examiner = examiner
    assessment.assessed_on = assessed_on
    legs = {
        Leg.RIGHT: (
            ceap_c_right,
            ceap_right,
            {
                "s": ceap_s_right,
                "e": ceap_e_right,
                "a": ceap_a_right,
                "p": ceap_p_right,
            },
            vcss_items_right,
            vcss_right,
        ),
        Leg.LEFT: (
            ceap_c_left,
            ceap_left,
            {"s": ceap_s_left, "e": ceap_e_left, "a": ceap_a_left, "p": ceap_p_left},
            vcss_items_left,
            vcss_left,
        ),
    }
    for leg, (classes, single, parts, items, total) in legs.items():
        _set_ceap(assessment, leg, classes, single, parts)
        _set_vcss(assessment, leg, items, total)
    assessment.conclusion = (conclusion or "").strip()
    assessment.recommended_plan = recommended_plan or ""
    assessment.plan_notes = (plan_notes or "").strip()
    assessment.full_clean()
    assessment._change_reason = reason
    if user is not None:
        assessment._history_user = user
    assessment.save()
    # Errors in the grid roll the whole assessment back (transaction.atomic).
    _save_findings(assessment, findings)
    return assessment


def _save_findings(
    assessment: DopplerAssessment, findings: Iterable[Mapping[str, Any]]
) -> None:
    """Bring the assessment's finding rows in line with the submitted grid.

    Rows with data are updated in place (or created); a row the user cleared is
    deleted. We delete rather than keep a blank row because a blank row would
    read as "examined, normal" and no longer as "not recorded". Nothing is lost:
    simple_history stores the deleted row with all its values ("-" record), and
    the assessment itself is never deleted, only voided.
    """
    existing = {(f.leg, f.segment): f for f in assessment.findings.all()}
    seen: set[tuple[str, str]] = set()
    errors: dict[str, list] = {}
    to_save = []
    for values in findings:
        leg, segment = values["leg"], values["segment"]
        if leg not in Leg.values or segment not in Segment.values:
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                _("Unknown leg or segment: %(leg)s %(segment)s.")
                % {"leg": leg, "segment": segment}
            )
            continue
        if (leg, segment) in seen:
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                _("%(segment)s of the %(leg)s leg is entered twice.")
                % {"segment": segment, "leg": Leg(leg).label.lower()}
            )
            continue
        seen.add((leg, segment))
        if not finding_has_data(values):
            continue
        finding = existing.pop((leg, segment), None) or DopplerFinding(
            assessment=assessment, leg=leg, segment=segment
        )
        finding.reflux_s = values.get("reflux_s")
        finding.diameter_mm = values.get("diameter_mm")
        finding.thrombus = values.get("thrombus") or Thrombus.NONE
        finding.note = (values.get("note") or "").strip()
        try:
            finding.full_clean()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                if field == NON_FIELD_ERRORS:
                    errors.setdefault(NON_FIELD_ERRORS, []).extend(messages)
                else:
                    errors[finding_key(leg, segment, field)] = messages
            continue
        to_save.append(finding)
    if errors:
        raise ValidationError(errors)
    for finding in existing.values():
        finding._change_reason = "Cleared on edit"
        finding.delete()
    for finding in to_save:
        finding.save()


@transaction.atomic
def doppler_create(*, patient: Patient, **fields: Any) -> DopplerAssessment:
    """Save a Doppler assessment and one finding per segment that has data.

    `fields`: examiner, assessed_on, findings (the grid's rows), per leg the
    CEAP (ceap_c_right: the clinical classes, a list or "C2,C4c"; ceap_s_right,
    ceap_e_right, ceap_a_right, ceap_p_right) and the VCSS (vcss_items_right:
    the ten item scores 0-3 in item order, or None for not scored), the same
    for the left leg, then conclusion, recommended_plan, plan_notes.

    The model derives each leg's highest class and VCSS total, and refuses
    ulcer items (7 to 9) on a leg without C6 or C6r. For scores copied from
    older records, ceap_right (one class) stands for ceap_c_right when that
    is empty, and vcss_right is a total recorded without items; likewise
    for the left leg.
    """
    return _save_assessment(
        DopplerAssessment(patient=patient), reason="Created", **fields
    )


@transaction.atomic
def doppler_update(
    *,
    assessment: DopplerAssessment,
    expected_version: int | None = None,
    user: Any = None,
    amend_reason: str = "",
    **fields: Any,
) -> DopplerAssessment:
    """Change an assessment and its grid; refuse voided or concurrently edited ones.

    `expected_version` is the version the editor loaded; if someone else
    saved in between, the change is refused rather than silently overwriting.

    With `user` given, only the examiner or whoever recorded the assessment
    changes it, or a user with CHANGE_ANY_PERM; a change to a signed
    assessment or to another's is an amendment: it needs `amend_reason` and
    writes an addendum with the values changed, in the same transaction.
    (Without `user`, as in commands and imports, no amendment is checked.)
    """
    # The row lock makes the staleness check and the write one step.
    current = DopplerAssessment.objects.select_for_update().get(pk=assessment.pk)
    if current.is_voided:
        raise ValidationError(
            _("This assessment is voided and can no longer be changed.")
        )
    current.check_version(expected_version)
    amending = False
    if user is not None:
        if not may_change_assessment(user, current):
            raise ValidationError({NON_FIELD_ERRORS: [not_yours_message(current)]})
        amending = needs_amend_reason(user, current)
    elif current.is_signed:
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("A signed assessment is changed by amendment.")]}
        )
    if amending:
        amend_reason = clean_amend_reason(amend_reason)
    before = assessment_snapshot(current, list(current.findings.all()))
    current.bump_version()
    reason = f"Amended: {amend_reason}"[:100] if amending else "Edited"
    saved = _save_assessment(current, reason=reason, user=user, **fields)
    changes = changes_between(
        before, assessment_snapshot(saved, list(saved.findings.all()))
    )
    if amending:
        if not changes:
            raise ValidationError(
                {NON_FIELD_ERRORS: [_("Nothing was changed: there is no addendum.")]}
            )
        _write_addendum(
            saved,
            user=user,
            kind=AddendumKind.CORRECTION,
            text=amend_reason,
            changes=changes,
        )
    return saved


def _write_addendum(
    assessment: DopplerAssessment,
    *,
    user: Any,
    kind: str,
    text: str,
    changes: list[dict[str, str]] | None = None,
) -> DopplerAddendum:
    addendum = DopplerAddendum(
        assessment=assessment, author=user, kind=kind, text=text, changes=changes or []
    )
    addendum._history_user = user
    addendum._change_reason = f"Addendum ({kind})"
    addendum.save()
    return addendum


@transaction.atomic
def doppler_sign(
    *, assessment: DopplerAssessment, user: Any, expected_version: int | None = None
) -> DopplerAssessment:
    """Sign a complete assessment: only its examiner, once, not voided."""
    current = DopplerAssessment.objects.select_for_update().get(pk=assessment.pk)
    current.check_version(expected_version)
    if user is None or user.pk != current.examiner_id:
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("Only the examiner signs a Doppler assessment.")]}
        )
    current.mark_signed(user=user)
    current.bump_version()
    current._history_user = user
    current._change_reason = "Signed"
    current.save()
    return current


@transaction.atomic
def doppler_addendum_add(
    *, assessment: DopplerAssessment, user: Any, text: str
) -> DopplerAddendum:
    """Add a note to an assessment, signed or not, by any clinician."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write what you add to the record.")]})
    return _write_addendum(assessment, user=user, kind=AddendumKind.NOTE, text=text)


@transaction.atomic
def doppler_void(
    *, assessment: DopplerAssessment, user, reason: str
) -> DopplerAssessment:
    """Mark an assessment void with a reason; it stays on record and in history."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for voiding.")})
    max_length = DopplerAssessment._meta.get_field("void_reason").max_length
    if max_length is not None and len(reason) > max_length:
        raise ValidationError(
            {
                "reason": _("Keep the reason under %(max)s characters.")
                % {"max": max_length}
            }
        )
    current = DopplerAssessment.objects.select_for_update().get(pk=assessment.pk)
    if current.is_signed:
        raise ValidationError(
            {
                "reason": _(
                    "A signed assessment cannot be voided: correct it with an "
                    "amendment, which keeps the signed original."
                )
            }
        )
    if user is not None and not may_change_assessment(user, current):
        raise ValidationError({"reason": not_yours_message(current)})
    current.mark_voided(user=user, reason=reason)
    current.bump_version()
    current._change_reason = f"Voided: {reason}"
    current.save()
    return current
