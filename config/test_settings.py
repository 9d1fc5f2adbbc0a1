"""Settings for the test suite: the normal settings in "test" mode (fast hashing, mail kept
in memory, Celery eager unless a test starts a real worker). Nothing else differs."""

import os

os.environ["RECTIFY_ENV"] = "test"

from .settings import *  # noqa: F403

# Under pytest-xdist each worker (gw0, gw1, …) has its own test database (pytest-django) and
# here its own Celery queue and cache prefix, so workers sharing one Redis never meet.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _WORKER:
    CELERY_TASK_DEFAULT_QUEUE = f"{CELERY_TASK_DEFAULT_QUEUE}-{_WORKER}"  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = _WORKER  # noqa: F405
