"""The one base of the errors whose message is written for the person who reads it.

A view shows `error.message` as it is (a technician in the tab, a customer on a
page), so the words are chosen where the error is raised, never built from a
library's exception text.
"""

from __future__ import annotations


class ReadableError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
