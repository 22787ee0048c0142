#!/usr/bin/python3
"""A local SMTP server that keeps every message as a file, for development and the tests.

    /usr/bin/python3 tools/smtp_sink.py --host 127.0.0.1 --port 2525 --dir .dev/mail

Each message is written as <unix-ns>-<n>.eml (the DATA exactly as received, CRLF line ends),
under a temporary name and then renamed, so a reader never sees half a file. Uses Debian's
python3-aiosmtpd. With --delay S the answer to DATA ("250 OK") comes S seconds after the file is
written: a slow server, during whose acceptance a test can break the sender's database connection.
"""
import argparse
import asyncio
import itertools
import os
import signal
import time

from aiosmtpd.controller import Controller

counter = itertools.count()


class Keep:
    def __init__(self, directory, delay=0.0):
        self.directory = directory
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        name = f"{time.time_ns()}-{next(counter)}"
        tmp = os.path.join(self.directory, f".{name}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(b"X-Envelope-From: " + envelope.mail_from.encode() + b"\r\n")
            fh.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            data = envelope.original_content or envelope.content
            fh.write(data if isinstance(data, bytes) else data.encode())
        os.rename(tmp, os.path.join(self.directory, f"{name}.eml"))
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        return "250 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before answering DATA")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(Keep(args.dir, args.delay), hostname=args.host, port=args.port)
    controller.start()
    print(f"smtp sink on {args.host}:{args.port} -> {args.dir}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()


if __name__ == "__main__":
    main()
