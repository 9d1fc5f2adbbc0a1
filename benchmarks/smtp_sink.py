"""A real local SMTP server for the benchmarks: accepts every message, counts messages and bytes.

    .venv/bin/python benchmarks/smtp_sink.py PORT STATS.json

aiosmtpd in its own process (so its work is not counted in the measured ones). On SIGTERM it
writes {"messages", "bytes", "largest", "peak_rss_mb"} to STATS.json and exits.
"""

from __future__ import annotations

import json
import resource
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self):
        self.messages = 0
        self.bytes = 0
        self.largest = 0

    async def handle_DATA(self, server, session, envelope):
        size = len(envelope.original_content or envelope.content or b"")
        self.messages += 1
        self.bytes += size
        self.largest = max(self.largest, size)
        return "250 Message accepted"


def main() -> None:
    port, stats = int(sys.argv[1]), sys.argv[2]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    print("ready", flush=True)
    done.wait()
    controller.stop()
    with open(stats, "w") as out:
        json.dump({"messages": sink.messages, "bytes": sink.bytes, "largest": sink.largest,
                   "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}, out)


if __name__ == "__main__":
    main()
