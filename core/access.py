"""What a request read of patient data, for the access log.

A view that shows or sends patient data says so with `note_access`; the
access log's middleware (accesslog.middleware) writes one row per request
from what was noted, after the response is made. Noting costs no query, so
every layer may call it without importing the log itself.

    note_access(request, "session", patient=session.patient, label=str(session))
    note_access(request, "patient-search", query=q, count=page.paginator.count)

A page opened without a login by a secret link (a reminder's answer page, a
calendar feed) notes its read too: `path` is then logged instead of the
address with the secret in it, and `user` names whose feed was read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ATTRIBUTE = "_sclero_access"


@dataclass
class Access:
    """One read: its kind, the patient it named (if one), and for a list or
    search the query and how many patients it showed."""

    kind: str
    patient: Any = None
    label: str = ""
    query: str = ""
    count: int | None = None
    # Without a login: whose secret link was used (None: the patient's).
    user: Any = None
    # Logged instead of the request's path, which holds a secret.
    path: str = ""


def note_access(
    request: Any,
    kind: str,
    *,
    patient: Any = None,
    label: str = "",
    query: str = "",
    count: int | None = None,
    user: Any = None,
    path: str = "",
) -> None:
    """Record on the request what it read; the last note of a request wins."""
    setattr(
        request,
        ATTRIBUTE,
        Access(
            kind=kind,
            patient=patient,
            label=label,
            query=query,
            count=count,
            user=user,
            path=path,
        ),
    )


def noted_access(request: Any) -> Access | None:
    """Return what the request noted, or None."""
    return getattr(request, ATTRIBUTE, None)
