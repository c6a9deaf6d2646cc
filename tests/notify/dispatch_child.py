"""Runs the dispatcher in a process of its own, so a test can kill it mid-delivery.

python -m tests.notify.dispatch_child DATABASE_URL SMTP_PORT
"""

from __future__ import annotations

import asyncio
import sys

from activities.mail import MailConfig
from activities.notify import Dispatcher
from store.db import make_engine


def main() -> None:
    url, port = sys.argv[1], int(sys.argv[2])
    config = MailConfig(
        host="127.0.0.1",
        port=port,
        starttls=False,
        username="",
        password="",
        sender="sg989@defensie.example",
        base_url="https://sg989.example",
    )
    asyncio.run(Dispatcher(make_engine(url), config, poll_seconds=0.1).run(60))


if __name__ == "__main__":
    main()
