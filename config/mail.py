"""The mail backend of `make run`: one `.eml` file per message in EMAIL_FILE_PATH.

Django's file backend appends every message a connection sends to one `.log` file, with
separator lines between them, which no mail program opens. Here each message is written
whole, as the bytes an SMTP server would receive, to its own file named after the time,
the process and a counter, so a double-click opens it in any mail program.
"""

from __future__ import annotations

import datetime
import itertools
import os
import threading
from collections.abc import Sequence
from pathlib import Path

from django.core.mail import EmailMessage
from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend

_counter = itertools.count(1)
_lock = threading.Lock()


class EmlFileBackend(FileEmailBackend):
    def open(self) -> bool:
        return False  # nothing to hold open: each message gets its own file

    def close(self) -> None:
        return None

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages or ():
            if not message.recipients():
                continue
            with _lock:
                number = next(_counter)
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            path = Path(self.file_path) / f"{stamp}-{os.getpid()}-{number:05d}.eml"
            try:
                # "x": never overwrite a message another process wrote under the same name.
                with open(path, "xb") as stream:
                    stream.write(message.message().as_bytes())
            except Exception:
                if not self.fail_silently:
                    raise
                continue
            sent += 1
        return sent
