"""Name tables for the demo district: people, towns, street offices, villages, communities, estates.

Surname weights are approximate shares (per cent) of the registered population in 2020 public-security
statistics; the top 100 cover about 85 % of people, the tail and the rare two-character surnames the
rest. Given names follow the fashions of the decade of birth (秀英 and 建国 for grandparents, 子涵 and
梓轩 for children), which is what makes a generated list look like a real one to a grid worker.
"""

from __future__ import annotations

from itertools import accumulate
from random import Random

SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 7.25), ("李", 7.19), ("张", 6.83), ("刘", 5.38), ("陈", 4.53), ("杨", 3.08), ("黄", 2.23),
    ("赵", 2.21), ("吴", 2.00), ("周", 1.96), ("徐", 1.61), ("孙", 1.53), ("马", 1.45), ("朱", 1.38),
    ("胡", 1.29), ("郭", 1.18), ("何", 1.14), ("林", 1.13), ("高", 1.11), ("罗", 1.07), ("郑", 0.96),
    ("梁", 0.90), ("谢", 0.81), ("宋", 0.76), ("唐", 0.76), ("许", 0.70), ("韩", 0.69), ("邓", 0.66),
    ("冯", 0.66), ("曹", 0.61), ("彭", 0.59), ("曾", 0.58), ("肖", 0.56), ("田", 0.55), ("董", 0.53),
    ("潘", 0.51), ("袁", 0.50), ("蔡", 0.48), ("蒋", 0.48), ("余", 0.47), ("于", 0.47), ("杜", 0.46),
    ("叶", 0.45), ("程", 0.45), ("魏", 0.44), ("苏", 0.43), ("吕", 0.43), ("丁", 0.41), ("任", 0.41),
    ("卢", 0.40), ("姚", 0.39), ("沈", 0.38), ("钟", 0.38), ("姜", 0.37), ("崔", 0.36), ("谭", 0.35),
    ("陆", 0.34), ("范", 0.33), ("汪", 0.33), ("廖", 0.32), ("石", 0.32), ("金", 0.31), ("韦", 0.30),
    ("贾", 0.30), ("夏", 0.30), ("付", 0.29), ("方", 0.29), ("邹", 0.28), ("熊", 0.28), ("白", 0.27),
    ("孟", 0.27), ("秦", 0.27), ("邱", 0.27), ("侯", 0.26), ("江", 0.26), ("尹", 0.25), ("薛", 0.25),
    ("闫", 0.24), ("段", 0.24), ("雷", 0.24), ("龙", 0.23), ("黎", 0.23), ("史", 0.22), ("陶", 0.22),
    ("贺", 0.22), ("毛", 0.21), ("郝", 0.21), ("顾", 0.20), ("龚", 0.20), ("邵", 0.19), ("万", 0.19),
    ("覃", 0.19), ("武", 0.19), ("钱", 0.18), ("戴", 0.18), ("严", 0.17), ("莫", 0.17), ("孔", 0.16),
    ("向", 0.16), ("常", 0.15), ("汤", 0.15),
    # The tail: common enough that a village list without any of them would look wrong.
    ("康", 0.12), ("施", 0.11), ("文", 0.11), ("牛", 0.11), ("樊", 0.11), ("葛", 0.11), ("邢", 0.10),
    ("安", 0.10), ("齐", 0.10), ("易", 0.10), ("乔", 0.10), ("伍", 0.09), ("庞", 0.09), ("颜", 0.09),
    ("倪", 0.09), ("庄", 0.08), ("聂", 0.08), ("章", 0.08), ("鲁", 0.08), ("岳", 0.08), ("翟", 0.08),
    ("殷", 0.07), ("申", 0.07), ("耿", 0.07), ("关", 0.07), ("焦", 0.07), ("俞", 0.07), ("左", 0.06),
    ("柳", 0.06), ("祁", 0.06), ("包", 0.06), ("宁", 0.06), ("尚", 0.06), ("党", 0.06), ("靳", 0.05),
    ("苟", 0.05), ("路", 0.05), ("管", 0.05), ("柴", 0.05), ("蒲", 0.05), ("火", 0.02), ("把", 0.02),
    # Two-character surnames: rare, but every registry has a few and they break naive name splitting.
    ("欧阳", 0.020), ("司马", 0.005), ("上官", 0.004), ("诸葛", 0.004), ("司徒", 0.003), ("东方", 0.003),
    ("皇甫", 0.002), ("令狐", 0.002), ("慕容", 0.001), ("夏侯", 0.001),
)  # fmt: skip

