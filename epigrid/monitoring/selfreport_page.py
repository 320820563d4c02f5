"""The confirmation page of a self-report, written without the template engine.

It is the answer to the busiest request of all (``POST /r/<token>/``), and rendering it through
Django's templates cost about a third of the request's Python — mostly twelve ``{% translate %}`` tags
looked up anew on every render. Here the page's fixed text is looked up once per language and kept;
only the reading is put in, escaped. The head (style and title) is the same file the other self-report
pages include (``monitoring/_selfreport_head.html``), rendered once per language with a placeholder
where the request's CSP nonce goes. The strings are the same msgids the template had, so the English
catalogue serves both.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from html import escape

from django.template.loader import get_template
from django.utils import translation
from django.utils.translation import gettext as _

_NONCE = "\x00nonce\x00"
_lock = threading.Lock()
_parts: dict[str, dict[str, str]] = {}


def _texts(lang: str) -> dict[str, str]:
    """The page's fixed parts in ``lang``: the head (with the nonce placeholder) and the labels."""
    found = _parts.get(lang)
    if found is not None:
        return found
    with translation.override(lang):
        head = get_template("monitoring/_selfreport_head.html").render(
            {"html_lang": "en" if lang == "en" else "zh-CN", "csp_nonce": _NONCE}
        )
        texts = {
            "head": head,
            "title": escape(_("健康自报")),
            "thanks": escape(_("已收到您的报告，谢谢！")),
            "temperature": escape(_("体温")),
            "slot": escape(_("时段")),
            "time": escape(_("时间")),
            "symptoms": escape(_("症状")),
            "none": escape(_("无")),
            "warn": escape(_("您的体温或症状异常，网格员会尽快与您联系；如有不适请就近到发热门诊就诊。")),
            "again": escape(_("同一时段再次提交会替换本次记录。")),
            "redo": escape(_("重新填报")),
        }
    with _lock:
        _parts[lang] = texts
    return texts


def done_page(
    *,
    lang: str,
    nonce: str,
    temperature: Decimal | None,
    day: dt.date,
    slot_label: str,
    at: dt.datetime,
    symptoms: list[str],
    fever: bool,
) -> str:
    """The page that tells a resident their report arrived, with what was recorded."""
    t = _texts(lang)
    shown = "、".join(escape(s) for s in symptoms) if symptoms else t["none"]
    warn = f'<p class="warn">{t["warn"]}</p>\n' if fever or symptoms else ""
    reading = "" if temperature is None else escape(str(temperature))
    return (
        t["head"].replace(_NONCE, escape(nonce)) + f"\n<h1>{t['title']}</h1>\n"
        '<div class="card" role="status">\n'
        f'<p class="ok">✓ {t["thanks"]}</p>\n'
        "<dl>\n"
        f"<dt>{t['temperature']}</dt><dd>{reading} °C</dd>\n"
        f"<dt>{t['slot']}</dt><dd>{day:%Y-%m-%d} {escape(slot_label)}</dd>\n"
        f"<dt>{t['time']}</dt><dd>{at:%H:%M}</dd>\n"
        f"<dt>{t['symptoms']}</dt><dd>{shown}</dd>\n"
        "</dl>\n"
        f"{warn}</div>\n"
        f'<p class="muted">{t["again"]} <a href="?lang={escape(lang)}">{t["redo"]}</a></p>\n'
        "</main></body></html>\n"
    )
