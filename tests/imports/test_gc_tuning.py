"""The collector's threshold is raised, and the switch interval shortened, only while bulk jobs run
(api/imports/gc_tuning.py)."""

from __future__ import annotations

import gc
import sys
import threading

import pytest

from api.imports.gc_tuning import BULK_GEN0_THRESHOLD, BULK_SWITCH_INTERVAL, prompt_handoffs, relaxed_gc


def test_raised_inside_restored_after_even_on_error() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), relaxed_gc():
        assert gc.get_threshold() == (max(BULK_GEN0_THRESHOLD, before[0]), *before[1:])
        raise RuntimeError("the job failed")
    assert gc.get_threshold() == before


def test_overlapping_jobs_share_it_and_the_last_one_restores() -> None:
    before = gc.get_threshold()
    first_in, second_done, first_may_leave = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, tuple[int, ...]] = {}

    def first() -> None:
        with relaxed_gc():
            first_in.set()
            first_may_leave.wait(5)
        seen["after first"] = gc.get_threshold()

    def second() -> None:
        first_in.wait(5)
        with relaxed_gc():
            pass
        seen["after second"] = gc.get_threshold()  # the first job is still running
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    second_done.wait(5)
    first_may_leave.set()
    for t in threads:
        t.join(5)
    assert seen["after second"][0] == max(BULK_GEN0_THRESHOLD, before[0])
    assert seen["after first"] == before == gc.get_threshold()


def test_switch_interval_shortened_inside_nested_and_restored_after_even_on_error() -> None:
    before = sys.getswitchinterval()
    with pytest.raises(RuntimeError), prompt_handoffs():
        assert sys.getswitchinterval() == pytest.approx(min(BULK_SWITCH_INTERVAL, before))
        with prompt_handoffs():  # an overlapping job shares the setting
            pass
        assert sys.getswitchinterval() == pytest.approx(min(BULK_SWITCH_INTERVAL, before))
        raise RuntimeError("the job failed")
    assert sys.getswitchinterval() == before
