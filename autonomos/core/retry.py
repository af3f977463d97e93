"""The retry arithmetic every client of the engine and the service shares: how long the server
asked us to wait, and the backoff when it did not say. In-process retry loops (LLM providers,
the ``rest`` connector, the Slack notifier) run under tenacity with :func:`backoff_delay`; the
durable schedules stored in the database (a task's next attempt, a webhook's next delivery)
use :func:`exponential_delay`."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping

__all__ = ["parse_retry_after", "backoff_delay", "exponential_delay"]


def parse_retry_after(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms``, ``Retry-After`` (seconds or an HTTP date)."""
    if not headers:
        return None
    lower = {str(k).lower(): v for k, v in headers.items()}
    ms = lower.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = lower.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def exponential_delay(attempt: int, base: float, cap: float) -> float:
    """``base * 2**(attempt-1)`` seconds before attempt ``attempt + 1`` (``attempt`` ≥ 1 failed),
    at most ``cap``; no jitter (a stored schedule is spread by when the failures happened)."""
    return min(cap, base * 2 ** max(0, attempt - 1))


def backoff_delay(attempt: int, base: float, cap: float, retry_after: float | None) -> float:
    """Delay before retry number ``attempt`` (0-based): the server's Retry-After when given
    (capped), else exponential ``base * 2**attempt`` with jitter in [50%, 100%] so clients that
    failed together do not retry together."""
    if retry_after is not None:
        return min(cap, retry_after)
    return min(cap, base * (2 ** attempt)) * (0.5 + random.random() / 2)
