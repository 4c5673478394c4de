"""`oura-bot try` (and `oura-bot run` with no Slack credentials): the sandbox, driven through a
pseudo-terminal as a new user would drive it."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_cli import OURA_BOT, env_with

PROMPT = "@#demo-launch-kit> "


class Terminal:
    """A program on a pseudo-terminal: type lines, read what it shows until a marker."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            args, cwd=cwd, env=env_with(), stdin=slave, stdout=slave, stderr=slave, close_fds=True
        )
        os.close(slave)
        self.seen = ""

    def read_until(self, marker: str, timeout: float = 30) -> str:
        """Everything shown from now until `marker` (inclusive)."""
        deadline = time.monotonic() + timeout
        while marker not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {marker!r} after {timeout}s; the screen:\n{self.seen}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the program ended
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"ended before {marker!r}; the screen:\n{self.seen}")
                self.seen += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        shown, _, self.seen = self.seen.partition(marker)
        return shown + marker

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\n")

    def close(self) -> int:
        try:
            return self.process.wait(timeout=10)
        finally:
            self.process.kill()
            os.close(self.master)


@pytest.fixture
def sandbox(tmp_path: Path) -> Terminal:
    terminal = Terminal([sys.executable, "-m", "bot.cli", "try"], tmp_path)
    yield terminal
    terminal.process.kill()


def test_try_books_a_kickoff_and_shows_it_in_usage(sandbox: Terminal, tmp_path: Path) -> None:
    first = sandbox.read_until(PROMPT)
    assert "Connect a real Slack workspace" in first  # how to leave the sandbox for Slack
    for company in ("Demo Launch Oy", "Demo Pro Lite Ltd", "Demo Premium AB"):
        assert f"{company}" in first and "(created now)" in first

    day = (datetime.now(ZoneInfo("Europe/Helsinki")) + timedelta(days=2)).date()
    sandbox.type(f"/oura-book kickoff {day.isoformat()} 10:00 anyway")  # the day may be a weekend
    booked = sandbox.read_until(PROMPT)
    assert "Booked for Demo Launch Oy: *Kickoff* #1" in booked  # the post in the channel
    assert "180 of 240 included minutes left" in booked  # the reply to the typist
    assert "[2] Show usage" in booked

    sandbox.type("/oura-book usage")
    usage = sandbox.read_until(PROMPT)
    assert "Included minutes*: 60 used of 240, *180 left*" in usage
    assert f"Next session: *Kickoff* #1: {day:%a %d %b %Y} 10:00" in usage

    # Clicking a button is typing its number; a buyer clicking gets the same usage card.
    sandbox.type(":as buyer")
    sandbox.read_until("bea.buyer" + PROMPT)
    sandbox.type("2")
    clicked = sandbox.read_until("bea.buyer" + PROMPT)
    assert "60 used of 240" in clicked

    # A malformed command is answered by the real parser, and nothing changes.
    sandbox.type(":as staff")
    sandbox.read_until("sam.staff" + PROMPT)
    sandbox.type("kickoff tomorrow 10:00")
    wrong = sandbox.read_until(PROMPT)
    assert "`tomorrow` is not a date in the form YYYY-MM-DD" in wrong

    sandbox.type(":quit")
    sandbox.read_until("Bye.")
    assert sandbox.close() == 0
    assert (tmp_path / "oura-sandbox.db").exists()
    assert not (tmp_path / "oura.db").exists()  # a real deployment's database is left alone


def test_try_shows_the_last_invite_and_my_calendar_feed(sandbox: Terminal) -> None:
    sandbox.read_until(PROMPT)
    sandbox.type(":ics")
    assert "No invite has been sent yet" in sandbox.read_until(PROMPT)
    day = (datetime.now(ZoneInfo("Europe/Helsinki")) + timedelta(days=2)).date()
    sandbox.type(f"kickoff {day.isoformat()} 10:00")
    booked = sandbox.read_until(PROMPT)
    assert f"kickoff-{day.isoformat()}.ics" in booked  # the invite in the staff member's DM
    sandbox.type(":ics")
    invite = sandbox.read_until(PROMPT)
    assert "METHOD:REQUEST" in invite
    assert "UID:session-1@oura-onboarding-bot" in invite
    assert "SUMMARY:Kickoff · Demo Launch Oy" in invite
    sandbox.type(":feed")
    feed = sandbox.read_until(PROMPT)
    assert "(1 session)" in feed and "UID:session-1@oura-onboarding-bot" in feed
    sandbox.type(":quit")
    assert sandbox.close() == 0


