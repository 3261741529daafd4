"""What forgets a user's cached frame (notifications.backends): every change to what it holds.

The frame is the user row with the unread count, the names of their groups (with each group's
department) and the navigation flags (head somewhere, in any department). Each receiver names the
users whose frame changed; `services.frame_forget` deletes the entries now and again once the
transaction commits (a request in between may have read the rows as they were).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from departments.models import Department, Membership

from .models import Notification
from .services import frame_forget

User = get_user_model()


@receiver(post_save, sender=User, dispatch_uid="frame-user-saved")
@receiver(post_delete, sender=User, dispatch_uid="frame-user-deleted")
def _user_changed(sender, instance, **kwargs):
    frame_forget(user_ids=[instance.pk])


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="frame-user-groups")
def _groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if not reverse:  # user.groups.add(...): the user
        frame_forget(user_ids=[instance.pk])
    elif pk_set:  # group.user_set.add(users)
        frame_forget(user_ids=pk_set)
    else:  # group.user_set.clear(): everyone in it, read before they leave
        frame_forget(user_ids=instance.user_set.values_list("pk", flat=True))


@receiver(post_save, sender=Group, dispatch_uid="frame-group-saved")
@receiver(pre_delete, sender=Group, dispatch_uid="frame-group-deleted")
def _group_changed(sender, instance, **kwargs):
    frame_forget(user_ids=instance.user_set.values_list("pk", flat=True))


@receiver(post_save, sender=Department, dispatch_uid="frame-department-saved")
@receiver(pre_delete, sender=Department, dispatch_uid="frame-department-deleted")
def _department_changed(sender, instance, **kwargs):
    frame_forget(user_ids=User.objects.filter(groups__in=[instance.group_id, instance.head_group_id])
                 .values_list("pk", flat=True))


@receiver(post_save, sender=Membership, dispatch_uid="frame-membership-saved")
@receiver(post_delete, sender=Membership, dispatch_uid="frame-membership-deleted")
def _membership_changed(sender, instance, **kwargs):
    frame_forget(user_ids=[instance.user_id])


@receiver(post_save, sender=Notification, dispatch_uid="frame-notification-saved")
@receiver(post_delete, sender=Notification, dispatch_uid="frame-notification-deleted")
def _notification_changed(sender, instance, **kwargs):
    frame_forget(user_ids=[instance.recipient_id])
