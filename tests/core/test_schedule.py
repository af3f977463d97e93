"""Cron schedules: checking, ticks in a time zone (DST included), and the catch-up decision."""

from __future__ import annotations

import datetime as dt

import pytest

from autonomos.core.schedule import (catch_up_problem, cron_problem, next_tick, plan, previous_tick, timezone_problem,
                                     upcoming)
from autonomos.core.spec import PipelineError, parse_pipeline

UTC = dt.timezone.utc


def u(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize("expr", ["0 6 * * *", "*/15 * * * *", "0 9 * * MON-FRI", "@daily", "@HOURLY", " 0  6 * * * "])
def test_good_cron(expr: str) -> None:
    assert cron_problem(expr) is None


@pytest.mark.parametrize("expr, words", [("0 25 * * *", "bad hour"), ("* * *", "3 field(s)"),
                                         ("*/5 * * * * *", "6 field(s)"), ("@reboot", "unknown shortcut"),
                                         ("", "expected a cron"), (None, "expected a cron"), ("0 0 31 2 *", "day-of-month")])
def test_bad_cron_says_why(expr: object, words: str) -> None:
    problem = cron_problem(expr)
    assert problem is not None and words in problem, problem


def test_timezones() -> None:
    assert timezone_problem("Europe/Berlin") is None and timezone_problem("UTC") is None
    assert "did you mean Europe/Berlin" in (timezone_problem("Europe/Berln") or "")
    for bad in ("Europe", "../etc/passwd", "/etc/localtime", "", 5):
        assert timezone_problem(bad), bad
    assert catch_up_problem("once") is None and "once, skip" in (catch_up_problem("always") or "")


def test_ticks_are_computed_in_the_time_zone() -> None:
    # 06:00 in Berlin is 05:00 UTC in winter, 04:00 UTC in summer
    assert next_tick("0 6 * * *", "Europe/Berlin", u(2026, 1, 10, 12)) == u(2026, 1, 11, 5)
    assert next_tick("0 6 * * *", "Europe/Berlin", u(2026, 7, 10, 12)) == u(2026, 7, 11, 4)
    assert next_tick("0 6 * * *", "UTC", u(2026, 1, 10, 6)) == u(2026, 1, 11, 6)  # strictly after
    assert previous_tick("0 6 * * *", "UTC", u(2026, 1, 10, 6)) == u(2026, 1, 10, 6)  # at or before
    assert previous_tick("0 6 * * *", "UTC", u(2026, 1, 10, 5, 59)) == u(2026, 1, 9, 6)
    assert upcoming("@hourly", "UTC", u(2026, 1, 1, 0, 30), 3) == [u(2026, 1, 1, 1), u(2026, 1, 1, 2), u(2026, 1, 1, 3)]


def test_daylight_saving_days_run_a_daily_tick_once() -> None:
    berlin = "Europe/Berlin"
    # spring forward (29 March 2026, 02:00 → 03:00): 02:30 does not exist, the tick runs at 03:00 CEST
    spring = [next_tick("30 2 * * *", berlin, u(2026, 3, 28, 12))]
    spring.append(next_tick("30 2 * * *", berlin, spring[0]))
    assert spring == [u(2026, 3, 29, 1, 0), u(2026, 3, 30, 0, 30)]
    # fall back (25 October 2026, 03:00 → 02:00): 02:30 happens twice, the tick runs at the first only
    fall = [next_tick("30 2 * * *", berlin, u(2026, 10, 24, 12))]
    fall.append(next_tick("30 2 * * *", berlin, fall[0]))
    assert fall == [u(2026, 10, 25, 0, 30), u(2026, 10, 26, 1, 30)]
    # an hourly schedule runs every real hour across the fall-back: 02:00 CEST and 02:00 CET both
    hours = upcoming("0 * * * *", berlin, u(2026, 10, 24, 22, 30), 4)
    assert hours == [u(2026, 10, 24, 23), u(2026, 10, 25, 0), u(2026, 10, 25, 1), u(2026, 10, 25, 2)]
    # New York's days: 09:00 EST is 14:00 UTC, 09:00 EDT is 13:00 UTC (8 March 2026)
    assert next_tick("0 9 * * *", "America/New_York", u(2026, 3, 7, 15)) == u(2026, 3, 8, 13)


def test_a_tick_on_time_runs_under_both_policies() -> None:
    due = u(2026, 1, 10, 6)
    for policy in ("once", "skip"):
        d = plan("0 6 * * *", "UTC", policy, due, due + dt.timedelta(seconds=4), grace=60)
        assert d.run and d.tick == due and d.next_run_at == u(2026, 1, 11, 6) and d.missed == 0 and d.note is None


def test_missed_ticks_run_once_or_are_skipped() -> None:
    due = u(2026, 1, 10, 6)
    now = u(2026, 1, 13, 9)  # down for three days: ticks of the 10th, 11th, 12th and 13th missed
    once = plan("0 6 * * *", "UTC", "once", due, now, grace=60)
    assert once.run and once.tick == u(2026, 1, 13, 6) and once.next_run_at == u(2026, 1, 14, 6)
    assert once.missed == 3 and "ran once" in (once.note or "")
    skip = plan("0 6 * * *", "UTC", "skip", due, now, grace=60)
    assert not skip.run and skip.next_run_at == u(2026, 1, 14, 6) and skip.missed == 4
    assert "skipped (catch_up: skip)" in (skip.note or "")
    # down across ticks, but back within the grace of the latest one: that one is on time
    minutely = plan("* * * * *", "UTC", "skip", u(2026, 1, 10, 6), u(2026, 1, 10, 6, 10, 5), grace=60)
    assert minutely.run and minutely.tick == u(2026, 1, 10, 6, 10) and minutely.missed == 10
    assert minutely.next_run_at == u(2026, 1, 10, 6, 11)


def test_pipeline_yaml_schedule_block() -> None:
    base = "sources:\n  - name: demo\n    connector: demo\n    config: {system: salesforce}\n"
    spec = parse_pipeline(base + "schedule:\n  cron: '0 6 * * *'\n  timezone: Europe/Berlin\n  catch_up: skip\n", "p.yaml")
    assert spec.schedule == {"cron": "0 6 * * *", "timezone": "Europe/Berlin", "catch_up": "skip", "paused": False}
    assert parse_pipeline(base + "schedule:\n  cron: '@daily'\n", "p.yaml").schedule == {
        "cron": "0 0 * * *", "timezone": "UTC", "catch_up": "once", "paused": False}
    assert parse_pipeline(base, "p.yaml").schedule is None
    with pytest.raises(PipelineError) as err:
        parse_pipeline(base + "schedule:\n  cron: '0 25 * * *'\n  timezone: Europe/Berln\n  catch_up: always\n"
                       "  every: day\n", "p.yaml")
    lines = str(err.value).splitlines()
    assert any(x.startswith("p.yaml:6: schedule.cron:") and "bad hour" in x for x in lines), lines
    assert any(x.startswith("p.yaml:7: schedule.timezone:") and "Europe/Berlin" in x for x in lines), lines
    assert any(x.startswith("p.yaml:8: schedule.catch_up:") for x in lines), lines
    assert any(x.startswith("p.yaml:9: schedule.every: unknown key") for x in lines), lines
