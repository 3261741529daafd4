"""{% brands_link section %}: a link to the brands page on the plan page's sections that name brands."""

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("brands/_section_link.html", takes_context=True)
def brands_link(context, section):
    # One query per page, not per section: the answer is kept for the render.
    cache = context.render_context
    key = ("brands:sections", section.plan_id)
    if key not in cache:
        cache[key] = selectors.sections_with_brands(plan_id=section.plan_id)
    return {"section": section, "show": section.pk in cache[key]}
