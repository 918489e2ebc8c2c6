"""Form widgets that write their HTML in Python, for the forms on every list page.

Django renders each widget, and each option of a select, through the template engine:
the filter form of the complaint list (sixteen fields, a hundred options) cost about
5 ms a page. These widgets keep Django's ``get_context`` (values, ids, checked and
selected states) and write what Django's own ``input.html``, ``select.html`` and
``select_option.html`` would, escaped the same way.
"""

from __future__ import annotations

import html
from typing import Any

from django import forms
from django.utils.safestring import SafeString, mark_safe


def _esc(value: object) -> str:
    return html.escape(str(value))


def _attrs(attrs: dict[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``: False leaves an attribute out, True writes its
    name alone."""
    return "".join(
        f" {_esc(name)}" if value is True else f' {_esc(name)}="{_esc(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class _InputMixin:
    def _render(self, template_name, context, renderer=None) -> SafeString:
        w = context["widget"]
        value = "" if w["value"] is None else f' value="{_esc(w["value"])}"'
        return mark_safe(  # noqa: S308 - every value is escaped
            f'<input type="{_esc(w["type"])}" name="{_esc(w["name"])}"{value}{_attrs(w["attrs"])}>'
        )


class TextInput(_InputMixin, forms.TextInput):
    pass


class DateInput(_InputMixin, forms.DateInput):
    pass


class CheckboxInput(_InputMixin, forms.CheckboxInput):
    pass


class Select(forms.Select):
    def _render(self, template_name, context, renderer=None) -> SafeString:
        w = context["widget"]
        out = [f'<select name="{_esc(w["name"])}"{_attrs(w["attrs"])}>']
        for group_name, options, _index in w["optgroups"]:
            if group_name:
                out.append(f'\n  <optgroup label="{_esc(group_name)}">')
            out.extend(
                f'\n  <option value="{_esc(o["value"])}"{_attrs(o["attrs"])}>'
                f"{_esc(o['label'])}</option>"
                for o in options
            )
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")
        return mark_safe("".join(out))  # noqa: S308 - every value is escaped
