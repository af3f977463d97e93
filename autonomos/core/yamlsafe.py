"""Safe YAML for configuration files: limits, safe tags, and the position of every value.

``load_yaml(text, filename)`` returns plain data (dicts with string keys, lists, scalars) plus
a :class:`Positions` map from paths such as ``sources[1].config.path`` to ``(line, column)``,
so callers can report ``file:line: path: message``. It is defensive because tenants upload
these files: a cap on ``*alias`` uses and on values built after alias expansion (the "billion
laughs" bomb), a nesting limit, only the core YAML tags (no Python objects, no ``!!binary``),
and duplicate or non-string keys reported (YAML 1.1 reads ``on:``/``yes:`` as booleans).
Dates stay the strings they were written as, so the data is JSON-friendly. The byte-size
limit is the caller's to check before reading (see ``core.spec.load_pipeline``).
"""

from __future__ import annotations

import re
from typing import Any

import attrs
import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from autonomos.core.errors import ConfigError

__all__ = ["Limits", "SpecIssue", "ConfigFileError", "Positions", "YamlDocument", "load_yaml",
           "child_path", "too_big"]

_Y = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_Y + t for t in ("null", "bool", "int", "float", "str")}


@attrs.define(frozen=True)
class Limits:
    """Hard limits for loading a pipeline file; the defaults fit any hand-written pipeline.

    ``max_aliases`` caps ``*alias`` uses while composing; ``max_alias_values`` caps the values
    built by expanding aliases (what a "billion laughs" document explodes into; values written
    out are bounded by ``max_bytes``); ``max_depth`` caps nesting, both written and reached
    through aliases.
    """

    max_bytes: int = 1 << 20
    max_aliases: int = 100
    max_alias_values: int = 100_000
    max_depth: int = 50


@attrs.define(frozen=True)
class SpecIssue:
    """One problem: ``file:line: path: message`` (parts omitted when unknown or empty)."""

    file: str | None
    line: int | None
    path: str
    message: str
    column: int | None = None

    def __str__(self) -> str:
        where = self.file or ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        parts = [p for p in (where, self.path, self.message) if p]
        return ": ".join(parts)


class ConfigFileError(ConfigError):
    """A configuration file is invalid. ``issues`` lists every problem, in file order; ``str()``
    shows one per line."""

    def __init__(self, issues: list[SpecIssue]):
        self.issues = sorted(issues, key=lambda i: (i.line is None, i.line or 0))
        super().__init__("\n".join(str(i) for i in self.issues))


# -- positions ---------------------------------------------------------------------------------

def child_path(path: str, key: str) -> str:
    if re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$-]*", key):
        return f"{path}.{key}" if path else key
    return f"{path}[{key!r}]"


def _parent(path: str) -> str:
    m = re.search(r"(\[\d+\]|\['[^']*'\]|\[\"[^\"]*\"\]|\.[^.\[\]]*)$", path)
    return path[: m.start()] if m else ""


@attrs.define
class Positions:
    """Where each path of a document starts: value marks, key marks, serde-form aliases."""

    file: str
    values: dict[str, tuple[int, int]] = attrs.field(factory=dict)
    keys: dict[str, tuple[int, int]] = attrs.field(factory=dict)
    alias: dict[str, str] = attrs.field(factory=dict)  # "a.b c" (serde form) → "a['b c']"

    def display(self, path: str) -> str:
        """The path as written in messages (``a['b c'].d``) for a serde-form path (``a.b c.d``)."""
        best = ""
        for serde_form in self.alias:
            if (path == serde_form or path.startswith((serde_form + ".", serde_form + "["))) \
                    and len(serde_form) > len(best):
                best = serde_form
        return self.alias[best] + path[len(best):] if best else path

    def at(self, path: str, key: bool = False) -> tuple[int, int] | None:
        """Mark of ``path`` (its key when ``key``), else of its nearest ancestor."""
        p = path
        while True:
            p = self.display(p)
            if key and p in self.keys:
                return self.keys[p]
            if p in self.values:
                return self.values[p]
            if not p:
                return None
            p = _parent(p)

    def issue(self, path: str, message: str, key: bool = False) -> SpecIssue:
        mark = self.at(path, key)
        return SpecIssue(self.file, mark[0] if mark else None, self.display(path), message,
                         mark[1] if mark else None)


