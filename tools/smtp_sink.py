#!/usr/bin/python3
"""A local SMTP server that keeps every message as a file, for development and the tests.

    /usr/bin/python3 tools/smtp_sink.py --host 127.0.0.1 --port 2525 --dir .dev/mail

Each message is written as <unix-ns>-<n>.eml (the DATA exactly as received, CRLF line ends),
under a temporary name and then renamed, so a reader never sees half a file. Uses Debian's
python3-aiosmtpd. With --delay S the answer to DATA ("250 OK") comes S seconds after the file is
written: a slow server, during whose acceptance a test can break the sender's database connection.
With --test-replies, recipients whose local part starts with "reject" are refused for good
("550") and those starting with "later" for now ("450"): the sender's permanent and transient
failures.
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
    def __init__(self, directory, delay=0.0, test_replies=False):
        self.directory = directory
        self.delay = delay
        self.test_replies = test_replies

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower() if self.test_replies else ""
        if local.startswith("reject"):
            return "550 5.1.1 No such user here"
        if local.startswith("later"):
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

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
    parser.add_argument("--test-replies", action="store_true",
                        help='refuse "reject*" recipients with 550 and "later*" ones with 450')
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(Keep(args.dir, args.delay, args.test_replies), hostname=args.host, port=args.port)
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
