"""`{% calendar_banner %}`: "the working days of YEAR are not known yet", with the import link."""

from django import template
from django.utils import timezone

from cases.calendar import banner

register = template.Library()


@register.inclusion_tag("cases/_calendar_banner.html", takes_context=True)
def calendar_banner(context):
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    year = banner.for_user(user, timezone.localdate()) if user is not None else None
    can_import = bool(year) and user.has_perm("cases.add_calendarday")
    return {"year": year, "can_import": can_import}
