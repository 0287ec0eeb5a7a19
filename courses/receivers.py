"""Signals courses listens to: lab grades and officer profile changes."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from labs.signals import lab_graded
from lms.accounts.models import OfficerProfile


@receiver(lab_graded, dispatch_uid="courses_lab_graded")
def lab_graded_record(
    sender, *, user, lab, submission=None, passed: bool, **kwargs
) -> None:
    """A passed lab completes the lessons that hold it (and maybe the course)."""
    if passed:
        from courses.services import lab_pass_record

        lab_pass_record(user=user, lab=lab)


@receiver(post_save, sender=OfficerProfile, dispatch_uid="courses_officer_auto_assign")
def officer_profile_saved(
    sender, *, instance: OfficerProfile, raw: bool = False, **kwargs
) -> None:
    """A new data focal point or IT officer gets the programs assigned by flag."""
    if raw or not (instance.is_data_focal_point or instance.is_it_officer):
        return
    from courses.services import officer_auto_assign

    officer_auto_assign(user=instance.user)
