"""A mail backend that hands the message over, then dies: a worker killed between send and log."""

from django.core.mail.backends.locmem import EmailBackend


class WorkerKilled(BaseException):
    """Like SIGKILL for the job: not an error a sender catches and retries."""


class CrashAfterSendBackend(EmailBackend):
    crash_on = 2  # the n-th message sent is the last one before the crash
    sent = 0

    def send_messages(self, messages):
        count = super().send_messages(messages)
        type(self).sent += count
        if type(self).sent >= type(self).crash_on:
            raise WorkerKilled
        return count
