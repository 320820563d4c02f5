"""Navigation by role, for the base template."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from epigrid.core.models import User
from epigrid.core.roles import Role

_TOWN_READERS = frozenset({Role.DISTRICT_HQ, Role.TOWN_OFFICER, Role.DEPARTMENT, Role.ADMIN})
_TASK_ROLES = frozenset({Role.DISTRICT_HQ, Role.TOWN_OFFICER, Role.VILLAGE_LEADER, Role.GRID_WORKER})
# Who reviews the residents' reports of a community (``clues.review``).
_REVIEW_ROLES = _TASK_ROLES


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return {"nav": []}
    caps = user.caps
    if user.role == Role.POLICE:  # a police station handles the clues of its area and nothing else
        return {"nav": [(reverse("clues:list"), _("线索与谣言"))]}
    if user.role == Role.CLINIC:  # a fever clinic registers its visits and follows them, nothing else
        return {"nav": [(reverse("triage:list"), _("预检分诊"))]}
    nav: list[tuple[str, object]] = [(reverse("home"), _("区域"))]
    nav.append((reverse("dashboard:home"), _("态势")))
    nav.append((reverse("risk:home"), _("风险等级")))
    nav.append((reverse("people:search"), _("人员查询")))
    nav.append((reverse("screenings:home"), _("入户摸排")))
    nav.append((reverse("monitoring:home"), _("医学观察")))
    nav.append((reverse("monitoring:alerts"), _("预警")))
    nav.append((reverse("cases:home"), _("病例")))
    nav.append((reverse("cases:clusters"), _("传播链")))
    if user.role in _TASK_ROLES:
        nav.append((reverse("triage:list"), _("发热就诊")))
    nav.append((reverse("checkpoints:home"), _("卡口")))
    nav.append((reverse("resources:home"), _("物资")))
    nav.append((reverse("lists:list"), _("部门名单")))
    nav.append((reverse("lists:counts"), _("返乡统计")))
    if user.role in _TASK_ROLES:
        nav.append((reverse("measurelog:home"), _("措施台账")))
    nav.append((reverse("volunteers:home"), _("值班值守")))
    if user.role in _TASK_ROLES:
        nav.append((reverse("followups:home"), _("随访任务")))
    nav.append((reverse("clues:list"), _("线索与谣言")))
    if user.role in _REVIEW_ROLES:
        nav.append((reverse("clues:entries"), _("群众报告审核")))
    nav.append((reverse("reports:home"), _("日报告")))
    if user.role in _TOWN_READERS:  # the work report is a town's: roles whose regions hold towns
        nav.append((reverse("reports:document:home"), _("工作报告")))
    nav.append((reverse("deptforms:list"), _("部门表格")))
    if caps.publish_info:
        nav.append((reverse("publicinfo:manage_home"), _("信息公开")))
    if caps.manage_staff:
        nav.append((reverse("staff:list"), _("账号")))
    if caps.manage_regions:
        nav.append((reverse("regions:import"), _("区划导入")))
    if caps.read_audit:
        nav.append((reverse("audit"), _("审计日志")))
    return {"nav": nav}
