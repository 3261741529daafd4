"""{{ value|percent }} and {{ value|quantity:unit }}: numbers as people write them (builtins, no {% load %})."""

from django import template

from core import numbers

register = template.Library()


@register.filter
def percent(value) -> str:
    return numbers.percent(value)


@register.filter
def quantity(value, unit="") -> str:
    return numbers.quantity(value, unit or "")
