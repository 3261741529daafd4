"""{{ user|display_name }}: the one way templates name a person (a builtin, no {% load %} needed)."""

from django import template

from core.people import display_name as _display_name

register = template.Library()


@register.filter
def display_name(user) -> str:
    return _display_name(user)
