"""The one error policy of every listener: a person's mistake (`OuraError`) is answered as it
is (`bot.blocks.base.error_text`); anything else is logged with its context and answered
politely, never as a traceback."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from bot.blocks.base import error_text
from bot.domain.errors import OuraError
from bot.i18n import _
from handlers.replies import SORRY, log

T = TypeVar("T")
Answer = Callable[[str], None]


def attempt(
    where: str,
    work: Callable[[], T],
    answer: Answer,
    answer_sorry: Answer | None = None,
    **context: Any,
) -> T | None:
    """Run `work`. On failure the person is answered (a form may show the apology at another
    field than the mistake) and the result is None: nothing more should happen."""
    try:
        return work()
    except OuraError as error:
        answer(error_text(error))
    except Exception:
        log.exception("%s failed %s", where, context)
        (answer_sorry or answer)(_(SORRY))
    return None


def logged(work: Callable[..., None]) -> Callable[..., None]:
    """A lazy listener with no one to answer (an event): a failure is logged with its
    traceback (Bolt's lazy runner would log only the exception's message)."""

    @functools.wraps(work)  # Bolt reads the wrapped function's arguments (inspect.unwrap)
    def run(**kwargs: Any) -> None:
        try:
            work(**kwargs)
        except Exception:
            log.exception("%s failed", work.__name__)

    return run
