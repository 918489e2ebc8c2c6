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


@register.filter
def person_with_username(user) -> str:
    """The name with the username after it, where two people may share a name and the
    reader picks or checks an account (the admin): 王小丽 (clerk). Just the username
    when no name is set."""
    if user is None:
        return ""
    name, username = person(user), user.get_username()
    return username if name == username else f"{name} ({username})"


@register.filter
def tel_href(phone: str) -> str:
    """``tel:`` and the digits (and a leading +) of a phone number as staff typed it."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit() or ch == "+")
    return f"tel:{digits}" if digits else ""
