"""Department name lists: who sent them, each batch as received, and every row's link to a person."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from epigrid.core.models import TimeStamped
from epigrid.people.models import Person
from epigrid.regions.models import Region


class ListSource(TimeStamped):
    """A department that sends name lists (区教育局, 区卫健局, XX派出所 …), per district."""

    district = models.ForeignKey(Region, verbose_name=_("区/县"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("部门"), max_length=60)

    class Meta:
        verbose_name = _("名单来源")
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="list_source_unique")]

    def __str__(self) -> str:
        return self.name


class ListBatch(TimeStamped):
    """One file received from a source: its bytes, the column mapping, progress and outcome.

    ``sha256`` makes a re-import of the same file from the same source a no-op. ``region`` is the
    subtree the list was sent to (the district, or a town): new people from it are placed that far.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("待确认列")
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("处理中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("未导入")

    source = models.ForeignKey(
        ListSource, verbose_name=_("来源"), on_delete=models.PROTECT, related_name="batches"
    )
    number = models.PositiveIntegerField(_("批次"))
    region = models.ForeignKey(Region, verbose_name=_("下发至"), on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("文件名"), max_length=200)
    content = models.BinaryField(_("文件内容"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.UPLOADED)
    header_row = models.PositiveIntegerField(_("表头行"), null=True, blank=True)
    mapping = models.JSONField(_("列对应"), default=dict, blank=True)
    rows_total = models.PositiveIntegerField(_("行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已处理"), default=0)
    summary = models.JSONField(_("结果"), default=dict, blank=True)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("名单批次")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "sha256"], name="list_batch_same_file_once"),
        ]

    def __str__(self) -> str:
        return f"{self.source} 第{self.number}批"


class ListRow(models.Model):
    """One row of a batch as read, its normalized identity, and the decision that links it."""

    class Decision(models.TextChoices):
        MATCHED = "matched", _("已匹配")
        NEW = "new", _("新增人员")
        REVIEW = "review", _("待人工确认")
        REJECTED = "rejected", _("已拒绝")

    batch = models.ForeignKey(ListBatch, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(_("行号"))  # as the spreadsheet shows it
    raw = models.JSONField(_("原始内容"), default=list)
    fields = models.JSONField(_("字段"), default=dict)
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    id_number = models.CharField(_("证件号码"), max_length=32, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    person = models.ForeignKey(
        Person,
        verbose_name=_("人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="list_rows",
    )
    decision = models.CharField(_("结论"), max_length=10, choices=Decision.choices)
    score = models.FloatField(_("匹配分"), null=True, blank=True)
    evidence = models.JSONField(_("依据"), default=dict, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("名单行")
        constraints = [models.UniqueConstraint(fields=["batch", "row_number"], name="list_row_once")]
        indexes = [
            models.Index(fields=["batch", "decision"], name="list_row_decision_idx"),
            models.Index(fields=["person"], name="list_row_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"


class PersonMerge(TimeStamped):
    """Two records found to be one person: ``absorbed`` was folded into ``kept``, and can come back.

    ``moved`` names every row that was repointed from the absorbed record to the kept one (per model,
    by primary key) and ``filled`` the blank fields of the kept record that the absorbed one filled,
    so an undo puts back exactly what the merge changed and nothing an officer did since.
    """

    kept = models.ForeignKey(Person, verbose_name=_("保留人员"), on_delete=models.PROTECT, related_name="+")
    absorbed = models.ForeignKey(
        Person, verbose_name=_("并入人员"), on_delete=models.PROTECT, related_name="+"
    )
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("合并人"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("合并原因"), max_length=200, blank=True)
    moved = models.JSONField(_("转移的记录"), default=dict, blank=True)
    filled = models.JSONField(_("补全的字段"), default=dict, blank=True)
    undone_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("人员合并")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["kept"], name="person_merge_kept_idx"),
            models.Index(fields=["absorbed"], name="person_merge_absorbed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.absorbed_id} → {self.kept_id}"

    @property
    def active(self) -> bool:
        return self.undone_at is None
