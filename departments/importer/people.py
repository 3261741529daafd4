"""A people list (CSV or Excel) -> rows with per-row errors; pure of the database but for lookups.

Header words are the clerk's: Chinese or English column names are accepted.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

MAX_PEOPLE_FILE_BYTES = 2 * 1024 * 1024
MAX_PEOPLE_ROWS = 50_000
# Control characters (a NUL pasted from another program) fit no field, and PostgreSQL refuses NUL outright.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

COLUMNS = {
    "name": ("姓名", "name", "全名"),
    "username": ("用户名", "username", "账号", "登录名"),
    "department": ("部室", "部门", "department", "所在部室"),
    "role": ("角色", "role", "身份"),
    "email": ("邮箱", "电子邮箱", "email", "e-mail"),
    "phone": ("电话", "手机", "phone", "手机号"),
}
ROLES = {
    "member": ("member", "staff", "工作人员", "成员", "干部", "职员"),
    "head": ("head", "负责人", "部长", "主任", "部室负责人"),
    "leadership": ("leadership", "leader", "领导"),
    "supervision": ("supervision", "supervisor", "督查", "督办", "督查员"),
    "plan_admin": ("plan_admin", "admin", "管理员", "计划管理员"),
}


class PeopleFileError(ValueError):
    pass


@dataclass
class PersonRow:
    line: int
    name: str = ""
    username: str = ""
    department: str = ""
    role: str = ""
    email: str = ""
    phone: str = ""
    errors: list[str] = field(default_factory=list)


def read_people_file(data: bytes, *, filename: str) -> list[list[str]]:
    """The file's rows as lists of cell texts (first row: the header)."""
    if len(data) > MAX_PEOPLE_FILE_BYTES:
        raise PeopleFileError(_("The file is larger than 2 MB."))
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise PeopleFileError(_("The file's text encoding is not recognised; save it as UTF-8 CSV."))
        try:
            return [row for row in csv.reader(io.StringIO(text, newline=""))]
        except csv.Error as error:  # a NUL byte or a broken quote: say where, never a 500
            raise PeopleFileError(_("The CSV file cannot be read (%(error)s); save it again as UTF-8 CSV.")
                                  % {"error": error}) from error
    if suffix == ".xlsx":
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises anything on a damaged file
            raise PeopleFileError(_("The Excel file is damaged; save it again as .xlsx.")) from error
        sheet = workbook.worksheets[0]
        return [["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    raise PeopleFileError(_("Upload a .csv or .xlsx file."))


def _column_index(header: list[str]) -> dict[str, int]:
    index = {}
    for position, word in enumerate(header):
        word = word.strip().lower()
        for key, names in COLUMNS.items():
            if word in names:
                index[key] = position
    return index


def _role(word: str) -> str | None:
    word = word.strip().lower()
    if not word:
        return "member"
    return next((role for role, names in ROLES.items() if word in names), None)


def _field_limits() -> dict[str, int]:
    """How long each column may be: the database's own field lengths (a longer one was a 500)."""
    from django.contrib.auth import get_user_model

    from ..models import Profile

    user = get_user_model()._meta
    return {"name": user.get_field("first_name").max_length, "username": user.get_field("username").max_length,
            "email": user.get_field("email").max_length, "phone": Profile._meta.get_field("phone").max_length}


def parse_people(rows: list[list[str]], *, department_names: set[str]) -> list[PersonRow]:
    """Rows with what is wrong with each; `department_names` are the active departments and aliases.

    The preview and the confirmation both call this: what the preview calls clean is what is saved.
    """
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise PeopleFileError(_("The file is empty."))
    if len(rows) > MAX_PEOPLE_ROWS + 1:
        raise PeopleFileError(_("The file has more than %(limit)d rows; split it into several lists.")
                              % {"limit": MAX_PEOPLE_ROWS})
    limits = _field_limits()
    columns = _column_index(rows[0])
    if "username" not in columns:
        raise PeopleFileError(_("The first row must name the columns; a “用户名” (username) column is required."))
    people, seen = [], {}
    validate_username = UnicodeUsernameValidator()
    for line, row in enumerate(rows[1:], start=2):
        cell = lambda key: row[columns[key]].strip() if key in columns and columns[key] < len(row) else ""  # noqa: E731
        person = PersonRow(line=line, **{key: cell(key) for key in COLUMNS})
        for key in COLUMNS:
            value = getattr(person, key)
            if CONTROL_CHARACTER.search(value):
                person.errors.append(_("the %(column)s contains a control character (such as NUL)")
                                     % {"column": COLUMNS[key][0]})
                setattr(person, key, CONTROL_CHARACTER.sub("", value))
            elif key in limits and len(value) > limits[key]:
                person.errors.append(_("the %(column)s has %(length)d characters; at most %(limit)d fit")
                                     % {"column": COLUMNS[key][0], "length": len(value), "limit": limits[key]})
        if not person.username:
            person.errors.append(_("the username is missing"))
        else:
            try:
                validate_username(person.username)
            except ValidationError:
                person.errors.append(_("the username may contain only letters, digits and @/./+/-/_"))
            if person.username in seen:
                person.errors.append(_("the username is also on row %(line)d") % {"line": seen[person.username]})
            seen.setdefault(person.username, line)
        role = _role(person.role)
        if role is None:
            person.errors.append(_("unknown role “%(role)s”") % {"role": person.role})
        else:
            person.role = role
        if role in ("member", "head"):
            if not person.department:
                person.errors.append(_("a department is needed for this role"))
            elif person.department not in department_names:
                person.errors.append(_("no active department “%(name)s”") % {"name": person.department})
        if person.email:
            try:
                validate_email(person.email)
            except ValidationError:
                person.errors.append(_("“%(email)s” is not an e-mail address") % {"email": person.email})
        people.append(person)
    return people
