"""Paginators: from one page (its records, body and headers) to the next request, or the end.

A :class:`Paginator` is made per walk over a resource (per parent record for a child). It sets
the first request's parameters, then :meth:`Paginator.next` returns the next request as
``(url, params)`` — ``url`` None keeps the same URL — or None to stop. Common stop conditions,
checked for every type: an empty page (``stop_on_empty``), ``has_more_path`` false, the total
reached (``total_path`` / ``total_pages_path``). The walk itself (:mod:`.connector`) refuses a
request it already made (a repeated cursor or next URL) and stops at ``max_pages``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import httpx

from autonomos.connectors.rest.config import PaginatorConfig
from autonomos.connectors.rest.select import compile_path, first

Request = tuple[str | None, dict[str, Any]]


def _number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _falsy(value: Any) -> bool:
    return value is False or value is None or (isinstance(value, str) and value.strip().lower() in ("false", "0", ""))


class Paginator:
    """Base: one page only, plus the common stop conditions (see module docstring)."""

    def __init__(self, cfg: PaginatorConfig):
        self.cfg = cfg
        self.has_more = compile_path(cfg.has_more_path) if cfg.has_more_path else None
        self.total = compile_path(cfg.total_path) if cfg.total_path else None
        self.seen = 0  # records so far in this walk

    def first(self, params: dict[str, Any]) -> None:
        """Add the first request's paging parameters to ``params``."""

    def next(self, response: httpx.Response, body: Any, records: list[Any], params: dict[str, Any]) -> Request | None:
        self.seen += len(records)
        if not records and self.cfg.stop_on_empty:
            return None
        if self.has_more is not None and _falsy(first(self.has_more, body)):
            return None
        if self.total is not None:
            total = _number(first(self.total, body))
            if total is not None and self.seen >= total:
                return None
        return self._next(response, body, records, params)

    def _next(self, response: httpx.Response, body: Any, records: list[Any], params: dict[str, Any]) -> Request | None:
        return None


class PageNumber(Paginator):
    def first(self, params: dict[str, Any]) -> None:
        self.page = self.cfg.start_page
        params[self.cfg.page_param] = self.page
        if self.cfg.page_size_param and self.cfg.page_size:
            params[self.cfg.page_size_param] = self.cfg.page_size
        self.total_pages = compile_path(self.cfg.total_pages_path) if self.cfg.total_pages_path else None

    def _next(self, response: httpx.Response, body: Any, records: list[Any], params: dict[str, Any]) -> Request | None:
        if self.cfg.stop_on_short_page and len(records) < (self.cfg.page_size or 0):
            return None
        if self.total_pages is not None:
            pages = _number(first(self.total_pages, body))
            if pages is not None and self.page - self.cfg.start_page + 1 >= pages:
                return None
        self.page += 1
        return None, {**params, self.cfg.page_param: self.page}


class Offset(Paginator):
    def first(self, params: dict[str, Any]) -> None:
        self.offset = int(params.get(self.cfg.offset_param, 0) or 0)
        params[self.cfg.offset_param] = self.offset
        params[self.cfg.limit_param] = self.cfg.limit

    def _next(self, response: httpx.Response, body: Any, records: list[Any], params: dict[str, Any]) -> Request | None:
        if self.cfg.stop_on_short_page and len(records) < (self.cfg.limit or 0):
            return None
        self.offset += self.cfg.limit or len(records)
        return None, {**params, self.cfg.offset_param: self.offset}


class Cursor(Paginator):
    """The next cursor from the body (``cursor_path``, default ``next_cursor``) sent as ``cursor_param``."""

    def __init__(self, cfg: PaginatorConfig):
        super().__init__(cfg)
        self.cursor = compile_path(cfg.cursor_path or "next_cursor")

    def _next(self, response: httpx.Response, body: Any, records: list[Any], params: dict[str, Any]) -> Request | None:
        value = first(self.cursor, body)
        if value is None or value == "" or isinstance(value, (dict, list)):
            return None
        return None, {**params, self.cfg.cursor_param: value}


class HeaderCursor(Paginator):
    """The next cursor from a response header (``header``) sent as ``cursor_param``."""

    def _next(self, response: httpx.Response, body: Any, records: list[Any], params: dict[str, Any]) -> Request | None:
        value = response.headers.get(self.cfg.header or "")
        if not value:
            return None
        return None, {**params, self.cfg.cursor_param: value}


class NextUrl(Paginator):
    """The next page's URL from the body (``next_url_path``, default ``next``); it carries its
    own query, so the resource's parameters are not sent again."""

    def __init__(self, cfg: PaginatorConfig):
        super().__init__(cfg)
        self.path = compile_path(cfg.next_url_path or "next")

    def _next(self, response: httpx.Response, body: Any, records: list[Any], params: dict[str, Any]) -> Request | None:
        value = first(self.path, body)
        if not isinstance(value, str) or not value.strip():
            return None
        return urljoin(str(response.url), value.strip()), {}


class LinkHeader(Paginator):
    """The ``Link: <…>; rel="next"`` header (RFC 8288), as GitHub and many others send it."""

    def _next(self, response: httpx.Response, body: Any, records: list[Any], params: dict[str, Any]) -> Request | None:
        url = (response.links.get("next") or {}).get("url")
        if not url:
            return None
        return urljoin(str(response.url), url), {}


KINDS: dict[str, type[Paginator]] = {
    "none": Paginator, "page_number": PageNumber, "offset": Offset, "cursor": Cursor,
    "header_cursor": HeaderCursor, "next_url": NextUrl, "link_header": LinkHeader,
}


def make_paginator(cfg: PaginatorConfig | None) -> Paginator:
    """A fresh paginator for one walk (no config: a single request)."""
    if cfg is None:
        return Paginator(PaginatorConfig(type="none"))
    return KINDS[cfg.type](cfg)
