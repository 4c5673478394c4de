"""The sandbox session: the real Bolt app and handlers, driven from a terminal.

Each line typed becomes a Slack-signed request dispatched into the app created by
`bot.app.create_app`; whatever the app says back through the Web API lands in a local
stand-in (bot/sandbox/fakeslack.py) and is printed as text. Its time can be moved forward
(`:clock +30d`), which runs a real sweep of the clock at the new time, and its weekly-digest job.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app import create_app, services_of
from bot.calendar.invite import feed
from bot.clock import Sweeper, clock_web_client
from bot.digest_clock import weekly_digests
from bot.domain.commands import COMMAND
from bot.domain.country import effective_country
from bot.domain.schedule import is_sendable_now
from bot.domain.text import LANGUAGES
from bot.domain.timeutil import zone
from bot.i18n import speaking
from bot.reports import ReportWorker
from bot.sandbox.fakeslack import FakeSlack, Output
from bot.sandbox.forms import Cancelled, fill, has_inputs
from bot.sandbox.render import Renderer, indent
from bot.sandbox.requests import Dispatcher, slack_command_text
from bot.sandbox.screen import Screen
from bot.services.booking import BookingService
from bot.services.books import Actor
from bot.services.calendar import CalendarService
from bot.settings import Settings
from storage.engine import make_engine
from storage.migrate import upgrade

SANDBOX_DATABASE_URL = "sqlite:///oura-sandbox.db"
VENDOR_TEAM = "T0SANDBOXVENDOR"
README_SECTION = "README.md, 'Connect a real Slack workspace'"
_SHIFT = re.compile(r"^\+(\d{1,4})([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class DemoUser:
    """Who is typing: the vendor's staff member or the customer's contact."""

    id: str
    name: str
    team_id: str


@dataclass(frozen=True)
class DemoChannel:
    """A Slack Connect channel shared with one customer, whose contact is `buyer`."""

    id: str
    name: str
    package_id: str
    company: str
    buyer: DemoUser


# Each customer is a Slack team of its own, so one customer's contact can try another's channel.
DEMO_CHANNELS = (
    DemoChannel(
        "C0DEMOLAUNCH",
        "demo-launch-kit",
        "launch-kit",
        "Demo Launch Oy",
        DemoUser("U0SANDBOXBUYER", "bea.buyer", "T0SANDBOXBUYER"),
    ),
    DemoChannel(
        "C0DEMOPROLITE",
        "demo-pro-lite",
        "pro-lite",
        "Demo Pro Lite Ltd",
        DemoUser("U0SANDBOXPIA", "pia.buyer", "T0SANDBOXPROLITE"),
    ),
    DemoChannel(
        "C0DEMOPREMIUM",
        "demo-premium",
        "premium",
        "Demo Premium AB",
        DemoUser("U0SANDBOXPETRA", "petra.buyer", "T0SANDBOXPREMIUM"),
    ),
)

HELP = f"""Sandbox commands:
  {COMMAND} <text>      what staff type in Slack (try `{COMMAND} help`); the `{COMMAND}`
                       prefix may be left out: `usage` is `{COMMAND} usage`
  <number>             click the button shown with that number, e.g. [3]
  @name                mentions someone, as if picked from Slack's list (@bea.buyer, @sam.staff)
  :as staff | :as buyer          act as the vendor's staff member or this channel's customer
                                 contact (each demo channel is another customer's)
  :as <name>                     act as anyone of the demo (:as pia.buyer)
  :channel [<number>]            list the demo channels, or switch to one
  :clock +30d                    move the sandbox's time forward (m, h, d or w) and show the
                                 automated posts and DMs that would have gone out (the weekly
                                 digest on a Monday morning too); :clock shows the time
  :home                          open the App Home (the staff dashboard)
  :ics                           the last calendar invite (.ics) sent, as text
  :feed                          your calendar feed (staff), as a calendar app would read it
  :lang fi | :lang en            everyone's Slack set to Finnish (or English), and every demo
                                 channel's posts written in it
  :help                          this list
  :quit                          leave (also Ctrl-D)"""


class Sandbox:
    def __init__(
        self,
        settings: Settings,
        database_url: str,
        say: Callable[[str], None],
        ask: Callable[[str], str | None],
    ) -> None:
        self.say = say
        self.ask = ask
        self.offset = timedelta(0)
        self.timezone = settings.default_timezone
        self.api = FakeSlack(VENDOR_TEAM, "U0SANDBOXBOT", now=lambda: self.now().timestamp())
        self.staff = DemoUser("U0SANDBOXSTAFF", "sam.staff", VENDOR_TEAM)
        self.people = [self.staff, *(channel.buyer for channel in DEMO_CHANNELS)]
        for user in self.people:
            self.api.add_user(user.id, self.timezone, user.team_id, user.name)
        for channel in DEMO_CHANNELS:
            self.api.channels[channel.id] = {
                "name": channel.name,
                "is_ext_shared": True,
                "shared_team_ids": [VENDOR_TEAM, channel.buyer.team_id],
            }
        self.api.start()
        # A random secret per sandbox: the app verifies every request as it would Slack's.
        secret = secrets.token_hex(16)
        self.settings = replace(
            settings,
            slack_bot_token="xoxb-sandbox",
            slack_signing_secret=secret,
            slack_app_token=None,
            slack_api_url=self.api.api_url,
            database_url=database_url,
        )
        self.engine = make_engine(database_url)
        upgrade(self.engine)
        app = create_app(self.settings, self.engine, process_before_response=True, now=self.now)
        self.app = app
        self.language = "en"
        self.dispatcher = Dispatcher(app, secret)
        self.sweeper = Sweeper(
            self.engine,
            clock_web_client(self.settings.slack_bot_token, self.api.api_url),
            worker="sandbox",
            pace_seconds=0,
            now=self.now,
        )
        self.reports = ReportWorker(
            self.engine,
            clock_web_client(self.settings.slack_bot_token, self.api.api_url),
            self.settings.hourly_rate,
            worker="sandbox",
            now=self.now,
        )
        self.renderer = Renderer(self._user_name, self._channel_name, lambda: self.timezone)
        self.screen = Screen(self.renderer, say)
        self.user = self.staff
        self.channel = DEMO_CHANNELS[0]
        self._replies = 0

    # -- the session ------------------------------------------------------------------------
    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def close(self) -> None:
        self.api.stop()
        self.engine.dispose()

    def start(self) -> None:
        self.say("Oura onboarding bot: the sandbox. No Slack needed: the real app answers here.")
        self.say(
            f"To connect a real Slack workspace instead, see {README_SECTION}: create the app\n"
            "from manifest.yml, put SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN)\n"
            "in .env, then `make run` again."
        )
        self.say(f"Database: {self.settings.database_url}")
        created = self.create_demo_accounts()
        self.say("Demo channels (one account per package):")
        for number, channel in enumerate(DEMO_CHANNELS, 1):
            new = " (created now)" if channel in created else ""
            self.say(
                f"  {number}. #{channel.name}: {channel.company}, {channel.package_id}, "
                f"customer contact @{channel.buyer.name}{new}"
            )
        self.say(
            f"You are @{self.user.name} (staff) in #{self.channel.name}. Try `{COMMAND} usage`, "
            f"`{COMMAND} kickoff <YYYY-MM-DD> 10:00`, or :help."
        )

    def create_demo_accounts(self) -> list[DemoChannel]:
        """Link each demo channel through the real command, as staff would, if not yet linked."""
        created = []
        today = self.now().astimezone(zone(self.timezone)).date().isoformat()
        for channel in DEMO_CHANNELS:
            if self._is_linked(channel.id):
                continue
            text = f"link {channel.package_id} {today} {channel.company}"
            self._command(text, self.staff, channel)
            said = self.api.take_outputs()  # the welcome posts would crowd the first screen
            if not self._is_linked(channel.id):
                self.say(f"Could not create the demo account in #{channel.name}:")
                for output in said:
                    self.say(indent(self.renderer.message(output.payload, channel.id, None)))
                continue
            created.append(channel)
        return created

    def _is_linked(self, channel_id: str) -> bool:
        return (
            BookingService(self.engine, self.timezone).account_for_channel(channel_id) is not None
        )

    def run(self) -> None:
        self.start()
        while True:
            line = self.ask(self.prompt())
            if line is None:
                self.say("")
                break
            try:
                if not self.handle(line.strip()):
                    break
            except Cancelled:
                self.say("(form closed)")
            except Exception:
                logging.getLogger("oura.sandbox").exception("sandbox: %r failed", line[:80])
                self.say("Sorry, that failed; the error is shown above.")
        self.say("Bye.")

    def prompt(self) -> str:
        return f"{self.user.name}@#{self.channel.name}> "

    def handle(self, line: str) -> bool:
        """Carry out one typed line; False to leave."""
        if not line:
            return True
        if line in (":quit", ":q", ":exit"):
            return False
        if line == ":help":
            self.say(HELP)
        elif line.startswith(":as"):
            self.switch_user(line[3:].strip())
        elif line.startswith(":channel"):
            self.switch_channel(line[8:].strip())
        elif line.startswith(":clock"):
            self.move_time(line[6:].strip())
        elif line.startswith(":lang"):
            self.switch_language(line[5:].strip())
        elif line == ":home":
            self.dispatcher.app_home_opened(user=self._user_dict(), team_id=VENDOR_TEAM)
            if not self.show():
                self.say("(the App Home shows nothing to this user)")
        elif line == ":ics":
            self.show_last_invite()
        elif line == ":feed":
            self.show_feed()
        elif line.startswith(":"):
            self.say(f"I don't know {line.split()[0]}; :help lists the sandbox commands.")
        elif line.isascii() and line.isdigit():
            self.click(int(line))
        else:
            if line.startswith("/"):
                command, _, text = line.partition(" ")
                if command != COMMAND:
                    self.say(f"This app has one command, {COMMAND}.")
                    return True
            else:
                text = line
            response = self._command(text, self.user, self.channel)
            self.screen.ack(response)
            # The sandbox is its own clock: a requested report is built and sent at once.
            self.reports.run_pending()
            self.show()
        return True

    # -- acting ----------------------------------------------------------------------------
    def _command(self, text: str, user: DemoUser, channel: DemoChannel) -> Any:
        """`text` as typed; sent as Slack sends it (escaped, mentions as markup)."""
        users = {person.name: person.id for person in self.people}
        channels = {c.name: c.id for c in DEMO_CHANNELS}
        return self.dispatcher.command(
            slack_command_text(text, users, channels),
            command=COMMAND,
            user=_as_dict(user),
            channel_id=channel.id,
            channel_name=channel.name,
            response_url=self._response_url(),
        )

    def _response_url(self) -> str:
        self._replies += 1
        return self.api.response_url(f"r{self._replies}")

    def _user_dict(self) -> dict[str, str]:
        return _as_dict(self.user)

    def click(self, number: int) -> None:
        button = self.renderer.buttons.get(number)
        if button is None:
            self.say(f"There is no button [{number}] on screen.")
            return
        if button.confirm:
            answer = self.ask(f"{button.confirm} [y/N] ")
            if (answer or "").strip().lower() not in ("y", "yes"):
                self.say("(not clicked)")
                return
        response = self.dispatcher.block_action(
            user=self._user_dict(),
            action_id=button.action_id,
            value=button.value,
            label=button.label,
            block_id=button.block_id,
            channel_id=button.channel_id,
            message_ts=button.message_ts,
            view=button.view,
            response_url=self._response_url(),
        )
        self.screen.ack(response)
        self.show()

    def show_last_invite(self) -> None:
        invites = [f for f in self.api.uploaded_files() if f["filename"].endswith(".ics")]
        if not invites:
            self.say("No invite has been sent yet: book a session first.")
            return
        last = invites[-1]
        self.say(f"{last['filename']}, sent to {last['channel_id']}:")
        self.say(last["content"].decode("utf-8").replace("\r\n", "\n").rstrip())

    def show_feed(self) -> None:
        """What `GET /calendar/<token>.ics` serves this user (without asking for a token)."""
        meetings = CalendarService(self.engine).feed_of(self.user.id, self.now())
        with speaking(self.language):
            body = feed(meetings)
        count = f"{len(meetings)} session{'' if len(meetings) == 1 else 's'}"
        self.say(f"The calendar feed of @{self.user.name} ({count}):")
        self.say(body.decode("utf-8").replace("\r\n", "\n").rstrip())

    def switch_user(self, who: str) -> None:
        """`staff`, `buyer` (this channel's customer contact) or anyone's name."""
        who = who.removeprefix("@")
        if who == "staff":
            chosen: DemoUser | None = self.staff
        elif who == "buyer":
            chosen = self.channel.buyer
        else:
            chosen = next((p for p in self.people if p.name == who), None)
        if chosen is None:
            names = ", ".join(p.name for p in self.people)
            self.say(f"Say :as staff, :as buyer (this channel's customer) or :as one of {names}.")
            return
        self.user = chosen
        self.say(f"You are now @{chosen.name}, {self._role(chosen)}.")

    def switch_language(self, language: str) -> None:
        """Every demo person's Slack locale, and every linked demo channel's language."""
        if language not in LANGUAGES:
            self.say(f"Say :lang fi or :lang en (now: {self.language}).")
            return
        self.language = language
        locale = {"fi": "fi-FI", "en": "en-US"}[language]
        for user in self.people:
            self.api.users[user.id]["locale"] = locale
        services_of(self.app).user_profiles.clear()
        booking = BookingService(self.engine, self.timezone)
        for channel in DEMO_CHANNELS:
            if self._is_linked(channel.id):
                booking.set_language(Actor(self.staff.id, VENDOR_TEAM), channel.id, language)
        self.say(f"Everyone reads {'Finnish' if language == 'fi' else 'English'} now.")

    def _role(self, user: DemoUser) -> str:
        if user == self.staff:
            return "the vendor's staff"
        company = next(c.company for c in DEMO_CHANNELS if c.buyer == user)
        return f"the customer contact of {company} (Slack Connect, a team of its own)"

    def switch_channel(self, which: str) -> None:
        if not which:
            for number, channel in enumerate(DEMO_CHANNELS, 1):
                mark = "*" if channel == self.channel else " "
                self.say(f" {mark}{number}. #{channel.name}: {channel.company}")
            return
        chosen = [
            c
            for n, c in enumerate(DEMO_CHANNELS, 1)
            if which in (str(n), c.name, "#" + c.name, c.package_id)
        ]
        if not chosen:
            self.say(f"Say :channel 1 to {len(DEMO_CHANNELS)} (:channel lists them).")
            return
        self.channel = chosen[0]
        self.say(f"You are in #{self.channel.name} ({self.channel.company}).")
        if self.user != self.staff and self.user != self.channel.buyer:
            self.say(
                f"(@{self.user.name} is another customer's contact here; "
                ":as buyer acts as this channel's.)"
            )

    def move_time(self, shift: str) -> None:
        if shift:
            match = _SHIFT.match(shift)
            if not match:
                self.say("Say how far to move, e.g. :clock +30d (m, h, d or w); time only goes on.")
                return
            self.offset += timedelta(**{_UNITS[match[2]]: int(match[1])})
        local = self.now().astimezone(zone(self.timezone))
        self.say(f"Sandbox time: {local:%a %d %b %Y %H:%M} {local.tzname()}")
        if shift:
            report = self.sweeper.sweep()
            # The weekly digest is a clock job of its own beside the sweep (bot/jobs.py): run
            # it too, at the sandbox's time, as a clock running all along would have.
            digests = weekly_digests(self.sweeper)
            if not self.show():
                if report.failed:
                    self.say("(the clock's posts failed: the reason is logged above)")
                else:
                    self.say(self._why_nothing_was_posted())
            self.say(f"Clock sweep: {report.summary()}, weekly digests {len(digests)}")

    def _why_nothing_was_posted(self) -> str:
        """Business hours only when a post is due and waiting for them; else what comes next."""
        now = self.now()
        waiting, soonest = 0, None
        booking = BookingService(self.engine, self.timezone)
        for channel in DEMO_CHANNELS:
            if booking.account_for_channel(channel.id) is None:
                continue
            account, posts = booking.schedule(channel.id, now)
            country = effective_country(account.country, account.timezone)
            waiting += sum(
                1
                for post in posts
                if post.send_at <= now and not is_sendable_now(post, account.timezone, country, now)
            )
            later = [post.send_at for post in posts if post.send_at > now]
            if later and (soonest is None or min(later) < soonest):
                soonest = min(later)
        if waiting:
            return (
                f"(nothing was posted because of business hours: {waiting} automated "
                f"post{'s wait' if waiting > 1 else ' waits'} for weekday business hours, 09:00 "
                "to 17:00 in the account's time zone)"
            )
        if soonest is None:
            return "(nothing was due: no automated post is left to come)"
        when = soonest.astimezone(zone(self.timezone))
        return f"(nothing was due yet: the next automated post is due {when:%a %d %b %Y %H:%M})"

    # -- showing ---------------------------------------------------------------------------
    def show(self) -> bool:
        """Print what the app said since the last look; open any modal it opened."""
        outputs = self.api.take_outputs()
        modals: list[Output] = []
        for output in outputs:
            if output.kind == "modal":
                modals.append(output)
            else:
                self.screen.output(output, self.channel.id)
        for modal in modals:
            if has_inputs(modal.payload):
                self.fill_modal(modal.payload)
            else:
                self.screen.modal(modal.payload)
        return bool(outputs)

    def fill_modal(self, view: dict[str, Any]) -> None:
        """Ask the form's fields and submit it; refused answers are asked again with what was
        given kept, as Slack keeps them in the open modal."""
        previous = None
        while True:
            values = fill(view, self.ask, self.say, self.timezone, self._show_blocks, previous)
            response = self.dispatcher.view_submission(
                user=self._user_dict(), view=view, values=values
            )
            errors = {}
            if response.status == 200 and (response.body or "").strip().startswith("{"):
                data = json.loads(response.body)
                if data.get("response_action") == "errors":
                    errors = data.get("errors") or {}
                elif data.get("response_action") in ("update", "push") and data.get("view"):
                    view = {**data["view"], "id": view.get("id")}
                    previous = None
                    self.show()
                    continue
            elif response.status != 200:
                self.say(f"(the app answered HTTP {response.status})")
            if not errors:
                self.say("└ submitted")
                self.show()
                return
            for field, message in errors.items():
                self.say(f"│ {field}: {message}")
            self.say("│ Please answer again (or :cancel). Enter keeps an answer as it was.")
            previous = values

    def _show_blocks(self, blocks: list[dict[str, Any]]) -> list[str]:
        return self.renderer.blocks(blocks, None, None)

    def _user_name(self, user_id: str) -> str:
        user = self.api.users.get(user_id)
        return str(user["name"]) if user else user_id

    def _channel_name(self, channel_id: str) -> str:
        for channel in DEMO_CHANNELS:
            if channel.id == channel_id:
                return channel.name
        return channel_id


def _as_dict(user: DemoUser) -> dict[str, str]:
    return {"id": user.id, "name": user.name, "team_id": user.team_id}


def _input(prompt: str) -> str | None:
    try:
        return input(prompt)
    except EOFError:
        return None


def run_sandbox(settings: Settings, database_url: str | None = None) -> None:
    # Request lines and sweeps are logged for operators; in the terminal they would bury the
    # conversation, so only warnings and errors are shown.
    logging.getLogger().setLevel(logging.WARNING)
    sandbox = Sandbox(
        settings,
        database_url or SANDBOX_DATABASE_URL,
        say=lambda text: print(text, flush=True),
        ask=_input,
    )
    try:
        sandbox.run()
    except KeyboardInterrupt:
        print("\nBye.", file=sys.stdout)
    finally:
        sandbox.close()
