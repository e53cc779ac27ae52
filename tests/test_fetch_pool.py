"""When refreshes parse in a pool of processes: big runs on a machine with idle cores (or as
``BLOGTUI_PARSE_POOL`` says); and a pool's CPU shows in blogtui's own account."""

from __future__ import annotations

import pytest

from blogtui.fetching import parse_pool, refresh


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pools asked for (their sizes), none made; the machine has 2 cores."""
    asked: list[int] = []
    monkeypatch.setattr(parse_pool, "make_pool", lambda workers: asked.append(workers))
    monkeypatch.setattr(refresh.os, "cpu_count", lambda: 2)
    monkeypatch.delenv(refresh.POOL_ENV, raising=False)
    return asked


@pytest.mark.parametrize(("idle", "pool"), [(2, True), (1, False), (0, False)])
def test_a_pool_only_while_a_core_is_idle_besides_blogtuis(
    made: list[int], monkeypatch: pytest.MonkeyPatch, idle: int, pool: bool
) -> None:
    monkeypatch.setattr(refresh, "idle_cores", lambda cores: idle)
    refresh._parse_pool(100, archive=True)
    assert made == ([2] if pool else [])


def test_small_runs_parse_in_threads(made: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(refresh, "idle_cores", lambda cores: 2)
    refresh._parse_pool(refresh.POOL_MIN_FEEDS - 1, archive=False)
    refresh._parse_pool(refresh.POOL_MIN_FEEDS_ARCHIVE - 1, archive=True)
    assert made == []


@pytest.mark.parametrize(("setting", "idle", "pool"), [("on", 0, True), ("off", 2, False), ("auto", 2, True)])
def test_the_environment_decides_when_it_says(
    made: list[int], monkeypatch: pytest.MonkeyPatch, setting: str, idle: int, pool: bool
) -> None:
    monkeypatch.setenv(refresh.POOL_ENV, setting)
    monkeypatch.setattr(refresh, "idle_cores", lambda cores: idle)
    refresh._parse_pool(100, archive=False)
    assert made == ([2] if pool else [])


@pytest.mark.parametrize(
    ("loadavg", "idle"),
    [("0.05 0.10 0.20 1/300 99\n", 2), ("1.02 0.90 0.50 2/300 99\n", 1), ("0.10 0.1 0.1 2/300 99\n", 1),
     ("3.50 2.0 1.0 5/300 99\n", 0), ("1.40 0.90 0.50 1/300 99\n", 2)],
)  # fmt: skip
def test_idle_cores_from_the_processes_running_now(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch, loadavg: str, idle: int
) -> None:
    """The processes running now less blogtui itself (a hog started a second ago counts), not
    the 1-minute load, which still counts the run that ended a moment ago (the last case)."""
    import builtins
    import io

    real_open = builtins.open

    def fake_open(path: object, *args: object, **kwargs: object) -> object:
        if path == "/proc/loadavg":
            return io.StringIO(loadavg)
        return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", fake_open)
    assert refresh.idle_cores(2) == idle
