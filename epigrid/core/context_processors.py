"""Navigation by role, for the base template."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from epigrid.core.models import User
from epigrid.core.roles import Role

_TOWN_READERS = frozenset({Role.DISTRICT_HQ, Role.TOWN_OFFICER, Role.DEPARTMENT, Role.ADMIN})


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return {"nav": []}
    caps = user.caps
    nav: list[tuple[str, object]] = [(reverse("home"), _("区域"))]
    nav.append((reverse("dashboard:home"), _("态势")))
    nav.append((reverse("people:search"), _("人员查询")))
    nav.append((reverse("screenings:home"), _("入户摸排")))
    nav.append((reverse("monitoring:home"), _("医学观察")))
    nav.append((reverse("monitoring:alerts"), _("预警")))
    nav.append((reverse("cases:home"), _("病例")))
    nav.append((reverse("cases:clusters"), _("传播链")))
    nav.append((reverse("checkpoints:home"), _("卡口")))
    nav.append((reverse("resources:home"), _("物资")))
    nav.append((reverse("lists:list"), _("部门名单")))
    nav.append((reverse("lists:counts"), _("返乡统计")))
    nav.append((reverse("reports:home"), _("日报告")))
    if user.role in _TOWN_READERS:  # the work report is a town's: roles whose regions hold towns
        nav.append((reverse("reports:document:home"), _("工作报告")))
    nav.append((reverse("deptforms:list"), _("部门表格")))
    if caps.manage_staff:
        nav.append((reverse("staff:list"), _("账号")))
    if caps.manage_regions:
        nav.append((reverse("regions:import"), _("区划导入")))
    if caps.read_audit:
        nav.append((reverse("audit"), _("审计日志")))
    return {"nav": nav}
