"""Which province a free-text place of origin names ("湖北省武汉市", "武汉", "深圳宝安", "浙江温州").

Department lists and screening forms write 从何地返回 as people say it: a province, a city, a city with
its district, sometimes only a well-known city. ``province_of`` finds the province from the province
name or, failing that, from a prefecture-level city of the table below (all of Hubei's, every
provincial capital and the cities migrant workers most often return from). ``in_areas`` tells whether
a place lies in one of the configured outbreak areas, which may be provinces or cities.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# GB/T 2260 two-digit code -> (full name, short name)
PROVINCES: dict[str, tuple[str, str]] = {
    "11": ("北京市", "北京"), "12": ("天津市", "天津"), "13": ("河北省", "河北"),
    "14": ("山西省", "山西"), "15": ("内蒙古自治区", "内蒙古"), "21": ("辽宁省", "辽宁"),
    "22": ("吉林省", "吉林"), "23": ("黑龙江省", "黑龙江"), "31": ("上海市", "上海"),
    "32": ("江苏省", "江苏"), "33": ("浙江省", "浙江"), "34": ("安徽省", "安徽"),
    "35": ("福建省", "福建"), "36": ("江西省", "江西"), "37": ("山东省", "山东"),
    "41": ("河南省", "河南"), "42": ("湖北省", "湖北"), "43": ("湖南省", "湖南"),
    "44": ("广东省", "广东"), "45": ("广西壮族自治区", "广西"), "46": ("海南省", "海南"),
    "50": ("重庆市", "重庆"), "51": ("四川省", "四川"), "52": ("贵州省", "贵州"),
    "53": ("云南省", "云南"), "54": ("西藏自治区", "西藏"), "61": ("陕西省", "陕西"),
    "62": ("甘肃省", "甘肃"), "63": ("青海省", "青海"), "64": ("宁夏回族自治区", "宁夏"),
    "65": ("新疆维吾尔自治区", "新疆"), "71": ("台湾省", "台湾"), "81": ("香港特别行政区", "香港"),
    "82": ("澳门特别行政区", "澳门"),
}  # fmt: skip

# Prefecture-level cities (short names) by province code. Hubei is complete, being the 2020 outbreak
# province; elsewhere the capitals and the large destinations of migrant work.
CITIES: dict[str, tuple[str, ...]] = {
    "42": (
        "武汉", "黄石", "十堰", "宜昌", "襄阳", "襄樊", "鄂州", "荆门", "孝感", "荆州", "黄冈", "咸宁",
        "随州", "恩施", "仙桃", "潜江", "天门", "神农架",
    ),
    "13": ("石家庄", "唐山", "保定", "邯郸", "廊坊", "沧州"),
    "14": ("太原", "大同"),
    "15": ("呼和浩特", "包头", "鄂尔多斯"),
    "21": ("沈阳", "大连"),
    "22": ("长春",),
    "23": ("哈尔滨",),
    "32": ("南京", "苏州", "无锡", "常州", "南通", "徐州", "扬州", "昆山"),
    "33": ("杭州", "宁波", "温州", "义乌", "金华", "台州", "嘉兴", "绍兴", "湖州"),
    "34": ("合肥", "芜湖", "阜阳", "六安", "安庆"),
    "35": ("福州", "厦门", "泉州", "莆田", "晋江"),
    "36": ("南昌", "九江", "赣州", "上饶"),
    "37": ("济南", "青岛", "烟台", "潍坊", "临沂"),
    "41": ("郑州", "信阳", "南阳", "洛阳", "驻马店", "周口", "商丘"),
    "43": ("长沙", "岳阳", "常德", "株洲", "衡阳"),
    "44": ("广州", "深圳", "东莞", "佛山", "珠海", "中山", "惠州", "江门"),
    "45": ("南宁", "柳州", "桂林"),
    "46": ("海口", "三亚"),
    "51": ("成都", "绵阳"),
    "52": ("贵阳", "遵义"),
    "53": ("昆明",),
    "54": ("拉萨",),
    "61": ("西安", "宝鸡"),
    "62": ("兰州",),
    "63": ("西宁",),
    "64": ("银川",),
    "65": ("乌鲁木齐",),
}  # fmt: skip


def _clean(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


@lru_cache(maxsize=1)
def _names() -> list[tuple[str, str]]:
    """Return (name, province code) pairs, longest name first so 内蒙古 wins over any shorter match."""
    pairs = [(full, code) for code, (full, _) in PROVINCES.items()]
    pairs += [(short, code) for code, (_, short) in PROVINCES.items()]
    pairs += [(city, code) for code, cities in CITIES.items() for city in cities]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


def province_of(place: str) -> str:
    """Return the two-digit province code a place names, or "" when it cannot be told.

    The earliest mention wins: "湖北武汉途经长沙" is Hubei.
    """
    text = _clean(place)
    if not text:
        return ""
    best: tuple[int, str] | None = None
    for name, code in _names():
        at = text.find(name)
        if at >= 0 and (best is None or at < best[0]):
            best = (at, code)
    return best[1] if best else ""


def province_name(code: str) -> str:
    """Return a province's short name for a two-digit code ("" when unknown)."""
    return PROVINCES.get(code, ("", ""))[1]


def in_areas(place: str, areas: Iterable[str]) -> bool:
    """Tell whether ``place`` lies in one of ``areas`` (each a province or a city, e.g. 湖北, 武汉).

    A province area matches any place whose province is that province; a city area matches a place
    that names the city.
    """
    text = _clean(place)
    if not text:
        return False
    code = province_of(text)
    for area in areas:
        area = _clean(area)
        if not area:
            continue
        if area in text:
            return True
        area_code = province_of(area)
        is_province = any(area in names for names in PROVINCES.values()) or area in (
            full.removesuffix("省").removesuffix("市") for full, _ in PROVINCES.values()
        )
        if is_province and area_code and area_code == code:
            return True
    return False
