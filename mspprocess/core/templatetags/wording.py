"""Template filters for naming people and what belongs to them (mspprocess/people.py)."""

from __future__ import annotations

from typing import Any

from django import template

from mspprocess.core import people

register = template.Library()


@register.filter
def person(user: Any) -> str:
    return people.display_name(user)


@register.filter
def possessive(name: Any) -> str:
    return people.possessive(name)
