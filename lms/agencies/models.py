from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AgencyQuerySet(models.QuerySet["Agency"]):
    def current(self, on: datetime.date | None = None) -> AgencyQuerySet:
        """Agencies that exist on a date (not yet merged away or dissolved)."""
        on = on or timezone.localdate()
        return self.filter(
            models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=on),
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=on),
        )


class Agency(models.Model):
    """A state body whose officers are trained: department, unit, commune or enterprise.

    Agencies are never deleted: a merger or rename closes the old row (`valid_to`) and
    points it at its `successor`, so completions credited to it keep their history.
    """

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Sở, ban, ngành")
        PROVINCIAL_UNIT = "provincial_unit", _("Đơn vị cấp tỉnh")
        COMMUNE = "commune", _("Xã, phường")
        ENTERPRISE = "enterprise", _("Doanh nghiệp nhà nước")

    code = models.CharField(_("mã"), max_length=32, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(
        _("hết hiệu lực từ"),
        null=True,
        blank=True,
        help_text=_("Ngày đơn vị được sáp nhập, đổi tên hoặc giải thể."),
    )
    successor = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị kế thừa"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("cơ quan, đơn vị")
        verbose_name_plural = _("cơ quan, đơn vị")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gt=models.F("valid_from")),
                name="agencies_agency_valid_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(successor=models.F("id")),
                name="agencies_agency_not_own_successor",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_current(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        started = self.valid_from is None or self.valid_from <= on
        return started and (self.valid_to is None or self.valid_to > on)

    def final_successor(self) -> Agency:
        """Follow successor links to the agency that exists today (merger chains)."""
        agency, seen = self, {self.pk}
        while agency.successor_id and agency.successor_id not in seen:
            seen.add(agency.successor_id)
            agency = agency.successor
        return agency


class Commune(models.Model):
    """A commune-level unit after the 1 July 2025 rearrangement (99 in Bắc Ninh)."""

    class Kind(models.TextChoices):
        COMMUNE = "xa", _("Xã")
        WARD = "phuong", _("Phường")

    code = models.CharField(_("mã"), max_length=5, unique=True)
    name = models.CharField(_("tên"), max_length=100)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    full_name = models.CharField(_("tên đầy đủ"), max_length=120)

    class Meta:
        verbose_name = _("xã, phường")
        verbose_name_plural = _("xã, phường")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.full_name


class CommuneMerge(models.Model):
    """One old (pre-July 2025) commune-level unit and the new unit it became part of."""

    new_commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="merged_from"
    )
    old_code = models.CharField(_("mã cũ"), max_length=5, unique=True)
    old_full_name = models.CharField(_("tên cũ"), max_length=120)
    old_district = models.CharField(_("huyện cũ"), max_length=120)
    old_province = models.CharField(_("tỉnh cũ"), max_length=60)
    merge_kind = models.CharField(max_length=10)
    resolution_article = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("sắp xếp đơn vị hành chính")
        verbose_name_plural = _("sắp xếp đơn vị hành chính")
        ordering = ["new_commune__code", "old_code"]

    def __str__(self) -> str:
        return f"{self.old_full_name} → {self.new_commune_id}"
