"""Every state change of supervision (督办), a module per noun; callers import from here.

- instructions.py: 领导批示 as a closed loop, 交办事项;
- chases.py: 一键催办 and who is late;
- extensions.py: 延期申请;
- completion.py: 办结审核 and 销号;
- summaries.py: 半年总结 / 年终总结;
- reminder_job.py: the daily reminders, 催办 and 督办.
"""

from .chases import Late, chase_answer, chase_create, late_departments
from .completion import awaiting_check_notice, completion_close, completion_return
from .extensions import extension_check, extension_decide, extension_request
from .instructions import (
    assignment_create,
    instruction_close,
    instruction_create,
    instruction_departments,
    instruction_reply,
    instruction_return,
)
from .reminder_job import ReminderRun, reminder_rules, reminders_run
from .summaries import RequirementRow, requirements_copy, requirements_ensure, requirements_save, summary_submit

__all__ = [
    "Late", "ReminderRun", "RequirementRow", "requirements_save", "assignment_create", "awaiting_check_notice", "chase_answer", "chase_create",
    "completion_close", "completion_return", "extension_check", "extension_decide", "extension_request",
    "instruction_close", "instruction_create", "instruction_departments", "instruction_reply", "instruction_return",
    "late_departments", "reminder_rules", "reminders_run", "requirements_copy", "requirements_ensure",
    "summary_submit",
]
