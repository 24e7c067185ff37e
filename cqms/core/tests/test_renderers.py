"""The widgets drawn in Python are the markup of the templates they replace, character for
character (the whole suite checks this on every widget it draws; here the awkward values)."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.functional import lazystr
from django.utils.safestring import mark_safe

from cqms.core.renderers import FormRenderer
from cqms.core.tests.support import CheckedFormRenderer


class Awkward(forms.Form):
    text = forms.CharField(
        widget=forms.TextInput(attrs={"placeholder": "say \"<b>\" & 'quote'", "autofocus": True})
    )
    number = forms.IntegerField(widget=forms.NumberInput(attrs={"readonly": False}))
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.DateTimeField()
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput)
    mail = forms.EmailField(label=lazystr("E-mail"))
    choice = forms.ChoiceField(
        choices=[
            ("", "—"),
            ("a&b", 'A "and" <B>'),
            (lazystr("Suppliers"), [(1, lazystr("Phone")), (2, mark_safe("<i>2</i>"))]),
        ]
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    flag = forms.BooleanField()
    photo = forms.FileField()
    many = forms.MultipleChoiceField(choices=[(1, "one"), (2, "two"), (3, "three")])


BOUND = {
    "text": '<script>alert("x")</script>',
    "number": "12",
    "day": "2026-09-30",
    "moment": "2026-09-30 10:00",
    "secret": "a'b\"c",
    "hidden": "&amp;",
    "mail": "not an address",
    "choice": "2",
    "note": "第一行\n<second> & line",
    "flag": "on",
    "many": ["1", "3"],
}


@pytest.mark.parametrize("data", [None, BOUND], ids=["unbound", "bound"])
def test_python_widgets_draw_what_the_templates_draw(data):
    form = Awkward(data, renderer=FormRenderer())
    reference = Awkward(data, renderer=TemplatesSetting())
    form.is_valid(), reference.is_valid()
    for name in form.fields:
        assert str(form[name]) == str(reference[name]), name
    assert 'placeholder="say &quot;&lt;b&gt;&quot; &amp; &#x27;quote&#x27;"' in str(form["text"])
    assert '<optgroup label="Suppliers">' in str(form["choice"])
    assert "<i>2</i>" in str(form["choice"])  # a safe label stays as it is
    if data:
        assert 'value="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"' in str(form["text"])


def test_the_suite_fails_on_a_widget_drawn_differently(monkeypatch):
    from cqms.core import renderers

    monkeypatch.setitem(renderers.DRAWN, "django/forms/widgets/text.html", lambda widget: "<input>")
    form = Awkward(renderer=CheckedFormRenderer())
    with pytest.raises(AssertionError, match=r"text\.html"):
        str(form["text"])


def test_other_templates_still_go_to_the_template_engine():
    radio = forms.RadioSelect(choices=[("a", "A")]).render("pick", "a", renderer=FormRenderer())
    assert 'type="radio"' in radio and "checked" in radio
