from django import forms
from django.utils.translation import gettext_lazy as _


class PeopleUploadForm(forms.Form):
    file = forms.FileField(
        label=_("People list (.csv or .xlsx)"),
        help_text=_("Columns: 姓名, 用户名, 部室, 角色 (工作人员/负责人/领导/督查/计划管理员), 邮箱, 电话."),
    )


class DepartmentDeactivateForm(forms.Form):
    successor = forms.ModelChoiceField(
        queryset=None, label=_("Who takes over its items"), required=False, empty_label=_("(nobody: it has no open items)")
    )

    def __init__(self, *args, department, holdings=(), **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Department

        self.fields["successor"].queryset = Department.objects.filter(is_active=True).exclude(pk=department.pk)
        if holdings:
            # Open items need a successor: "nobody" is not offered while there are any.
            self.fields["successor"].required = True
            self.fields["successor"].empty_label = None
