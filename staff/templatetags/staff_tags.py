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


@register.inclusion_tag("staff/_contact.html", takes_context=True)
def contact(context, case, testid: str = "contact", nested: bool = False):
    """A resident's name and phone on a case, masked (王* 138****5678); where the user's
    role and the case need them, a button that reveals them, recorded (staff.privacy).
    ``nested``: the place is inside another form (a button for the script alone, then:
    forms do not nest)."""
    from staff import privacy

    request = context.get("request")
    user = getattr(request, "user", None)
    info = privacy.case_of(case)
    shown = privacy.masked(case)
    return {
        "masked": shown,
        "has": bool(shown["name"] or shown["phone"]),
        "can": info is not None and user is not None and privacy.may_reveal(user, case),
        "key": info.key if info else "",
        "pk": case.pk,
        "testid": testid,
        "nested": nested,
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def mask_phone(phone: str) -> str:
    from staff.privacy import mask_phone as mask

    return mask(phone)


@register.filter
def mask_name(name: str) -> str:
    from staff.privacy import mask_name as mask

    return mask(name)
