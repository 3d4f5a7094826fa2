"""Refusals of exam delivery; `str(exc)` is the message for the user (routes map them to 4xx)."""
from __future__ import annotations


class DeliveryError(Exception):
    """A refused action (400 on a page, a flash message)."""


class NotFound(DeliveryError):
    """What the actor may not see does not exist for them (404)."""


class BlueprintError(DeliveryError):
    """The bank cannot satisfy a rule of a part's blueprint; the message names the rule."""


class NotAllowed(DeliveryError):
    """The exam is not open to this user now (outside the window, not a candidate, no attempt left)."""


class AttemptClosed(DeliveryError):
    """The attempt's time is over (or it was submitted): nothing more is saved (409)."""

    def __init__(self, message: str, last_seq: int = 0):
        super().__init__(message)
        self.last_seq = last_seq


class SessionEnded(DeliveryError):
    """The request's session no longer holds (logged out elsewhere, password reset, deactivated, or a
    temporary password to replace): the route answers as Flask-Login does for an anonymous user."""

    def __init__(self, must_change_password: bool = False):
        super().__init__("")
        self.must_change_password = must_change_password
