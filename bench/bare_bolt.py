"""The floor: a Bolt app that does nothing, on the same waitress server as ours.

Its one command acks from the request thread (`process_before_response=True`: Bolt runs the
ack function there and answers as soon as it returns, without polling a listener thread for
the `ack()`), then answers "ok" at the command's response_url in a lazy listener, as ours
answers. So it costs what Bolt itself costs for an ack and an answer, and nothing more.

bench/ack.py starts it as a subprocess, with the same environment as `oura-bot web`
(SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL, PORT), and measures it the same way.

    SLACK_BOT_TOKEN=xoxb-x SLACK_SIGNING_SECRET=s SLACK_API_URL=http://127.0.0.1:9/api/ \
        PORT=3001 .venv/bin/python bench/bare_bolt.py
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from slack_bolt import Ack, App, Respond  # noqa: E402
from slack_bolt.adapter.wsgi import SlackRequestHandler  # noqa: E402
from slack_sdk import WebClient  # noqa: E402

from bot.web import SLACK_PATH, make_server  # noqa: E402


def main() -> None:
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(
        client=client,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        name="bare",
        process_before_response=True,
    )

    def only_ack(ack: Ack) -> None:
        ack()

    def answer(respond: Respond) -> None:
        respond(text="ok", response_type="ephemeral")

    app.command("/oura-book")(ack=only_ack, lazy=[answer])

    # The same server and settings as `oura-bot web` (bot.cli.cmd_web): waitress, 8 threads.
    server = make_server(
        SlackRequestHandler(app, path=SLACK_PATH), host="127.0.0.1", port=int(os.environ["PORT"])
    )

    def stop(_signum: int, _frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    print(f"bare bolt: serving at http://127.0.0.1:{server.effective_port}", flush=True)
    server.run()


if __name__ == "__main__":
    main()
