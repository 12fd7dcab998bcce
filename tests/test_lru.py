"""The one LRU: its bound, its order, and sharing between threads."""

from __future__ import annotations

import threading

import pytest

from rem_agent.lru import LRU


def test_the_least_recently_used_entry_goes_first() -> None:
    cache: LRU[str, int] = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recent
    cache.put("c", 3)
    assert "b" not in cache and list(cache) == ["a", "c"]
    assert (cache.hits, cache.misses) == (1, 0)
    assert cache.get("b") is None and cache.misses == 1


def test_a_put_of_a_present_key_refreshes_it() -> None:
    cache: LRU[str, int] = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)
    cache.put("c", 3)
    assert list(cache) == ["a", "c"] and cache.get("a") == 10


def test_size_zero_stores_nothing_and_negative_is_refused() -> None:
    cache: LRU[str, int] = LRU(0)
    cache.put("a", 1)
    assert len(cache) == 0 and cache.get("a") is None
    with pytest.raises(ValueError, match="fewer than 0"):
        LRU(-1)


def test_pop_and_clear() -> None:
    cache: LRU[int, str] = LRU(3)
    for i in range(3):
        cache.put(i, str(i))
    assert cache.pop(1) == "1" and cache.pop(1) is None
    cache.clear()
    assert len(cache) == 0


def test_threads_never_push_it_past_its_bound() -> None:
    cache: LRU[int, int] = LRU(16)

    def work(start: int) -> None:
        for i in range(start, start + 2000):
            cache.put(i % 50, i)
            cache.get((i * 7) % 50)
            assert len(cache) <= 16

    threads = [threading.Thread(target=work, args=(n * 2000,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) == 16