def test_try_moves_time_forward_and_shows_the_posts_the_clock_sends(sandbox: Terminal) -> None:
    sandbox.read_until(PROMPT)
    helsinki = ZoneInfo("Europe/Helsinki")
    day = (datetime.now(helsinki) + timedelta(days=3)).date()
    sandbox.type(f"onboarding {day.isoformat()} 12:00 30m anyway")  # the day may be a weekend
    sandbox.read_until(PROMPT)
    starts = datetime(day.year, day.month, day.day, 12, 0, tzinfo=helsinki)
    # Land half an hour before the session: both reminders fell due on the way, and the
    # sweep sends only the latest (1 hour before), never the stale 24-hour one.
    minutes = int((starts - datetime.now(helsinki)).total_seconds() // 60) - 30
    sandbox.type(f":clock +{minutes}m")
    moved = sandbox.read_until(PROMPT)
    assert moved.count("Reminder: the *Onboarding* session #1") == 1
    assert "posted by the bot" in moved
    assert "Clock sweep: sent " in moved and "failed 0" in moved
    sandbox.type(":clock +1x")
    assert "e.g. :clock +30d" in sandbox.read_until(PROMPT)
    sandbox.type(":quit")
    assert sandbox.close() == 0


def test_run_with_no_credentials_starts_the_sandbox(tmp_path: Path) -> None:
    result = subprocess.run(
        [OURA_BOT, "run"],
        cwd=tmp_path,
        env=env_with(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "oura-bot: no Slack credentials are set, so this is the local sandbox "
        "(README: 'Connect a real Slack workspace')"
    )
    assert "Demo Launch Oy" in result.stdout and lines[-1].endswith("Bye.")


def test_the_booking_modal_is_asked_as_prompts_and_submitted(sandbox: Terminal) -> None:
    sandbox.read_until(PROMPT)
    sandbox.type("/oura-book")  # no text: the booking modal
    sandbox.read_until("Session type [Kickoff] (number): ")
    sandbox.type("3")
    sandbox.read_until("(YYYY-MM-DD HH:MM, Europe/Helsinki): ")
    sandbox.type("soon")
    sandbox.read_until("Type a date and time as YYYY-MM-DD HH:MM")
    day = (datetime.now(ZoneInfo("Europe/Helsinki")) + timedelta(days=4)).date()
    sandbox.type(f"{day.isoformat()} 13:30")
    sandbox.read_until("Minutes (at most 60) [60]: ")
    sandbox.type("90")  # the app's own validation answers, and the form is asked again
    sandbox.read_until("Extra time (optional)")
    sandbox.type("")
    sandbox.read_until("Book anyway")
    sandbox.read_until("for none): ")
    sandbox.type("")
    sandbox.read_until("Join link (optional)")
    sandbox.type("")
    sandbox.read_until("Agenda, one more line (optional)")
    sandbox.type("")
    refused = sandbox.read_until("Please answer again (or :cancel).")
    assert "A session is at most 60 minutes; 90m is too long." in refused
    # As in Slack, the refused form keeps the answers given (it used to start over from the
    # form's own defaults, [Kickoff] and [60]).
    sandbox.read_until("Session type [Software training] (number): ")
    sandbox.type("3")
    sandbox.read_until("): ")
    sandbox.type(f"{day.isoformat()} 13:30")
    sandbox.read_until("[90]: ")
    sandbox.type("45")
    sandbox.read_until("Extra time (optional)")
    sandbox.type("")
    # The day is four days from now, which may be a weekend: "Book anyway".
    sandbox.read_until("Book anyway")
    sandbox.read_until("for none): ")
    sandbox.type("1")
    sandbox.read_until("Join link (optional)")
    sandbox.type("https://meet.google.com/abc-defg-hij")
    sandbox.read_until("Agenda, one more line (optional)")
    sandbox.type("Coaches' first log-in")
    booked = sandbox.read_until(PROMPT)
    assert "└ submitted" in booked
    assert f"*Software training* #1: {day:%a %d %b %Y} 13:30" in booked
    assert "(45 min)" in booked
    assert "Navigating and retrieving data; Coaches' first log-in" in booked
    assert "Join the meeting: https://meet.google.com/abc-defg-hij (link)" in booked
    assert "Add to my calendar" in booked and "Google Calendar" in booked
    sandbox.type(":quit")
    assert sandbox.close() == 0


def test_the_sandbox_keeps_request_verification_on(tmp_path: Path) -> None:
    """Its requests pass because they are signed with its own secret, not because checks are
    off: the same app refuses a request signed with another secret, and changes nothing."""
    from bot.sandbox.repl import DEMO_CHANNELS, Sandbox
    from bot.sandbox.requests import Dispatcher
    from bot.settings import load_settings

    said: list[str] = []
    sandbox = Sandbox(load_settings({}), f"sqlite:///{tmp_path / 's.db'}", said.append, input)
    try:
        sandbox.start()
        channel = DEMO_CHANNELS[0]
        user = {
            "id": sandbox.staff.id,
            "name": sandbox.staff.name,
            "team_id": sandbox.staff.team_id,
        }
        forged = Dispatcher(sandbox.dispatcher.app, "not-the-sandbox-secret").command(
            "kickoff 2030-01-07 10:00",
            command="/oura-book",
            user=user,
            channel_id=channel.id,
            channel_name=channel.name,
            response_url=sandbox.api.response_url("forged"),
        )
        assert forged.status == 401
        assert sandbox.api.take_outputs() == []
        said.clear()
        sandbox.handle("usage")
        assert "0 used of 240" in "\n".join(said)
    finally:
        sandbox.close()


# -- the sandbox behaves as Slack does ------------------------------------------------------


def number_of(screen: str, label: str) -> str:
    """The number the sandbox gave the first button called `label` on this screen."""
    numbers = re.findall(rf"\[(\d+)\] {re.escape(label)}", screen)
    assert numbers, f"no [{label}] button on:\n{screen}"
    return numbers[0]


def test_mentions_escaping_the_usage_card_and_a_customers_text_as_slack_shows_them(
    sandbox: Terminal,
) -> None:
    sandbox.read_until(PROMPT)
    helsinki = ZoneInfo("Europe/Helsinki")
    day = (datetime.now(helsinki) + timedelta(days=3)).date()
    sandbox.type(f"kickoff {day.isoformat()} 10:00 anyway")  # may be a weekend
    booked = sandbox.read_until(PROMPT)

    # `@bea.buyer` goes to the app as Slack's autocomplete sends it: `<@U…|bea.buyer>`.
    sandbox.type("contact buyer @bea.buyer")
    assert "@bea.buyer is now the customer contact for *Demo Launch Oy*." in sandbox.read_until(
        PROMPT
    )
    sandbox.type("contact buyer @nobody")
    refused = sandbox.read_until(PROMPT)
    assert "`@nobody` is a name typed as text" in refused
    assert "pick the person from Slack's list" in refused
    assert "Use `/oura-book contact vendor|buyer <@user>`." in refused  # shown as Slack shows

    # Typed `&`, `<`, `>` go out escaped, are stored as typed, and are shown as typed.
    received = (datetime.now(helsinki) - timedelta(days=2)).date()
    sandbox.type(f"order {received.isoformat()} 2 PO&7 <EU>")
    recorded = sandbox.read_until(PROMPT)
    assert "order #1 (PO&7 <EU>): 2 rings" in recorded and "&amp;" not in recorded

    # The App Home's "Usage card" opens a modal to read, as in Slack: dates rendered, nothing
    # submitted (it used to print a raw date token and answer 404).
    sandbox.type(":home")
    home = sandbox.read_until(PROMPT)
    sandbox.type(number_of(home, "Usage card"))
    card = sandbox.read_until(PROMPT)
    assert "[modal: Usage card" in card and "== Demo Launch Oy: usage ==" in card
    assert f"Next session: *Kickoff* #1: {day:%a %d %b %Y} 10:00" in card
    assert "<!date" not in card and "HTTP 404" not in card and "submitted" not in card

    # A customer's description reaches the vendor contact's DM as quoted text, every line,
    # the disguised link and <!channel> as plain text.
    sandbox.type(":as buyer")
    sandbox.read_until("bea.buyer" + PROMPT)
    sandbox.type(number_of(booked, "Get support"))
    sandbox.read_until("What about (number): ")
    sandbox.type("4")
    sandbox.read_until("The order it concerns (returns, exchanges) (optional) (number): ")
    sandbox.type("")  # left untouched: sent as null
    sandbox.read_until("to go on to another): ")
    sandbox.type("R&D <ops> cannot sign in.\\")
    sandbox.read_until("│ … ")
    sandbox.type("<https://evil.example/login|Oura support: verify your account>\\")
    sandbox.read_until("│ … ")
    sandbox.type("<!channel> please")
    sent = sandbox.read_until("bea.buyer" + PROMPT)
    dm = sent[sent.index("[DM to @sam.staff") :]
    assert "  > R&D <ops> cannot sign in.\n" in dm
    assert "  > <https://evil.example/login|Oura support: verify your account>\n" in dm
    assert "  > <!channel> please\n" in dm
    assert "(link to" not in dm and "@channel" not in dm
    sandbox.type(":quit")
    assert sandbox.close() == 0


def test_each_demo_channel_is_another_customers(sandbox: Terminal) -> None:
    sandbox.read_until(PROMPT)
    sandbox.type(":channel 2")
    sandbox.read_until("@#demo-pro-lite> ")
    day = (datetime.now(ZoneInfo("Europe/Helsinki")) + timedelta(days=3)).date()
    sandbox.type(f"training {day.isoformat()} 10:00 60m anyway")  # the day may be a weekend
    booked = sandbox.read_until("@#demo-pro-lite> ")
    usage = number_of(booked, "Show usage")

    # The launch kit's customer contact, in the pro-lite customer's channel: refused.
    sandbox.type(":as bea.buyer")
    sandbox.read_until("bea.buyer@#demo-pro-lite> ")
    sandbox.type(usage)
    refused = sandbox.read_until("bea.buyer@#demo-pro-lite> ")
    assert "That isn't available to you in this channel." in refused
    assert "used of 120" not in refused

    # `:as buyer` is this channel's own customer contact, who sees their usage.
    sandbox.type(":as buyer")
    sandbox.read_until("pia.buyer@#demo-pro-lite> ")
    sandbox.type(usage)
    assert "60 used of 120" in sandbox.read_until("pia.buyer@#demo-pro-lite> ")
    sandbox.type(":quit")
    assert sandbox.close() == 0


def next_weekday_at(weekday: int, hour: int, zone: ZoneInfo, after_days: int = 2) -> datetime:
    day = (datetime.now(zone) + timedelta(days=after_days)).date()
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=zone)


def test_the_clock_names_business_hours_only_when_they_held_posts_back(tmp_path: Path) -> None:
    from bot.sandbox.repl import Sandbox
    from bot.settings import load_settings

    said: list[str] = []
    sandbox = Sandbox(load_settings({}), f"sqlite:///{tmp_path / 's.db'}", said.append, input)
    helsinki = ZoneInfo("Europe/Helsinki")
    try:
        sandbox.start()

        def clock_at(moment: datetime) -> str:
            said.clear()
            sandbox.offset = moment - timedelta(minutes=1) - datetime.now(UTC)
            sandbox.handle(":clock +1m")
            return "\n".join(said)

        # A Saturday night: the status-update nudges are due, and wait for business hours.
        night = clock_at(next_weekday_at(5, 3, helsinki))  # a Saturday, 03:00
        assert "nothing was posted because of business hours" in night
        assert "Clock sweep: sent 0" in night

        # Monday morning they go out; a minute later nothing is due, and that is what is said.
        saturday = next_weekday_at(5, 3, helsinki).date()
        monday = datetime.combine(saturday + timedelta(days=2), time_of_day(10), tzinfo=helsinki)
        assert "Time for a project status update" in clock_at(monday)
        later = clock_at(monday + timedelta(minutes=1))
        assert "nothing was due yet" in later and "business hours" not in later
    finally:
        sandbox.close()


def test_the_clock_sends_the_weekly_digest_once_on_a_monday_morning(database_url: str) -> None:
    from bot.sandbox.repl import Sandbox
    from bot.settings import load_settings

    said: list[str] = []
    sandbox = Sandbox(load_settings({}), database_url, said.append, input)
    helsinki = ZoneInfo("Europe/Helsinki")
    try:
        sandbox.start()

        def clock_at(moment: datetime) -> str:
            said.clear()
            sandbox.offset = moment - timedelta(minutes=1) - datetime.now(UTC)
            sandbox.handle(":clock +1m")
            return "\n".join(said)

        # Monday 10:00 in the staff member's zone: the digest job runs with the sweep.
        monday = next_weekday_at(0, 10, helsinki)
        week = "{}-W{:02d}".format(*monday.isocalendar()[:2])
        first = clock_at(monday)
        assert "[DM to @sam.staff, posted by the bot]" in first
        assert f"Your week {week}" in first and "3 accounts" in first
        assert "weekly digests 1" in first
        # A second :clock that morning sends no second digest.
        again = clock_at(monday + timedelta(minutes=5))
        assert "Your week" not in again and "weekly digests 0" in again
    finally:
        sandbox.close()


def test_command_text_goes_to_the_app_as_slack_sends_it() -> None:
    from bot.sandbox.requests import slack_command_text

    users = {"bea.buyer": "U0SANDBOXBUYER"}
    channels = {"demo-premium": "C0DEMOPREMIUM"}
    typed = "contact buyer @bea.buyer, AT&T <EMEA> #demo-premium https://x.example/?a=1&b=2 @nobody"
    assert slack_command_text(typed, users, channels) == (
        "contact buyer <@U0SANDBOXBUYER|bea.buyer>, AT&amp;T &lt;EMEA&gt; "
        "<#C0DEMOPREMIUM|demo-premium> <https://x.example/?a=1&amp;b=2> @nobody"
    )


def test_a_form_is_submitted_with_every_input_and_keeps_answers_when_refused() -> None:
    from datetime import date

    from bot.blocks.support import order_modal
    from bot.sandbox.forms import fill

    view = order_modal("metadata", "AT&T <EMEA>", date(2027, 1, 5)).to_dict()
    answers = iter(["", "3", ""])  # the date as suggested, 3 rings, no reference
    shown: list[str] = []
    values = fill(view, lambda _: next(answers), shown.append, "Europe/Helsinki", lambda b: [])
    assert values == {
        "received_on": {"value": {"type": "datepicker", "selected_date": "2027-01-05"}},
        "rings": {"value": {"type": "number_input", "value": "3"}},
        # Untouched and optional: there, and null, as Slack sends it.
        "reference": {"value": {"type": "plain_text_input", "value": None}},
    }
    # Asked again after a refusal, Enter keeps each answer given.
    answers = iter(["", "", "PO-9"])
    again = fill(
        view, lambda _: next(answers), shown.append, "Europe/Helsinki", lambda b: [], values
    )
    assert again["rings"] == values["rings"] and again["received_on"] == values["received_on"]
    assert again["reference"]["value"]["value"] == "PO-9"


def test_lang_fi_shows_everything_in_finnish(sandbox: Terminal) -> None:
    sandbox.read_until(PROMPT)
    sandbox.type(":lang sv")
    assert ":lang fi or :lang en" in sandbox.read_until(PROMPT)
    sandbox.type(":lang fi")
    assert "Everyone reads Finnish now." in sandbox.read_until(PROMPT)
    # The staff member's reply and the channel's post are both Finnish now.
    day = (datetime.now(ZoneInfo("Europe/Helsinki")) + timedelta(days=2)).date()
    sandbox.type(f"kickoff {day.isoformat()} 10:00 anyway")  # may be a weekend
    booked = sandbox.read_until(PROMPT)
    assert "Aloituspalaveri" in booked and "Booked" not in booked, booked
    assert "Näytä käyttö" in booked
    # So is the buyer's usage card.
    sandbox.type(":as buyer")
    sandbox.read_until("bea.buyer" + PROMPT)
    sandbox.type("usage")  # refused for a buyer, in Finnish
    assert "Vain Ouran henkilöstö" in sandbox.read_until("bea.buyer" + PROMPT)
    sandbox.type(":lang en")
    sandbox.read_until(PROMPT)
    sandbox.type(":as staff")
    sandbox.read_until("sam.staff" + PROMPT)
    sandbox.type("usage")
    assert "Included minutes" in sandbox.read_until(PROMPT)
    sandbox.type(":quit")
    assert sandbox.close() == 0


def test_working_hours_are_set_in_the_sandbox_as_everywhere(sandbox: Terminal) -> None:
    sandbox.read_until(PROMPT)
    sandbox.type("hours 08:00-16:00 ma-to")
    assert "Your working hours are now `08:00-16:00 mon-thu`" in sandbox.read_until(PROMPT)
    sandbox.type("hours")
    assert "Your working hours are `08:00-16:00 mon-thu`" in sandbox.read_until(PROMPT)
    sandbox.type(":quit")
    assert sandbox.close() == 0
