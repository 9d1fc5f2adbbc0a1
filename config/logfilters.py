"""Logging filters (settings.LOGGING)."""

from __future__ import annotations

import logging


class ClientErrorWithoutTraceback(logging.Filter):
    """A 403 or 404 is an answer, not a fault: log its one line, not the traceback of the
    PermissionDenied or Http404 that produced it. Server errors keep their traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.name == "django.request" and isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
