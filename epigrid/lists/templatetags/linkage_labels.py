"""Linkage evidence in words an officer reads: field names and agreement levels in the interface language."""

from __future__ import annotations

from django import template
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

register = template.Library()

AGREEMENTS: dict[str, Promise] = {
    "exact": _("一致"),
    "same": _("相同"),
    "same_pinyin": _("同音"),
    "folded_pinyin": _("近音"),
    "close": _("相近"),
    "similar": _("相近"),
    "one_digit": _("差一位"),
    "transposed": _("两位颠倒"),
    "same_birth_part": _("出生日期段相同"),
    "month_day_swapped": _("月日颠倒"),
    "year_only": _("仅年份相同"),
    "year_near": _("年份相近"),
    "last8": _("后八位相同"),
    "different": _("不同"),
    "missing": _("缺失"),
    "unknown": _("无法比较"),
}

# The list fields (epigrid.lists.columns.FIELDS, whose own labels stay plain text there because that
# module is Django-free) as the interface shows them, translated; "birth" is the linkage's field name.
FIELD_LABELS: dict[str, Promise] = {
    "name": _("姓名"),
    "id_number": _("证件号码"),
    "doc_type": _("证件类型"),
    "sex": _("性别"),
    "age": _("年龄"),
    "birth": _("出生日期"),
    "birth_date": _("出生日期"),
    "phone": _("联系电话"),
    "address": _("现住址"),
    "household_address": _("户籍地址"),
    "work_unit": _("工作单位"),
    "origin": _("从何地返回"),
    "via_outbreak": _("是否途经疫区"),
    "left_date": _("离开日期"),
    "arrival_date": _("返回日期"),
    "transport": _("交通工具"),
    "transport_no": _("车次/航班/车牌"),
    "companions": _("同行人员"),
    "temperature": _("体温"),
    "symptoms": _("症状"),
    "measures": _("采取措施"),
    "village": _("村/社区"),
    "grid": _("网格"),
    "cadre": _("包保人"),
    "remarks": _("备注"),
    "seq": _("序号"),
}


@register.filter
def agreement(level: object) -> object:
    """Return how two values agree, in words ("same_pinyin" → 同音); an unknown level unchanged."""
    return AGREEMENTS.get(str(level), level)


@register.filter
def field_label(key: object) -> object:
    """Return the label of a canonical list field ("id_number" → 证件号码); an unknown key unchanged."""
    return FIELD_LABELS.get(str(key), key)
