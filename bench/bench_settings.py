"""Production's settings, with static files collected into the benchmark's
temporary folder (BENCH_STATIC_ROOT) instead of the project's."""

import os

from sclero_clinic.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
