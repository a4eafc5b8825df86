"""Ids sort by creation, even many made in the same millisecond."""

from __future__ import annotations

import re

from privexbot.kernel.ids import new_id


def test_ids_made_together_sort_in_order_and_stay_distinct():
    ids = [new_id() for _ in range(5000)]  # thousands per millisecond
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[0-9a-hjkmnp-tv-z]{26}", i) for i in ids)
