"""A sentence for a person, not yet in their language.

The rules say what to tell someone (an error, a label); they do not know who reads it. A `Text`
is the catalog's message id (the English source, with `{name}` placeholders) and its
parameters; `bot.i18n.say` writes it in the reader's language where it reaches them, and
`str()` writes it in English (logs, and where no reader is known).

`Text`, `Plural` and `N_` are extraction keywords (babel.cfg): what they are given literally is
what the translators see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from string import Formatter
from typing import Any

# The languages the catalogs are written in: English (the source) first.
LANGUAGES = ("en", "fi")


def N_(message: str) -> str:
    """Marks a label for the catalog; it is translated where it is shown (`bot.i18n._`)."""
    return message


@dataclass(frozen=True)
class Text:
    """`id`: the English source and the catalog's msgid. `plural` and `n`: the English plural
    form and the count that chooses the form (`Plural`). A parameter that is itself a `Text`
    is translated too."""

    id: str
    params: Mapping[str, Any] = field(default_factory=dict)
    plural: str | None = None
    n: int | None = None

    def __init__(self, id: str, /, **params: Any) -> None:
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "params", params)
        object.__setattr__(self, "plural", None)
        object.__setattr__(self, "n", None)

    def __str__(self) -> str:
        return render(self, lambda text: text.source())

    def source(self) -> str:
        """The English form of the message id (singular or plural), placeholders unfilled."""
        if self.plural is not None and self.n != 1:
            return self.plural
        return self.id


def Plural(singular: str, plural: str, n: int, /, **params: Any) -> Text:
    """A count with its words: `{n}` is the count, the form follows the reader's language."""
    text = Text(singular, n=n, **params)
    object.__setattr__(text, "plural", plural)
    object.__setattr__(text, "n", n)
    return text


def render(text: Text, pattern: Any) -> str:
    """`text` written out: `pattern(text)` gives the sentence with its placeholders (in some
    language), and every parameter that is a `Text` is written the same way."""
    params = {
        name: render(value, pattern) if isinstance(value, Text) else value
        for name, value in text.params.items()
    }
    sentence: str = pattern(text)
    return sentence.format(**params) if params else sentence


def placeholders(message: str) -> set[str]:
    """The `{names}` a message fills (what a translation must keep)."""
    return {name for _, name, _, _ in Formatter().parse(message) if name is not None}
