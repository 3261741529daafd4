from django import forms
from django.utils.translation import gettext_lazy as _


class PeopleUploadForm(forms.Form):
    file = forms.FileField(
        label=_("People list (.csv or .xlsx)"),
        help_text=_("Columns: 姓名, 用户名, 部室, 角色 (工作人员/负责人/领导/计划管理员), 邮箱, 电话."),
    )
