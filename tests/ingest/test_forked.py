"""ingest.forked: work on the second core, with the same results and the same errors as in-process."""

from __future__ import annotations

import os
import threading

import pytest

from ingest.forked import ChildFailed, can_fork, deferred, forked_map, start_in_child


@pytest.fixture()
def forking() -> None:
    # Checked when the test runs: a thread another test left running also rules forking out.
    if not can_fork():
        pytest.skip("needs fork, a second core and no other thread")


def _square(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


def test_the_second_half_is_computed_in_a_child_and_the_order_kept(forking):
    results = forked_map(_square, list(range(10)), min_items=2)
    assert [square for square, _ in results] == [n * n for n in range(10)]
    pids = [pid for _, pid in results]
    assert set(pids[:5]) == {os.getpid()} and os.getpid() not in pids[5:]


def test_below_min_items_everything_runs_here():
    results = forked_map(_square, list(range(10)), min_items=100)
    assert {pid for _, pid in results} == {os.getpid()}


def test_one_worker_setting_keeps_everything_in_this_process(monkeypatch):
    monkeypatch.setenv("KG_BUILD_WORKERS", "1")
    assert not can_fork()
    pending = start_in_child(lambda: os.getpid())
    assert pending.done() and pending.result() == os.getpid()


def test_another_thread_keeps_everything_in_this_process():
    # A fork copies only this thread: a lock the other one holds would stay held in the child.
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not can_fork()
        assert start_in_child(lambda: os.getpid()).result() == os.getpid()
    finally:
        stop.set()
        other.join()


def test_the_childs_exception_is_raised_here_with_its_type_and_message(forking):
    def fail() -> None:
        raise ValueError("line 3: not a glossary")

    with pytest.raises(ValueError, match="line 3: not a glossary"):
        start_in_child(fail).result()


def test_a_child_that_dies_is_one_clear_error(forking):
    with pytest.raises(ChildFailed, match="died"):
        start_in_child(lambda: os._exit(3)).result()


def test_deferred_work_runs_when_asked_for_and_only_once():
    calls: list[int] = []
    pending = deferred(lambda: calls.append(1) or len(calls))
    assert calls == [] and pending.done()
    assert pending.result() == 1
    with pytest.raises(ChildFailed):
        pending.result()
