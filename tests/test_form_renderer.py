"""The form renderer writes the common widgets in Python: the same HTML as Django's own
widget templates (but for the blank lines between options), values escaped the same."""

from __future__ import annotations

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from staff.renderers import DeskFormRenderer

PAYLOAD = '"><script>alert(1)</script>&amp;'


class EveryWidget(forms.Form):
    text = forms.CharField(widget=forms.TextInput(attrs={"placeholder": PAYLOAD}))
    number = forms.IntegerField()
    email = forms.EmailField(required=False)
    url = forms.URLField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.DateTimeField(required=False)
    at = forms.TimeField(required=False)
    flag = forms.BooleanField(required=False)
    off = forms.BooleanField(required=False, disabled=True)
    choice = forms.ChoiceField(choices=[("", "—"), ("a", PAYLOAD), ("b", "漏水")])
    grouped = forms.ChoiceField(choices=[("组", [("x", "甲"), ("y", "乙")]), ("z", "丙")])
    many = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], required=False)
    note = forms.CharField(widget=forms.Textarea)
    empty_note = forms.CharField(widget=forms.Textarea, required=False)
    how = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)


DATA = {
    "text": PAYLOAD,
    "number": "12",
    "secret": PAYLOAD,
    "hidden": PAYLOAD,
    "day": "2026-02-28",
    "moment": "2026-02-28 10:00",
    "flag": "on",
    "choice": "a",
    "grouped": "y",
    "many": ["a", "b"],
    "note": f"第一行\n{PAYLOAD}",
    "how": "b",
}


def _widgets(form: forms.Form, renderer) -> dict[str, str]:
    form.renderer = renderer
    return {bf.name: str(bf).replace("\n\n", "\n").strip() for bf in form}


@pytest.mark.parametrize("data", [DATA, {}, None], ids=["bound", "empty", "unbound"])
def test_every_widget_renders_as_djangos_templates_do(data):
    form = EveryWidget(data)
    form.is_valid()
    assert _widgets(form, DeskFormRenderer()) == _widgets(form, DjangoTemplates())


class Choices(forms.Form):
    how = forms.ChoiceField(
        choices=[("a", PAYLOAD), ("b", mark_safe("<b>B</b>")), ("c", "满意")],
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
    )
    which = forms.MultipleChoiceField(
        choices=[("a", PAYLOAD), ("b", "B")], widget=forms.CheckboxSelectMultiple
    )


@pytest.mark.parametrize("data", [{"how": "b", "which": ["a", "b"]}, {}, None])
def test_a_radio_or_checkbox_drawn_alone_renders_as_djangos_templates_do(data):
    """``{{ radio.tag }}`` and ``{{ radio }}`` in a template of ours (the callback form's
    satisfaction buttons): one option, with and without its label around it."""

    def options(renderer) -> list[str]:
        form = Choices(data, renderer=renderer)
        form.is_valid()
        return [
            html
            for name in ("how", "which")
            for sub in form[name]
            for html in (sub.tag(), sub.tag(wrap_label=True), str(sub))
        ]

    ours = options(DeskFormRenderer())
    assert ours == options(DjangoTemplates())
    assert "<script>" not in "".join(ours)
    assert "checked" in ours[3] or data is None or data == {}


def test_values_are_escaped():
    html = str(EveryWidget(DATA)["note"]) + str(EveryWidget(DATA)["choice"])
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_the_project_uses_it():
    assert settings.FORM_RENDERER == "staff.renderers.DeskFormRenderer"
