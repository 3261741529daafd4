"""How a person is named on pages, in messages and in exports."""

from __future__ import annotations


def display_name(user) -> str:
    """The full name people know a colleague by, else the user name; "—" for nobody."""
    if user is None:
        return "—"
    return user.get_full_name() or user.username