# -- safe YAML ---------------------------------------------------------------------------------

class _LimitError(Exception):
    def __init__(self, line: int | None, message: str, path: str = ""):
        super().__init__(message)
        self.line, self.path = line, path


class _LimitedComposer(Composer):
    """Composer that counts aliases and depth as nodes are composed (before any expansion)."""

    limits: Limits

    def _init_limits(self, limits: Limits) -> None:
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self.limits, self._aliases, self._depth = limits, 0, 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > self.limits.max_aliases:
                raise _LimitError(self.peek_event().start_mark.line + 1,
                                  f"more than {self.limits.max_aliases} aliases (*name); "
                                  "refused to guard against alias bombs")
        self._depth += 1
        try:
            if self._depth > self.limits.max_depth:
                raise _LimitError(self.peek_event().start_mark.line + 1,
                                  f"nested deeper than {self.limits.max_depth} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


try:  # libyaml parses 3-4x faster; the composer above stays in Python so it can count
    from yaml._yaml import CParser

    class _Loader(_LimitedComposer, CParser, SafeConstructor, Resolver):  # type: ignore[misc]
        def __init__(self, text: str, limits: Limits):
            CParser.__init__(self, text)
            self._init_limits(limits)
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Loader(_LimitedComposer, Reader, Scanner, Parser, SafeConstructor, Resolver):  # type: ignore[no-redef,misc]
        def __init__(self, text: str, limits: Limits):
            Reader.__init__(self, text)
            Scanner.__init__(self)
            Parser.__init__(self)
            self._init_limits(limits)


def _tag(tag: str) -> str:
    return "!!" + tag[len(_Y):] if tag.startswith(_Y) else tag


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    """Turns composed nodes into plain data, recording the position of every path."""

    def __init__(self, loader: Any, pos: Positions, limits: Limits):
        self.loader, self.pos, self.limits = loader, pos, limits
        self.issues: list[SpecIssue] = []
        self.expanded = 0  # values built a second time or more, i.e. through an alias
        self.built: set[int] = set()

    def _problem(self, mark: tuple[int, int], path: str, message: str) -> None:
        self.issues.append(SpecIssue(self.pos.file, mark[0], path, message, mark[1]))

    def build(self, node: Node, path: str = "", depth: int = 0, aliased: bool = False) -> Any:
        aliased = aliased or id(node) in self.built
        self.built.add(id(node))
        self.expanded += aliased
        if self.expanded > self.limits.max_alias_values or depth > self.limits.max_depth:
            # name the top-level key being expanded: the node itself may sit under an anchor
            top = re.split(r"[.\[]", path, maxsplit=1)[0]
            mark = self.pos.keys.get(top) or _mark(node)
            what = (f"aliases expand to more than {self.limits.max_alias_values} values"
                    if depth <= self.limits.max_depth
                    else f"nested deeper than {self.limits.max_depth} levels through aliases")
            raise _LimitError(mark[0], f"{what}; refused to guard against alias bombs", top)
        self.pos.values.setdefault(path, _mark(node))
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != _Y + "seq":
                self._problem(_mark(node), path, f"unsupported YAML tag {_tag(node.tag)}")
                return None
            return [self.build(n, f"{path}[{i}]", depth + 1, aliased)
                    for i, n in enumerate(node.value)]
        assert isinstance(node, MappingNode)
        if node.tag != _Y + "map":
            self._problem(_mark(node), path, f"unsupported YAML tag {_tag(node.tag)}")
            return None
        result: dict[str, Any] = {}
        first: dict[str, int] = {}
        merges: list[Node] = []
        for knode, vnode in node.value:
            if knode.tag == _Y + "merge":
                merges.extend(vnode.value if isinstance(vnode, SequenceNode) else [vnode])
                continue
            key = self._scalar(knode, path) if isinstance(knode, ScalarNode) else knode
            if not isinstance(key, str):
                shown = "a mapping or list" if isinstance(key, Node) else repr(key)
                hint = " (YAML reads yes/no/on/off as booleans)" if isinstance(key, bool) else ""
                self._problem(_mark(knode), path, f"key {shown} is not a string{hint}; quote it")
                continue
            kpath = child_path(path, key)
            if key in first:
                self._problem(_mark(knode), kpath,
                              f"duplicate key '{key}' (first at line {first[key]})")
                continue
            first[key] = _mark(knode)[0]
            self.pos.keys.setdefault(kpath, _mark(knode))
            serde_form = re.sub(r"\[(['\"])(.*)\1\]$", r".\2", kpath)
            if serde_form != kpath:
                self.pos.alias[serde_form.lstrip(".")] = kpath
            result[key] = self.build(vnode, kpath, depth + 1, aliased)
        for merged in merges:  # YAML merge keys: explicit keys win, earlier merges win
            value = self.build(merged, path, depth + 1, aliased)
            if not isinstance(value, dict):
                self._problem(_mark(merged), path, "'<<' must merge a mapping")
                continue
            for k, v in value.items():
                result.setdefault(k, v)
        return result

    def _scalar(self, node: ScalarNode, path: str) -> Any:
        if node.tag == _Y + "timestamp":
            return node.value  # keep dates as written: configs stay JSON-friendly
        if node.tag not in _SCALAR_TAGS:
            self._problem(_mark(node), path, f"unsupported YAML tag {_tag(node.tag)}")
            return None
        try:
            return self.loader.construct_object(node)
        except ConstructorError as exc:
            self._problem(_mark(node), path, str(exc.problem or exc))
            return None


def too_big(size: int, limits: Limits) -> str:
    return f"file is {size:,} bytes, larger than the {limits.max_bytes:,}-byte limit"


@attrs.define
class YamlDocument:
    """Loaded data, where each path starts, and the non-fatal problems found while loading."""

    data: Any
    positions: Positions
    issues: list[SpecIssue]


def load_yaml(text: str, filename: str = "<string>", limits: Limits | None = None) -> YamlDocument:
    """Parse one YAML document safely. Syntax errors and exceeded limits raise
    :class:`ConfigFileError`; duplicate keys, non-string keys and unsupported tags are returned
    in ``issues`` (so a caller can report them together with its own checks)."""
    limits = limits or Limits()
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise ConfigFileError([SpecIssue(filename, None, "", too_big(size, limits))])
    pos = Positions(filename)
    loader = _Loader(text, limits)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(None, pos, [])
        builder = _Builder(loader, pos, limits)
        data = builder.build(node)
        return YamlDocument(data, pos, builder.issues)
    except _LimitError as exc:
        raise ConfigFileError([SpecIssue(filename, exc.line, exc.path, str(exc))]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.context and exc.problem:
            ctx_line = f" at line {exc.context_mark.line + 1}" if exc.context_mark else ""
            msg += f" ({exc.context}{ctx_line})"
        raise ConfigFileError([SpecIssue(filename, mark.line + 1 if mark else None, "", msg,
                                       mark.column + 1 if mark else None)]) from None
    except yaml.YAMLError as exc:  # reader errors: control characters, bad encoding
        position = getattr(exc, "position", None)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
        reason = getattr(exc, "reason", None) or str(exc)
        raise ConfigFileError([SpecIssue(filename, line, "", f"YAML error: {reason}")]) from None
    except RecursionError:
        raise ConfigFileError([SpecIssue(filename, None, "", "nested too deeply")]) from None
    finally:
        loader.dispose()
