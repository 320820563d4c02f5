"""Follow-up tasks (随访任务): visit a household, deliver supplies, re-check a temperature, phone someone.

A task belongs to a unit (a town, village or grid: ``region``, with the region chain copied so a unit's
list is one indexed equality), is assigned to one member of staff whose regions cover that unit
(optionally on behalf of a named team), and is due at a time. Its subject may be a household, a person
and an observation episode. Status is open, done or cancelled; "overdue" is never stored: it is an
open task whose due time has passed, computed in the query when the list is read
(``selectors.with_state``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from epigrid.core.models import TimeStamped
from epigrid.monitoring.models import Episode
from epigrid.people.models import Person
from epigrid.regions.models import Household, Region, chain_copy


class Task(TimeStamped):
    """One follow-up to do by a due time, by one member of staff."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("上门走访")
        DELIVER = "deliver", _("配送物资")
        RECHECK = "recheck", _("复测体温")
        PHONE = "phone", _("电话随访")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        OPEN = "open", _("待办")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    region = models.ForeignKey(Region, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(Region, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    town = chain_copy()
    village = chain_copy()
    grid = chain_copy()
    kind = models.CharField(_("任务类型"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("任务内容"), max_length=100)
    details = models.CharField(_("说明"), max_length=500, blank=True)
    household = models.ForeignKey(
        Household, verbose_name=_("户"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    episode = models.ForeignKey(
        Episode, verbose_name=_("医学观察"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("负责人"), on_delete=models.PROTECT, related_name="+"
    )
    # A free-text team the assignee leads for this task (e.g. "李家店村党员突击队"); see the report of
    # issue 10 for how a link to volunteers.Team could replace it.
    team = models.CharField(_("执行队伍"), max_length=100, blank=True)
    # The volunteer team doing it, when it is one of the district's (``volunteers.VolunteerTeam``); ``team``
    # then carries its name, so lists need no join.
    volunteer_team = models.ForeignKey(
        "volunteers.VolunteerTeam", verbose_name=_("志愿服务队"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="tasks",
    )  # fmt: skip
    due_at = models.DateTimeField(_("截止时间"))
    assigned_at = models.DateTimeField(_("派发时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("派发人"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(_("完成/取消时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    outcome = models.CharField(_("完成情况"), max_length=500, blank=True)  # or the reason it was cancelled
    idempotency_key = models.CharField(_("提交标识"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("随访任务")
        indexes = [
            models.Index(fields=["assignee", "status", "due_at"], name="task_assignee_idx"),
            models.Index(fields=["grid", "status", "due_at"], name="task_grid_idx"),
            models.Index(fields=["village", "status", "due_at"], name="task_village_idx"),
            models.Index(fields=["town", "status", "due_at"], name="task_town_idx"),
            models.Index(fields=["district", "status", "due_at"], name="task_district_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="task_idempotency",
            ),
            # An open task has no closing facts; a closed one has all of them, and a done one its outcome.
            models.CheckConstraint(
                condition=(Q(status="open") & Q(closed_at__isnull=True) & Q(closed_by__isnull=True))
                | (
                    Q(status__in=["done", "cancelled"])
                    & Q(closed_at__isnull=False)
                    & Q(closed_by__isnull=False)
                ),
                name="task_closed_facts",
            ),
            models.CheckConstraint(condition=~Q(status="done") | ~Q(outcome=""), name="task_done_outcome"),
        ]

    def __str__(self) -> str:
        return self.title
