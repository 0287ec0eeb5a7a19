"""Demo content for labs: every bundle folder under labs/bundles/ as a Lab with a
validated version, and the sweeper's periodic task. Idempotent: an unchanged
bundle (same SHA-256) adds no version; a broken bundle is logged and skipped."""

from __future__ import annotations

import logging
from pathlib import Path

from django.db import DatabaseError

from labs import engine, services
from labs.archives import repo_bundle_folders

logger = logging.getLogger(__name__)


def seed_bundles(root: Path | None = None) -> None:
    # One warm kernel source for all bundles: each validation grades two notebooks.
    with engine.kernels_create() as kernels:
        for folder in repo_bundle_folders(root):
            _seed_bundle(folder, kernels)


def _seed_bundle(folder: Path, kernels: object) -> None:
    try:
        version = services.bundle_import(path=folder, kernels=kernels)
    except (services.BundleRefused, OSError, DatabaseError, ValueError):
        logger.exception("Lab bundle %s could not be imported", folder.name)
        return
    if not version.is_valid:
        logger.error("Lab bundle %s refused: %s", folder.name, version.refusal_reason)


def seed() -> None:
    services.sweeper_schedule_ensure()
    seed_bundles()
