"""Cases on other apps' pages: the four categories on a region page, the case panel on a person's page.

Regions and people know nothing of cases (apps depend downward only), so their templates load these
tags rather than their views calling the cases app.
"""

from __future__ import annotations

from typing import Any

from django import template

from epigrid.cases.selectors import case_panel, four_category_counts
from epigrid.cases.transitions import label
from epigrid.core.models import User
from epigrid.people.models import Person
from epigrid.regions.models import Region

register = template.Library()


@register.inclusion_tag("cases/_four_categories.html")
def four_categories(region: Region) -> dict[str, object]:
    """Render a region's four categories (四类人员) and asymptomatic infections, with a link to the list."""
    return {"region": region, "counts": four_category_counts(region)}


@register.inclusion_tag("cases/_person_case.html", takes_context=True)
def person_case_panel(context: dict[str, Any], person: Person, user: User) -> dict[str, object]:
    """Render a person's classification with its history, measures, contacts named and exposures."""
    panel = case_panel(user=user, person=person, request=context.get("request"))
    caps = user.caps
    return {
        "panel": panel,
        "person": person,
        "may_classify": caps.classify_cases
        and not person.merged_into_id
        and bool(panel.next_classifications),
        "may_trace": caps.classify_cases and not person.merged_into_id,
        "may_measure": caps.can_write and not person.merged_into_id,
    }


@register.filter
def classification_label(code: str) -> str:
    """Show a classification code as its name (未分类 for none)."""
    return label(code)
