"""Form widgets every app's forms share."""

from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker: its value is always ISO (YYYY-MM-DD), whatever the language's format."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs=attrs, format=format)