_SURNAME_VALUES = tuple(name for name, _ in SURNAMES)
_SURNAME_CUM = tuple(accumulate(weight for _, weight in SURNAMES))

# Characters that make up given names, by sex; a two-character name picks two of them.
_CHARS_M = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭龙林阳建国峰亮成志东海文博新永兵晨轩睿泽昊航铭"
_CHARS_F = "芳娜敏静丽艳娟霞秀英慧玉萍红玲芬燕梅琳兰凤洁雪婷倩颖琴晶欣怡佳雨萱涵婉蕾薇悦瑶丹莉桂春月彤蓉"

# (first birth year of the generation, share of one-character given names, names by sex)
_GENERATIONS: tuple[tuple[int, float, tuple[str, ...], tuple[str, ...]], ...] = (
    (1900, 0.15,
     ("建国", "国庆", "建华", "国强", "德明", "福生", "有才", "志刚", "振华", "学文", "长林", "保国",
      "根生", "玉林", "万福", "永福", "天明", "金山", "明德", "满仓", "富贵", "德胜", "来福", "占魁"),
     ("秀英", "桂英", "秀兰", "玉兰", "桂兰", "秀珍", "凤英", "玉珍", "玉梅", "淑珍", "秀云", "桂芳", "兰英",
      "翠花", "素珍", "凤兰", "金花", "桂珍", "淑兰", "凤琴", "玉凤", "兰芳", "金凤")),
    (1960, 0.30,
     ("建军", "建平", "志强", "永强", "卫东", "卫国", "红军", "海涛", "建伟", "志勇", "晓东", "国华", "文斌",
      "立新", "小平", "建新", "永红", "振国", "红兵", "向东", "跃进", "卫华", "建设", "国平", "春生"),
     ("丽华", "红梅", "秀梅", "海燕", "丽娟", "晓红", "美玲", "春燕", "玉霞", "红霞", "桂香", "小红", "丽萍",
      "爱华", "建英", "淑英", "秀芳", "丽琴", "红艳", "晓梅", "美华", "凤霞", "卫红", "亚萍")),
    (1980, 0.45,
     ("俊杰", "志伟", "文博", "家豪", "子健", "晓明", "鹏飞", "国栋", "海龙", "建斌", "宏伟", "晓峰",
      "永杰", "振宇", "天宇", "小龙", "俊峰", "晓军", "东升", "亚军", "伟东", "志鹏"),
     ("婷婷", "丽娜", "晓燕", "雪梅", "佳琪", "文静", "海霞", "春梅", "小燕", "晓丽", "丽君", "艳红",
      "晓芳", "亚楠", "丽丽", "倩倩", "静怡", "晓静", "梦瑶", "雅琴", "彩霞", "玉洁")),
    (2000, 0.20,
     ("子轩", "浩宇", "宇轩", "梓轩", "俊熙", "一鸣", "浩然", "子豪", "皓轩", "宇航", "博文", "梓豪", "明轩",
      "铭泽", "沐阳", "奕辰", "天佑", "嘉豪", "思远", "睿泽", "俊宇", "子墨", "泽宇", "宸熙"),
     ("子涵", "欣怡", "梓涵", "雨涵", "可馨", "一诺", "梓萱", "诗涵", "雨桐", "欣妍", "语桐", "思涵", "佳怡",
      "雨欣", "若汐", "紫萱", "梦琪", "可欣", "心怡", "诗琪", "雅涵", "安琪", "语嫣", "书瑶")),
)  # fmt: skip


def surname(rng: Random) -> str:
    """Draw a surname by its share of the population."""
    return rng.choices(_SURNAME_VALUES, cum_weights=_SURNAME_CUM)[0]


def given_name(rng: Random, *, male: bool, birth_year: int) -> str:
    """Draw a given name in the fashion of the birth year: one character, a stock name or two characters."""
    generation = _GENERATIONS[0]
    for candidate in _GENERATIONS:
        if birth_year >= candidate[0]:
            generation = candidate
    _, single_share, stock_m, stock_f = generation
    chars = _CHARS_M if male else _CHARS_F
    roll = rng.random()
    if roll < single_share:
        return rng.choice(chars)
    if roll < single_share + (1 - single_share) * 0.4:
        return rng.choice(stock_m if male else stock_f)
    return rng.choice(chars) + rng.choice(chars)


