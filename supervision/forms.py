"""Forms of supervision; every message is field-level and translated."""

from django import forms
from django.utils.translation import gettext_lazy as _


class InstructionForm(forms.Form):
    text = forms.CharField(label=_("Instruction"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class InstructionReplyForm(forms.Form):
    reply = forms.CharField(label=_("Reply"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
