"""Errors a user can act on: each prints as one line naming the file and the problem."""

from __future__ import annotations

from os import PathLike


class PfocrError(Exception):
    """A user-facing error (bad input, bad credentials, unreachable service).

    ``str(err)`` is a single line, prefixed with the offending file when there is one.
    The CLI prints it without a traceback.
    """

    def __init__(self, message: str, path: str | PathLike[str] | None = None) -> None:
        self.message = " ".join(str(message).split())  # keep it on one line
        self.path = None if path is None else str(path)
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def shown(value: object) -> str:
    """A value as a message shows it: its ``repr``, cut to 60 characters.

    >>> shown(list(range(30)))
    '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16...'
    >>> shown("ok")
    "'ok'"
    """
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class RecordError(PfocrError):
    """A figure record or one of its tables cannot be read."""


class Cx2ValidationError(PfocrError):
    """A CX2 document breaks a rule the NDEx server enforces."""


class PublishError(PfocrError):
    """A publish run cannot start or go on (bad credentials, unreachable server, unwritable journal): one line."""
