"""The vision panels' shared figure helpers: hardware wording and row spacing."""

from __future__ import annotations

import os
import platform

from ui.labs.seg_view import picture_grid, record_hardware, sliding_pictures, this_machine


def test_record_hardware_names_the_records_machine_or_says_it_is_unrecorded() -> None:
    assert record_hardware({"hardware": {"device": "2-core x86_64 CPU"}}) == "2-core x86_64 CPU"
    assert record_hardware({"hardware": "odd"}) == "an unrecorded machine"
    assert record_hardware(None) == "an unrecorded machine"
    assert this_machine() == f"{os.cpu_count()}-core {platform.machine()} CPU"


def test_rows_of_pictures_leave_room_for_the_next_rows_title() -> None:
    grid = picture_grid([("data:,", "top"), ("data:,", "bottom")], columns=1, tile=80)
    plot_px = grid.layout.height - grid.layout.margin.t - grid.layout.margin.b
    gap = (grid.layout.yaxis.domain[0] - grid.layout.yaxis2.domain[1]) * plot_px
    assert gap >= 24  # a title line is about 16 px
    frames = [{"sources": ["data:,", "data:,"], "title": "t"}]
    slid = sliding_pictures(frames, ["top", "bottom"], ["a"], tile=110, rows=2)
    assert slid.layout.yaxis.domain[0] - slid.layout.yaxis2.domain[1] > 0.08