# Street offices (街道): the first echoes seed report 3.
STREET_OFFICE_FIRST = "学院南路"
STREET_OFFICE_STEMS = (
    "人民路", "建设路", "解放路", "和平路", "滨河路", "西站", "东岗西路", "培黎", "银滩路", "十里店",
    "孔家崖", "安宁堡", "刘家堡", "沙井驿", "迎门滩", "焦家湾", "拱星墩", "五泉", "白银路", "张掖路",
    "酒泉路", "广武门", "伏龙坪", "渭源路", "皋兰路", "团结新村", "火车站", "铁路东村", "铁路西村",
    "草场街", "靖远路", "临夏路", "嘉峪关路", "雁滩", "盐场路",
)  # fmt: skip

# Towns (镇): the first is the town of seed report 1 (25 village grids).
TOWN_FIRST = "红柳"
TOWN_STEMS = (
    "沙河", "青石", "柳泉", "龙泉", "金沟", "大营", "白塔", "西岔", "东岗", "新庄", "河湾", "杏园", "枣林",
    "桃源", "马坡", "石门", "平安", "太平", "三合", "双城", "南山", "北塬", "高崖", "永安", "清水", "花庄",
    "上川", "下川", "中堡", "新营", "古城", "东湾", "西坪", "柳沟", "川口", "魏岭", "什川", "忠和", "水阜",
    "九合", "石洞", "黑石", "甘草", "连搭", "秦川", "中川", "树屏", "苦水", "红城", "河桥", "大同", "七山",
    "通远", "民乐", "坪城", "金崖", "和平", "定远", "夏官营", "来紫堡",
)  # fmt: skip

# Villages (村): collectivisation-era names first, then place names built from a prefix and a landform.
VILLAGE_STOCK = (
    "红星", "胜利", "团结", "光明", "前进", "和平", "东风", "新华", "幸福", "建设", "红旗", "友谊", "先锋",
    "五星", "丰收", "联合", "民主", "永红",
)  # fmt: skip
_VILLAGE_PREFIX = "东西南北上下前后大小新老红白黑黄青石沙柳杨槐枣杏梨桃马牛羊龙凤河山泉"
_VILLAGE_SUFFIX = ("庄", "湾", "沟", "坪", "岔", "台", "堡", "营", "寨", "滩", "岭", "川", "塬", "集", "店",
                   "坡", "窑", "咀", "洼", "渠")  # fmt: skip
_FAMILY_PLACE = "张王李刘陈杨赵周吴马魏蒋段孔范"

# Communities (社区) and the housing estates (小区) inside them.
COMMUNITY_STOCK = (
    "桃园", "学府", "康乐", "和谐", "阳光", "金城", "银滩", "迎宾", "长新", "万新", "兰新", "建工", "石化",
    "桃林", "丽景", "滨河", "北岸", "春晓", "锦绣", "华苑", "新港", "蓝天", "绿洲", "碧水", "紫荆", "向阳",
    "园丁", "书香", "明珠", "翠苑", "朝阳", "银河", "映月", "海棠", "丁香", "鸿福",
)  # fmt: skip
_COMMUNITY_FIRST = "金银华康安和兴福祥瑞景锦翠丽润泰鑫嘉荣明"
_COMMUNITY_SECOND = "苑园城府庭湾居里坊都安馨悦宁泰源"
ESTATE_SUFFIXES = ("小区", "家园", "花园", "新村", "佳苑")


def village_names(rng: Random, count: int, taken: set[str]) -> list[str]:
    """Return ``count`` village names (without 村) not in ``taken``, and add them to it."""
    names: list[str] = []
    stock = [name for name in VILLAGE_STOCK if name not in taken]
    while len(names) < count:
        if stock and rng.random() < 0.25:
            candidate = stock.pop(rng.randrange(len(stock)))
        elif rng.random() < 0.4:
            candidate = rng.choice(_FAMILY_PLACE) + "家" + rng.choice(_VILLAGE_SUFFIX)
        else:
            candidate = rng.choice(_VILLAGE_PREFIX) + rng.choice(_VILLAGE_SUFFIX)
        if candidate not in taken:
            taken.add(candidate)
            names.append(candidate)
    return names


def community_names(rng: Random, count: int, taken: set[str]) -> list[str]:
    """Return ``count`` community names (without 社区) not in ``taken``, and add them to it."""
    names: list[str] = []
    stock = [name for name in COMMUNITY_STOCK if name not in taken]
    while len(names) < count:
        if stock:
            candidate = stock.pop(rng.randrange(len(stock)))
        else:
            candidate = rng.choice(_COMMUNITY_FIRST) + rng.choice(_COMMUNITY_SECOND)
        if candidate not in taken:
            taken.add(candidate)
            names.append(candidate)
    return names
