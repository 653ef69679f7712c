"""The WSGI app of the test servers, on the test suite's clock.

gunicorn imports this in each worker: the clock jumps to SCLERO_SERVER_NOW
(the moment the tests start at, tests.conftest.frozen_now) and runs on from
there, so that a server's "today" is the tests' today whatever the date.
"""

from __future__ import annotations

import os
from datetime import datetime

import time_machine

time_machine.travel(
    datetime.fromisoformat(os.environ["SCLERO_SERVER_NOW"]), tick=True
).start()

from sclero_clinic.wsgi import application  # noqa: E402

__all__ = ["application"]
