"""The form renderer: the common widgets written in Python.

Django renders every widget, and every option of a select, through the template engine:
the complaint list's filter form (sixteen fields, a hundred options) cost about 5 ms a
page, a complaint's action forms about as much. This renderer writes what Django's own
``input.html``, ``select.html``, ``select_option.html``, ``textarea.html`` and
``attrs.html`` would, and the one radio button or checkbox of a choice that a template
draws itself (``radio_option.html``, ``checkbox_option.html``: ``{{ radio.tag }}``), from
the same context (``Widget.get_context`` still decides values, ids, checked and
selected), escaped the same way. Every other template (a whole group of radio buttons,
file inputs, the form layouts, crispy's) goes to the template engine as before.
"""

from __future__ import annotations

import html
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape

_W = "django/forms/widgets/"
INPUTS = frozenset(
    f"{_W}{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "date",
        "datetime",
        "time",
        "search",
        "tel",
        "color",
        "checkbox",
    )
)
OPTIONS = frozenset(
    f"{_W}{name}.html" for name in ("input_option", "radio_option", "checkbox_option")
)
SELECT = f"{_W}select.html"
TEXTAREA = f"{_W}textarea.html"


def _esc(value: object) -> str:
    return html.escape(str(value))


def _attrs(attrs: dict[str, Any]) -> str:
    """``attrs.html``: False leaves an attribute out, True writes its name alone."""
    return "".join(
        f" {_esc(name)}" if value is True else f' {_esc(name)}="{_esc(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def render_input(w: dict[str, Any]) -> str:
    value = "" if w["value"] is None else f' value="{_esc(w["value"])}"'
    return f'<input type="{_esc(w["type"])}" name="{_esc(w["name"])}"{value}{_attrs(w["attrs"])}>'


def render_option(w: dict[str, Any]) -> str:
    """``input_option.html``: the input, in its label when asked to wrap it."""
    tag = render_input(w)
    if not w.get("wrap_label"):
        return tag
    for_id = w["attrs"].get("id")
    target = f' for="{conditional_escape(for_id)}"' if for_id else ""
    # input.html ends its line; only the whole option is stripped.
    return f"<label{target}>{tag}\n {conditional_escape(w['label'])}</label>"


def render_select(w: dict[str, Any]) -> str:
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
    return "".join(out)


def render_textarea(w: dict[str, Any]) -> str:
    value = _esc(w["value"]) if w["value"] else ""
    return f'<textarea name="{_esc(w["name"])}"{_attrs(w["attrs"])}>\n{value}</textarea>'


class DeskFormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name in INPUTS:
            return render_input(context["widget"])
        if template_name in OPTIONS:
            return render_option(context["widget"])
        if template_name == SELECT:
            return render_select(context["widget"])
        if template_name == TEXTAREA:
            return render_textarea(context["widget"])
        return super().render(template_name, context, request)
