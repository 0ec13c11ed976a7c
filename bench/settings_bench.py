"""The production settings, for the deadline-day load test (bench/deadline_day_run.py) only.

Production as it is, with two changes that touch no request the load test makes: the demo may
be loaded (into the run's throwaway database), and static files are collected into, and served
from, the run's own directory (``BENCH_STATIC_ROOT``) rather than the project's.
"""

import os

from config.settings.production import *  # noqa: F403

DEMO_DATA_ALLOWED = True
STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
