"""What a department holds in other apps, asked when it is handed over; departments imports none of them.

Apps that give departments duties (tasks: responsibilities for items; brands:
brands they own) answer both signals in their AppConfig.ready().
"""

from django.dispatch import Signal

# department: Department. Receivers return a list of one-line descriptions of what the
# department still holds in open plans ("2020 · 1. 强化理论武装 (lead)").
department_holdings = Signal()

# source, successor: Department. Sent inside department_deactivate's transaction; receivers
# move what `source` holds to `successor` (with its permissions) and return how many things moved.
department_handover = Signal()
