"""Signals other apps listen to, so that the people app need not know them.

``person_chain_changed`` is sent inside the transaction that gives a person a household (and so a
grid, village, town and district), and after a merge or an unmerge has moved rows between two records:
apps that keep a copy of a person's region chain for counting (cases) bring theirs up to date.
Receivers run in the same transaction; a receiver that fails undoes the change.
"""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: person (the saved Person, its chain columns set)
person_chain_changed = Signal()
