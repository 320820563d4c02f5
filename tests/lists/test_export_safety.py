"""What EpiGrid writes out of a list never turns into a spreadsheet formula."""

from __future__ import annotations

import io

from django.core.management import call_command

from epigrid.lists.models import ListSource


def test_links_csv_escapes_a_formula_like_source_name(world):
    ListSource.objects.filter(pk=world.hq_batch.source_id).update(name='=HYPERLINK("http://x","y")')
    out = io.StringIO()
    call_command("lists", "links", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "source,batch,row,person_id,decision,score"
    assert all(line.startswith("\"'=HYPERLINK") for line in lines[1:])
