"""Domain exceptions that more than one app raises and the API turns into answers."""

from __future__ import annotations


class Conflict(Exception):
    """Someone changed the record since the user read it, or got there first; nothing was saved.

    `version` is the record's current version when it has one, so a client can
    read again and retry deliberately (the API answers 409 with it).
    """

    def __init__(self, message: str, *, version: int | None = None):
        self.message = message
        self.version = version
        super().__init__(message)
