"""Celery tasks of accounts: thin, idempotent wrappers around services."""

from __future__ import annotations

from celery import shared_task

from lms.accounts.retention import PURGE_TASK


@shared_task(name=PURGE_TASK)
def expired_data_purge() -> dict[str, int]:
    """Beat runs this nightly; running it twice removes nothing more."""
    from lms.accounts.retention import expired_data_purge as purge

    return purge()
