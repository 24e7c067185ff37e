"""crispy's Bootstrap 5 field drawn in Python (core/fields.py) is the HTML crispy's template draws
(the whole suite checks every field it draws; here the awkward cases, and what is left to
crispy)."""

from __future__ import annotations

import pytest
from crispy_forms.helper import FormHelper
from django import forms
from django.template import engines
from django.test.html import parse_html
from django.utils.functional import lazystr
from django.utils.safestring import mark_safe

from cqms.core import fields


class Awkward(forms.Form):
    text = forms.CharField(
        label=lazystr('Say "<b>" & more'),
        help_text=mark_safe("Up to <em>200</em> characters"),
        widget=forms.TextInput(attrs={"class": "textinput wide", "placeholder": "<x>"}),
    )
    number = forms.IntegerField(required=False, min_value=1)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    choice = forms.ChoiceField(choices=[("", "—"), ("a", "A & B")], label="")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    photo = forms.FileField(
        help_text="PNG or JPEG", widget=forms.FileInput(attrs={"accept": "image/*"})
    )
    document = forms.FileField(required=False, disabled=True)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        raise forms.ValidationError("The form as a whole is wrong.")


class LeftToCrispy(forms.Form):
    flag = forms.BooleanField()
    pick = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)
    many = forms.MultipleChoiceField(choices=[("a", "A")], widget=forms.CheckboxSelectMultiple)
    moment = forms.SplitDateTimeField()


BOUND = {"text": "", "number": "0", "day": "someday", "choice": "a", "note": "<n>", "hidden": "&"}


def render(source: str, **context) -> str:
    return engines["django"].from_string("{% load crispy_forms_tags %}" + source).render(context)


def crispy_only(source: str, monkeypatch, **context) -> str:
    """What crispy's own template draws (the Python drawing switched off)."""
    with monkeypatch.context() as patch:
        patch.setattr(fields, "draw", lambda field, context: None)
        return render(source, **context)


@pytest.mark.parametrize("data", [None, BOUND], ids=["unbound", "bound"])
def test_fields_drawn_in_python_are_crispys_html(data, monkeypatch, settings):
    settings.CQMS_CHECK_DRAWN_FIELDS = False  # compared here, not by the suite's check
    drawn, drawing = [], fields.draw

    def counted(field, context):
        markup = drawing(field, context)
        drawn.append((field.name, markup is not None))
        return markup

    monkeypatch.setattr(fields, "draw", counted)
    ours = render("{{ form|crispy }}", form=Awkward(data))
    assert dict(drawn) == dict.fromkeys(Awkward.base_fields, True)
    assert parse_html(ours) == parse_html(
        crispy_only("{{ form|crispy }}", monkeypatch, form=Awkward(data))
    )
    if data:
        assert "is-invalid" in ours and ours.count("invalid-feedback") == 4
    assert "&quot;&lt;b&gt;&quot; &amp; more" in ours and "<em>200</em>" in ours
    for name in Awkward.base_fields:
        one = "{{ form|as_crispy_field }}"
        assert parse_html(render(one, form=Awkward(data)[name])) == parse_html(
            crispy_only(one, monkeypatch, form=Awkward(data)[name])
        ), name


def test_a_helpers_inline_errors_are_drawn_as_crispy_draws_them(monkeypatch, settings):
    settings.CQMS_CHECK_DRAWN_FIELDS = False
    form = Awkward(BOUND)
    form.helper = FormHelper()
    form.helper.form_tag = False
    again = Awkward(BOUND)
    again.helper = form.helper
    ours = render("{% crispy form %}", form=form)
    assert '<span id="error_1_id_text"><strong>' in ours
    assert parse_html(ours) == parse_html(crispy_only("{% crispy form %}", monkeypatch, form=again))


def test_the_widget_gets_the_classes_crispy_gives_it():
    form = Awkward(BOUND)
    render("{{ form|crispy }}", form=form)
    assert form.fields["text"].widget.attrs["class"] == "textinput wide form-control is-invalid"
    assert form.fields["choice"].widget.attrs["class"] == "select form-select"
    assert "class" not in form.fields["photo"].widget.attrs  # a file input is drawn apart


def test_other_fields_and_layouts_are_left_to_crispy():
    form = LeftToCrispy()
    context = {"form_show_labels": True, "form_show_errors": True}
    assert all(fields.draw(form[name], context) is None for name in form.fields)
    plain = Awkward()["text"]
    assert fields.draw(plain, context) is not None
    for layout in ({"field_class": "col-8"}, {"form_class": "form-horizontal"}, {"tag": "td"}):
        assert fields.draw(plain, {**context, **layout}) is None
    assert "form-check-input" in render("{{ form|crispy }}", form=form)  # crispy drew them


def test_the_suite_fails_on_a_field_drawn_differently(monkeypatch, settings):
    settings.CQMS_CHECK_DRAWN_FIELDS = True
    monkeypatch.setattr(fields, "draw", lambda field, context: "<div>other</div>")
    with pytest.raises(AssertionError, match="field 'text'"):
        render("{{ form|crispy }}", form=Awkward())
