"""Form pieces every editable record uses."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from .errors import BusinessRuleError


class ChoicesInOneRead(ModelChoiceIterator):
    """The choices of a model select, read as one plain query. Django reads them through
    `QuerySet.iterator()`, which on PostgreSQL opens a server-side cursor (DECLARE, FETCH, CLOSE:
    three round trips, and a statement never prepared): about 1 ms for a select of a few rows,
    several per page. Long lists do not come this way: customers and people are chosen with
    search pickers. Installed for every model select in `CoreConfig.ready`, django-filter's
    included (their "null" choice follows the empty one, as in django-filter)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if getattr(self.field, "null_label", None) is not None:
            yield (self.field.null_value, self.field.null_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class VersionedForm(forms.ModelForm):
    """Carries the version the user loaded, so a save can tell whether someone else saved
    in between (the service compares it; see audit.save_changes)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["version"].required = True

    def changed_values(self) -> dict:
        """The cleaned values of the model fields the user changed."""
        return {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name != "version" and name in self._meta.fields
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def apply_service(form: forms.Form, call) -> bool:
    """Run a service call for a valid form and put the service's refusals on the form, at the
    field they concern or at the top. True when the change was saved."""
    try:
        call()
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return False
    except BusinessRuleError as error:
        form.add_error(None, error.message)
        return False
    return True
