import re

from django import template

register = template.Library()
_CJK = re.compile(r"[\u3400-\u9fff]")


@register.filter
def person(user) -> str:
    """A person's name as people here write it: 王小丽 (family name first, no space);
    Western names as 'First Last'; the username when no name is set."""
    if user is None:
        return ""
    last, first = user.last_name.strip(), user.first_name.strip()
    if _CJK.search(last + first):
        return f"{last}{first}"
    return user.get_full_name() or user.get_username()
