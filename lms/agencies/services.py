"""Writes for agencies: loading the reference lists and recording mergers."""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from lms.agencies.models import Agency, Commune, CommuneMerge

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class LoadReport:
    agencies_created: int
    agencies_updated: int
    communes: int
    merges: int


def _read_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _upsert_agencies(rows: list[dict[str, str]]) -> tuple[int, int]:
    existing = {agency.code: agency for agency in Agency.objects.all()}
    created = updated = 0
    for row in rows:
        agency = existing.get(row["code"])
        if agency is None:
            existing[row["code"]] = Agency.objects.create(
                code=row["code"], name=row["name"], kind=row["kind"]
            )
            created += 1
        elif (agency.name, agency.kind) != (row["name"], row["kind"]):
            agency.name, agency.kind = row["name"], row["kind"]
            agency.save(update_fields=["name", "kind", "updated_at"])
            updated += 1
    # Parents in a second pass: a row may name a parent that appears later.
    for row in rows:
        agency = existing[row["code"]]
        parent = existing.get(row["parent_code"]) if row["parent_code"] else None
        if agency.parent_id != (parent.pk if parent else None):
            agency.parent = parent
            agency.save(update_fields=["parent", "updated_at"])
    return created, updated


def _upsert_communes() -> tuple[int, int]:
    communes = {}
    for row in _read_csv("communes_2025.csv"):
        communes[row["code"]], _ = Commune.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "kind": row["kind"],
                "full_name": row["full_name"],
            },
        )
    merges = _read_csv("commune_merges_2025.csv")
    for row in merges:
        CommuneMerge.objects.update_or_create(
            old_code=row["old_code"],
            defaults={
                "new_commune": communes[row["new_code"]],
                "old_full_name": row["old_full_name"],
                "old_district": row["old_district"],
                "old_province": row["old_province"],
                "merge_kind": row["merge_kind"],
                "resolution_article": int(row["resolution_article"])
                if row["resolution_article"]
                else None,
            },
        )
    return len(communes), len(merges)


@transaction.atomic
def agencies_load() -> LoadReport:
    """Load agencies, communes and the 2025 merge table; safe to run any number of times."""
    created, updated = _upsert_agencies(_read_csv("agencies.csv"))
    communes, merges = _upsert_communes()
    return LoadReport(created, updated, communes, merges)


@transaction.atomic
def agency_merge(
    *, sources: list[Agency], into: Agency, on: datetime.date
) -> list[Agency]:
    """Merge agencies into another: the old rows close on `on` and point at `into`.

    Nothing is deleted, so officers and completions credited to an old agency keep
    pointing at it; reports follow `successor` to today's agency.
    """
    if any(source.pk == into.pk for source in sources):
        raise ValueError("Không thể sáp nhập một đơn vị vào chính nó.")
    for source in sources:
        source.valid_to = on
        source.successor = into
        source.save(update_fields=["valid_to", "successor", "updated_at"])
    return sources
