"""Settings for the test suite: the normal settings in "test" mode (fast hashing, mail kept
in memory, Celery eager unless a test starts a real worker). Nothing else differs."""

import os

os.environ["RECTIFY_ENV"] = "test"

from .settings import *  # noqa: F403
