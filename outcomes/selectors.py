"""What the patient page and the response page show of the questionnaires.

`questionnaires_panel` costs a fixed number of queries however many
responses the patient has: the responses with their instrument, their
answers with the items, and the open invitations. Each row carries the
change of the score from the baseline (the latest earlier response at the
baseline timepoint, else the patient's first response to the instrument)
and from the previous response, flagged only where the instrument defines a
meaningful change (outcomes.scoring).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import get_language

from core.prepared import PreparedQuery
from outcomes import scoring
from outcomes.models import (
    InvitationStatus,
    QuestionnaireAnswer,
    QuestionnaireInvitation,
    QuestionnaireResponse,
    Timepoint,
)
from patients.models import Patient

VIEW_PERM = "outcomes.view_questionnaireresponse"
ADD_PERM = "outcomes.add_questionnaireresponse"
VOID_PERM = "outcomes.change_questionnaireresponse"


@dataclass
class AnswerRow:
    question: str
    value: int | None
    label: str
    scored: bool


@dataclass
class ResponseRow:
    response: QuestionnaireResponse
    instrument_name: str
    answers: list[AnswerRow] = field(default_factory=list)
    from_baseline: scoring.Change | None = None
    from_previous: scoring.Change | None = None

    @property
    def unscored(self) -> list[AnswerRow]:
        return [a for a in self.answers if not a.scored]


@dataclass
class Panel:
    rows: list[ResponseRow]
    open_invitations: list[QuestionnaireInvitation]

    @property
    def newest_first(self) -> list[ResponseRow]:
        return list(reversed(self.rows))


def _language() -> str:
    return "it" if (get_language() or "en")[:2] == "it" else "en"


def _responses(patient: Patient | int) -> Any:
    return (
        QuestionnaireResponse.objects.filter(patient=patient)
        .select_related("instrument", "entered_by", "voided_by")
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=QuestionnaireAnswer.objects.select_related("item").order_by(
                    "item__position"
                ),
            )
        )
        .order_by("answered_at", "id")
    )


def _answer_rows(response: QuestionnaireResponse, language: str) -> list[AnswerRow]:
    return [
        AnswerRow(
            question=answer.item.text_in(language),
            value=answer.value,
            label=answer.item.label_of(answer.value, language),
            scored=answer.item.scored,
        )
        for answer in response.answers.all()
    ]


def response_rows(responses: list[QuestionnaireResponse]) -> list[ResponseRow]:
    """The rows of the responses (oldest first), with their changes."""
    language = _language()
    rows: list[ResponseRow] = []
    # Per instrument: the earlier counted responses (not voided, scored).
    earlier: dict[int, list[QuestionnaireResponse]] = {}
    for response in responses:
        row = ResponseRow(
            response=response,
            instrument_name=response.instrument.name_in(language),
            answers=_answer_rows(response, language),
        )
        before = earlier.setdefault(response.instrument_id, [])
        if not response.is_voided and response.score is not None:
            if before:
                baselines = [r for r in before if r.timepoint == Timepoint.BASELINE]
                baseline = baselines[-1] if baselines else before[0]
                row.from_baseline = scoring.meaningful_change_between(
                    response.instrument, baseline.score, response.score
                )
                if before[-1] is not baseline:
                    row.from_previous = scoring.meaningful_change_between(
                        response.instrument, before[-1].score, response.score
                    )
            before.append(response)
        rows.append(row)
    return rows


# The patient page's queries, built and compiled once (core.prepared).
_PANEL_RESPONSES = PreparedQuery(lambda patient_id: _responses(patient_id))
_OPEN_INVITATIONS = PreparedQuery(
    lambda patient_id: (
        QuestionnaireInvitation.objects.filter(
            patient_id=patient_id,
            status__in=[InvitationStatus.PLANNED, InvitationStatus.SENT],
        )
        .select_related("instrument")
        .order_by("due_on", "id")
    )
)


def questionnaires_panel(patient: Patient) -> Panel:
    """The patient's responses and open invitations (3 queries)."""
    rows = response_rows(_PANEL_RESPONSES(patient.pk))
    return Panel(rows=rows, open_invitations=_OPEN_INVITATIONS(patient.pk))


def response_detail(response_code: Any) -> tuple[QuestionnaireResponse, ResponseRow]:
    """A response and its row, its changes counted against the patient's
    earlier responses to the same instrument (3 queries)."""
    response = QuestionnaireResponse.objects.select_related("patient").get(
        code=response_code
    )
    responses = list(
        _responses(response.patient).filter(
            instrument_id=response.instrument_id,
            answered_at__lte=response.answered_at,
        )
    )
    rows = response_rows(responses)
    row = next(r for r in rows if r.response.pk == response.pk)
    return row.response, row


def score_text(score: Decimal | None) -> str:
    if score is None:
        return "—"
    return f"{score.normalize():f}" if score == score.to_integral() else f"{score:f}"
