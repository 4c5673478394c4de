"""Logging for every process: one line per event on standard error, and never a secret.

Bolt logs a request's whole body at INFO when its signature fails (a rotated secret, a server
clock more than five minutes off), and at DEBUG it and slack_sdk log bodies and response URLs.
So Bolt's own loggers speak from WARNING unless DEBUG is asked for, and whatever does get
written passes a filter that blanks tokens, response URLs, signatures and typed text.
"""

from __future__ import annotations

import logging
import re
import sys

BOLT_LOGGER = "oura.bolt"
REDACTED = "[redacted]"

_KEYS = r"(?:response_url|token|text|trigger_id)"
_PATTERNS = (
    # Slack tokens: bot, user, app-level, configuration.
    (re.compile(r"\b(xox[a-z]|xapp|xoxe(?:\.xox[a-z])?)-[\w-]+"), r"\1-" + REDACTED),
    # Request signatures.
    (re.compile(r"\bv0=[0-9a-f]{16,}"), "v0=" + REDACTED),
    # `key: 'value'` / `"key": "value"` in dict and JSON dumps.
    (
        re.compile(rf"(['\"]{_KEYS}['\"]\s*:\s*)(['\"])(?:\\.|(?!\2).)*\2", re.DOTALL),
        rf"\1\2{REDACTED}\2",
    ),
    # `key=value` in form-encoded bodies.
    (re.compile(rf"\b({_KEYS})=[^&\s'\",)]*"), rf"\1={REDACTED}"),
    # Webhook and response URLs anywhere else.
    (re.compile(r"https?://hooks\.slack(?:-gov)?\.com/[^\s'\"&,)]+"), REDACTED),
)


# slack_sdk's webhook client (respond()) names the response URL it posts to.
_WEBHOOK_URL = re.compile(r"\burl: [^,\s]+")


def redact(text: str, logger: str = "") -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    if logger.startswith("slack_sdk.webhook"):
        text = _WEBHOOK_URL.sub("url: " + REDACTED, text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites each record's message with secrets and typed text blanked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, record.name)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class DropKnownNoise(logging.Filter):
    """Bolt warns that the bot token "will be unused" whenever SLACK_BOT_TOKEN is set and a
    client is given: we give the client (with our base URL and retry handlers) on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def bolt_logger() -> logging.Logger:
    """The base logger handed to Bolt: every Bolt logger takes its level and filters."""
    logger = logging.getLogger(BOLT_LOGGER)
    if not any(isinstance(f, DropKnownNoise) for f in logger.filters):
        logger.addFilter(DropKnownNoise())
    return logger


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())
    quiet = logging.DEBUG if logging.getLogger().level <= logging.DEBUG else logging.WARNING
    for name in (BOLT_LOGGER, "slack_bolt", "slack_sdk"):
        logging.getLogger(name).setLevel(quiet)
    # Alembic's INFO lines belong to `oura-bot db upgrade` only (it raises its own level).
    logging.getLogger("alembic").setLevel(max(logging.getLogger().level, logging.WARNING))
