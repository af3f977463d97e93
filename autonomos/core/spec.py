"""Pipeline YAML definitions: load safely, validate with file:line:path errors, resolve secrets.

Every problem found becomes a :class:`~autonomos.core.yamlsafe.SpecIssue`; validation collects
them all and raises one :class:`PipelineError` whose ``str()`` shows one per line::

    pipeline.yaml:3: sources[0].connector: unknown connector 'filez' (known: demo, files, sql)
    pipeline.yaml:7: sources[1].config.path: required

Secrets stay references: ``{"$env": NAME}`` is kept as-is in the parsed
:class:`~autonomos.core.models.PipelineSpec` (safe to store and echo, see :func:`redact`) and
only :func:`resolve_config` replaces it, at run time, before structuring the connector's
``Config``. Registries (connectors, agents, ontologies) default to the global plugin host and
can be injected, so tests and the server validate against exactly what they registered.
The YAML itself is read by :mod:`autonomos.core.yamlsafe` (size, alias and depth limits).

Example::

    spec = load_pipeline("pipeline.yaml")
    for source in spec.sources:
        cls = get_host().connector(source.connector)
        config = resolve_config(source, cls, base_dir=Path("pipeline.yaml").parent)
"""

from __future__ import annotations

import copy
import difflib
import os
import re
import typing
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable

import attrs

from autonomos.core.errors import ConfigError
from autonomos.core.models import MappingSettings, Ontology, PipelineSpec, Selection, SourceSpec
from autonomos.core.ontology import extend
from autonomos.core.redaction import is_ref, redact, redact_spec
from autonomos.core.schedule import catch_up_problem, cron_problem, normalize_cron, timezone_problem
from autonomos.core.serde import ValidationError, kind_of, structure
from autonomos.core.yamlsafe import (ConfigFileError, Limits, Positions, SpecIssue, child_path,
                                     load_yaml, too_big)

__all__ = ["Limits", "SpecIssue", "PipelineError", "load_pipeline", "parse_pipeline",
           "resolve_config", "env_refs", "redact", "redact_spec"]

TOP_LEVEL_KEYS = ("sources", "ontology", "ontology_extensions", "mapping", "bad_rows", "agents", "schedule")
SCHEDULE_KEYS = ("cron", "timezone", "catch_up", "paused")
SOURCE_KEYS = ("name", "connector", "config", "select")
MAPPING_KEYS = ("accept_threshold", "overrides", "use_llm")
BAD_ROWS = ("keep", "quarantine", "fail")  # a bad cell: set to null | its row set aside | stop
SOURCE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
NAME = re.compile(r"[a-z_][a-z0-9_]*")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
DUCKDB_TYPE = re.compile(r"[A-Z][A-Z0-9_ ]*(\(\s*\d+\s*(,\s*\d+\s*)?\))?(\[\])?")
DEFAULT_ONTOLOGY = "crm_finance"


class PipelineError(ConfigFileError):
    """A pipeline definition is invalid. ``issues`` lists every problem, in file order."""


# -- loading -----------------------------------------------------------------------------------

def load_pipeline(path: str | os.PathLike[str], *, limits: Limits | None = None,
                  connectors: Mapping[str, type] | None = None,
                  agents: Mapping[str, Any] | None = None,
                  ontologies: Mapping[str, Ontology] | None = None) -> PipelineSpec:
    """Read and validate a pipeline file. The size limit is checked before reading it, so an
    oversized upload costs a ``stat``, not a parse. Messages name the file as ``path`` was given."""
    limits = limits or Limits()
    filename = os.fspath(path)
    try:
        size = os.stat(filename).st_size
        if size > limits.max_bytes:
            raise PipelineError([SpecIssue(filename, None, "", too_big(size, limits))])
        with open(filename, "rb") as fh:
            raw = fh.read(limits.max_bytes + 1)
    except OSError as exc:
        raise PipelineError([SpecIssue(filename, None, "",
                                       f"cannot read pipeline file: {exc.strerror or exc}")]) from None
    if len(raw) > limits.max_bytes:  # the file grew between stat and read
        raise PipelineError([SpecIssue(filename, None, "", too_big(len(raw), limits))])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise PipelineError([SpecIssue(filename, line, "",
                                       f"not valid UTF-8 (byte {exc.start})")]) from None
    return parse_pipeline(text, filename, limits=limits, connectors=connectors, agents=agents,
                          ontologies=ontologies)


def parse_pipeline(text: str, filename: str = "<string>", *, limits: Limits | None = None,
                   connectors: Mapping[str, type] | None = None,
                   agents: Mapping[str, Any] | None = None,
                   ontologies: Mapping[str, Ontology] | None = None) -> PipelineSpec:
    """Parse and validate pipeline YAML text; raise :class:`PipelineError` listing every problem.

    ``connectors`` / ``agents`` / ``ontologies`` map names to what plugins registered; each
    defaults to the global plugin host. ``{"$env": NAME}`` references stay unresolved.
    """
    try:
        doc = load_yaml(text, filename, limits)
    except ConfigFileError as exc:
        raise PipelineError(exc.issues) from None
    checker = _Checker(doc.positions, doc.issues, connectors, agents, ontologies)
    spec = checker.check(doc.data)
    if checker.issues:
        raise PipelineError(checker.issues)
    for i, source in enumerate(spec.sources):
        _remember(source, doc.positions, i)
    return spec


# -- validation --------------------------------------------------------------------------------

def _known(names: Any) -> str:
    return ", ".join(sorted(names)) or "none"


def _unknown_key(options: tuple[str, ...], key: str, noun: str = "key") -> str:
    close = difflib.get_close_matches(key, options, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown {noun}{hint} (allowed: {_known(options)})"


class _Checker:
    """Validates the loaded data section by section, collecting issues instead of stopping."""

    def __init__(self, pos: Positions, issues: list[SpecIssue],
                 connectors: Mapping[str, type] | None, agents: Mapping[str, Any] | None,
                 ontologies: Mapping[str, Ontology] | None):
        self.pos = pos
        self.issues = list(issues)
        self.yaml_paths = {i.path for i in issues}  # values the loader refused (e.g. bad tags)
        self._registries = {"connectors": connectors, "agents": agents, "ontologies": ontologies}

    def registry(self, kind: str) -> Mapping[str, Any]:
        found = self._registries[kind]
        if found is None:
            from autonomos.core.plugins import get_host  # the host loads plugins: only when needed

            found = self._registries[kind] = getattr(get_host(), kind)()
        return found

    def err(self, path: str, message: str, key: bool = False) -> None:
        self.issues.append(self.pos.issue(path, message, key))

    def unknown_keys(self, data: dict[str, Any], path: str, allowed: tuple[str, ...]) -> None:
        for key in data:
            if key not in allowed:
                self.err(child_path(path, key), _unknown_key(allowed, key), key=True)

    def section(self, data: dict[str, Any], key: str, kind: type, default: Any,
                parent: str = "") -> Any:
        """``data[key]`` if it has the right type; null or absent means the default."""
        value = data.get(key)
        if value is None:
            return default
        if not isinstance(value, kind):
            names = {dict: "a mapping", list: "a list", str: "a string"}
            self.err(child_path(parent, key), f"expected {names[kind]}, got {kind_of(value)}")
            return default
        return value

    def check(self, data: Any) -> PipelineSpec:
        if data is None:
            self.err("", "the file is empty; a pipeline needs at least 'sources'")
            return PipelineSpec(sources=[])
        if not isinstance(data, dict):
            self.err("", f"expected a mapping of pipeline keys ({', '.join(TOP_LEVEL_KEYS)}), "
                         f"got {kind_of(data)}")
            return PipelineSpec(sources=[])
        # "x-" keys are free-form (as in docker-compose): a place for anchors to share settings
        self.unknown_keys({k: v for k, v in data.items() if not k.startswith("x-")}, "",
                          TOP_LEVEL_KEYS)
        sources = self.sources(data)
        onto = self.ontology(data)
        extensions = self.extensions(data)
        if onto is not None and extensions:
            try:
                onto = extend(onto, extensions)
            except ConfigError as exc:
                self.err("ontology_extensions", str(exc))
        mapping = self.mapping(data, {s.name for s in sources}, onto)
        bad_rows = self.section(data, "bad_rows", str, "keep")
        if bad_rows not in BAD_ROWS:
            self.err("bad_rows", f"must be one of {', '.join(BAD_ROWS)}; got {bad_rows!r}")
        return PipelineSpec(sources=sources, ontology=onto.name if onto else DEFAULT_ONTOLOGY,
                            mapping=mapping, agents=self.agents(data), bad_rows=bad_rows,
                            ontology_extensions=extensions, schedule=self.schedule(data))

    def schedule(self, data: dict[str, Any]) -> dict[str, Any] | None:
        """``schedule: {cron, timezone, catch_up, paused}`` (the server runs the stored pipeline on it)."""
        raw = self.section(data, "schedule", dict, None)
        if raw is None:
            return None
        self.unknown_keys(raw, "schedule", SCHEDULE_KEYS)
        out = {"cron": raw.get("cron"), "timezone": raw.get("timezone") or "UTC",
               "catch_up": raw.get("catch_up") or "once", "paused": raw.get("paused") or False}
        problems = [("cron", cron_problem(out["cron"])), ("timezone", timezone_problem(out["timezone"])),
                    ("catch_up", catch_up_problem(out["catch_up"])),
                    ("paused", None if isinstance(out["paused"], bool) else f"expected true or false, got {out['paused']!r}")]
        for key, problem in problems:
            if problem:
                self.err(f"schedule.{key}", "required: a cron expression such as '0 6 * * *'"
                         if key == "cron" and "cron" not in raw else problem)
        if any(p for _, p in problems):
            return None
        out["cron"] = normalize_cron(out["cron"])
        return out

    # sources ----------------------------------------------------------------------------------
    def sources(self, data: dict[str, Any]) -> list[SourceSpec]:
        if data.get("sources") is None:
            self.err("sources", "required: a list of sources (name, connector, config)")
            return []
        raw = self.section(data, "sources", list, [])
        if not raw and isinstance(data["sources"], list):
            self.err("sources", "list at least one source")
        seen: dict[str, int | None] = {}
        out = []
        for i, item in enumerate(raw):
            source = self.source(f"sources[{i}]", item, seen)
            if source is not None:
                out.append(source)
        return out

    def source(self, path: str, item: Any, seen: dict[str, int | None]) -> SourceSpec | None:
        if not isinstance(item, dict):
            self.err(path, f"expected a mapping with name, connector and config; got {kind_of(item)}")
            return None
        self.unknown_keys(item, path, SOURCE_KEYS)
        name = item.get("name")
        if name is None:
            self.err(f"{path}.name", "required")
        elif not isinstance(name, str) or not SOURCE_NAME.fullmatch(name):
            self.err(f"{path}.name", f"invalid source name {name!r}: use lowercase letters, digits "
                     "and underscores, not starting with a digit, at most 63 characters "
                     "(it becomes a DuckDB schema name)")
        elif name in seen:
            self.err(f"{path}.name", f"duplicate source name '{name}' (first at line {seen[name]})")
        else:
            mark = self.pos.at(f"{path}.name")
            seen[name] = mark[0] if mark else None
        connector = item.get("connector")
        cls = None
        if connector is None:
            self.err(f"{path}.connector", "required")
        elif not isinstance(connector, str):
            self.err(f"{path}.connector", f"expected a connector name, got {kind_of(connector)}")
        elif connector not in self.registry("connectors"):
            self.err(f"{path}.connector", f"unknown connector '{connector}' "
                     f"(known: {_known(self.registry('connectors'))})")
        else:
            cls = self.registry("connectors")[connector]
        config = item.get("config")
        if config is None:
            config = {}
        elif not isinstance(config, dict):
            self.err(f"{path}.config", f"expected a mapping, got {kind_of(config)}")
            config, cls = {}, None
        refs = self.refs(config, f"{path}.config")
        if cls is not None:
            self.connector_config(cls, config, f"{path}.config", refs)
        select = self.selection(item.get("select"), f"{path}.select")
        return SourceSpec(name=str(name), connector=str(connector), config=config, select=select)

    def selection(self, raw: Any, path: str) -> Selection:
        """The ``select`` block: shape only; names are checked against what discovery finds."""
        issues = selection_issues(raw, path)
        for where, message, key in issues:
            self.err(where, message, key=key)
        return Selection() if issues or raw is None else selection_from(raw)

    def refs(self, config: Any, root: str) -> list[str]:
        """Paths of ``$`` references (malformed ones are reported) for config checks to skip."""
        found = []
        for path, value in _walk(config, root):
            if not (isinstance(value, dict) and any(str(k).startswith("$") for k in value)):
                continue
            if set(value) != {"$env"}:
                other = sorted(k for k in value if k != "$env")
                if any(str(k).startswith("$") and k != "$env" for k in value):
                    self.err(path, f"unknown reference {other[0]!r} (supported: $env)")
                else:
                    self.err(path, '{"$env": NAME} takes no other keys; got ' + ", ".join(other))
            elif not isinstance(value["$env"], str) or not ENV_NAME.fullmatch(value["$env"]):
                self.err(path, f"$env needs an environment variable name (letters, digits, "
                         f"underscore); got {value['$env']!r}")
            found.append(path)
        return found

    def connector_config(self, cls: type, config: dict[str, Any], root: str,
                         refs: list[str]) -> None:
        """Structure the config with references blanked; their own checks wait for run time."""
        config_cls = getattr(cls, "Config", None)
        if not attrs.has(config_cls):
            self.err(root, f"connector '{getattr(cls, 'name', cls)}' declares no attrs Config class")
            return
        blanked = _blank(config, root, set(refs))
        try:
            structure(blanked, config_cls, path=root)
        except ValidationError as exc:
            for issue in exc.issues:
                shown = self.pos.display(issue.path)
                if shown in self.yaml_paths or any(
                        shown == r or shown.startswith((r + ".", r + "[")) for r in refs):
                    continue
                self.config_issue(issue.path, issue.message, config_cls, root)
        except Exception as exc:  # a connector's own validator failing in an unexpected way
            self.err(root, f"invalid config: {type(exc).__name__}: {exc}")

    def config_issue(self, path: str, message: str, config_cls: type, root: str) -> None:
        prefix = "unknown field(s): "
        if not message.startswith(prefix):
            self.err(path, message)
            return
        fields = tuple(f.name for f in attrs.fields(config_cls)) if path == root else ()
        for name in message[len(prefix):].split(", "):
            where = child_path(self.pos.display(path), name)
            self.err(where, _unknown_key(fields, name, "field") if fields else "unknown field",
                     key=True)

    # ontology, mapping, agents ---------------------------------------------------------------
    def ontology(self, data: dict[str, Any]) -> Ontology | None:
        name = self.section(data, "ontology", str, DEFAULT_ONTOLOGY)
        known = self.registry("ontologies")
        if name not in known:
            self.err("ontology", f"unknown ontology '{name}' (known: {_known(known)})")
            return None
        return known[name]

    def extensions(self, data: dict[str, Any]) -> dict[str, Any]:
        ext = self.section(data, "ontology_extensions", dict, {})
        self.unknown_keys(ext, "ontology_extensions", ("entities",))
        entities = ext.get("entities") or {}
        root = "ontology_extensions.entities"
        if not isinstance(entities, dict):
            self.err(root, f"expected a mapping of entity name → {{fields: …}}, got {kind_of(entities)}")
            return {}
        ok = True
        for ename, body in entities.items():
            epath = child_path(root, ename)
            if not NAME.fullmatch(ename):
                self.err(epath, "entity names use lowercase letters, digits and underscores", key=True)
                ok = False
            if body is None:
                continue
            if not isinstance(body, dict):
                self.err(epath, f"expected a mapping with fields (and description), got {kind_of(body)}")
                ok = False
                continue
            self.unknown_keys(body, epath, ("fields", "description"))
            fields = body.get("fields") or {}
            if not isinstance(fields, dict):
                self.err(f"{epath}.fields", f"expected a mapping of field name → type, got {kind_of(fields)}")
                ok = False
                continue
            for fname, ftype in fields.items():
                fpath = child_path(f"{epath}.fields", fname)
                if not NAME.fullmatch(fname):
                    self.err(fpath, "field names use lowercase letters, digits and underscores", key=True)
                    ok = False
                if ftype is not None and not _is_duckdb_type(ftype):
                    self.err(fpath, f"expected a DuckDB type name such as VARCHAR, BIGINT, "
                             f"DECIMAL(18,2), TIMESTAMP; got {ftype!r}")
                    ok = False
        return ext if ok else {}

    def mapping(self, data: dict[str, Any], sources: set[str], onto: Ontology | None) -> MappingSettings:
        raw = self.section(data, "mapping", dict, {})
        self.unknown_keys(raw, "mapping", MAPPING_KEYS)
        threshold = raw.get("accept_threshold", 0.85)
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) \
                or not 0 < threshold <= 1:
            self.err("mapping.accept_threshold", f"must be a number in (0, 1]; got {threshold!r}")
            threshold = 0.85
        use_llm = raw.get("use_llm", False)
        if not isinstance(use_llm, bool):
            self.err("mapping.use_llm", f"expected true or false, got {use_llm!r}")
            use_llm = False
        overrides = self.section(raw, "overrides", dict, {}, parent="mapping")
        for key, target in overrides.items():
            self.override(child_path("mapping.overrides", key), key, target, sources, onto)
        return MappingSettings(accept_threshold=float(threshold), overrides=dict(overrides),
                               use_llm=use_llm)

    def override(self, path: str, key: str, target: Any, sources: set[str],
                 onto: Ontology | None) -> None:
        parts = key.split(".")
        if len(parts) != 3 or not all(parts):
            self.err(path, "override keys are 'source.table.field'", key=True)
        elif parts[0] not in sources:
            self.err(path, f"unknown source '{parts[0]}' (declared: {_known(sources)})", key=True)
        if target is None:
            return
        if not isinstance(target, str) or len(target.split(".")) != 2 or not all(target.split(".")):
            self.err(path, f"override values are 'entity.field' or null; got {target!r}")
            return
        if onto is None:
            return
        entity_name, field_name = target.split(".")
        entity = onto.entity(entity_name)
        if entity is None:
            self.err(path, f"unknown entity '{entity_name}' in ontology '{onto.name}' "
                     f"(known: {_known(onto.entity_names())})")
        elif entity.field(field_name) is None:
            self.err(path, f"entity '{entity_name}' has no field '{field_name}' "
                     f"(fields: {_known(f.name for f in entity.fields)})")

    def agents(self, data: dict[str, Any]) -> list[str]:
        raw = self.section(data, "agents", list, [])
        known = self.registry("agents") if raw else {}
        seen: set[str] = set()
        for i, name in enumerate(raw):
            path = f"agents[{i}]"
            if not isinstance(name, str):
                self.err(path, f"expected an agent name, got {kind_of(name)}")
            elif name not in known:
                self.err(path, f"unknown agent '{name}' (known: {_known(known)})")
            elif name in seen:
                self.err(path, f"agent '{name}' is listed twice")
            else:
                seen.add(name)
        return [a for a in raw if isinstance(a, str)]


SELECT_NAME_CHARS = re.compile(r"[^\x00-\x1f\x7f]{1,255}")


def _select_name(value: Any) -> str | None:
    """Why ``value`` is not a usable table/column name or glob, or None."""
    if not isinstance(value, str):
        return f"expected a name or glob pattern, got {kind_of(value)}"
    if not value.strip():
        return "expected a name or glob pattern, got an empty string"
    if not SELECT_NAME_CHARS.fullmatch(value):
        return "names are 1 to 255 characters without control characters"
    return None


def selection_issues(raw: Any, path: str = "select") -> list[tuple[str, str, bool]]:
    """Problems with a ``select`` block as ``(path, message, is_key)``: the YAML parser and the
    server both use it. ``None`` (absent) is fine."""
    from autonomos.core.pipeline.select import SELECT_KEYS

    if raw is None:
        return []
    if not isinstance(raw, dict):
        return [(path, f"expected a mapping with {', '.join(SELECT_KEYS)}; got {kind_of(raw)}", False)]
    out: list[tuple[str, str, bool]] = []
    for key in raw:
        if key not in SELECT_KEYS:
            out.append((child_path(path, str(key)), _unknown_key(SELECT_KEYS, str(key)), True))
    for key in ("tables", "exclude_tables"):
        value = raw.get(key)
        if value is None:
            continue
        if not isinstance(value, list):
            out.append((f"{path}.{key}", f"expected a list of table names or patterns, got {kind_of(value)}", False))
            continue
        if key == "tables" and not value:
            out.append((f"{path}.{key}", "list at least one table (leave 'tables' out to load them all)", False))
        seen: set[str] = set()
        for i, item in enumerate(value):
            problem = _select_name(item)
            if problem is None and item.lower() in seen:
                problem = f"'{item}' is listed twice"
            if problem:
                out.append((f"{path}.{key}[{i}]", problem, False))
            elif isinstance(item, str):
                seen.add(item.lower())
    cols = raw.get("exclude_columns")
    if cols is not None and not isinstance(cols, dict):
        out.append((f"{path}.exclude_columns", "expected a mapping of table name or pattern (\"*\": every table) "
                    f"→ list of columns, got {kind_of(cols)}", False))
    elif cols:
        for table, columns in cols.items():
            where = child_path(f"{path}.exclude_columns", str(table))
            problem = _select_name(table)
            if problem:
                out.append((where, problem, True))
            if not isinstance(columns, list):
                out.append((where, f"expected a list of column names or patterns, got {kind_of(columns)}", False))
                continue
            for i, col in enumerate(columns):
                problem = _select_name(col)
                if problem:
                    out.append((f"{where}[{i}]", problem, False))
    return out


def selection_from(raw: dict[str, Any] | None) -> Selection:
    """A validated (:func:`selection_issues`) ``select`` mapping as a :class:`Selection`."""
    raw = raw or {}
    return Selection(tables=list(raw["tables"]) if raw.get("tables") is not None else None,
                     exclude_tables=list(raw.get("exclude_tables") or []),
                     exclude_columns={str(k): list(v) for k, v in (raw.get("exclude_columns") or {}).items()})


def _is_duckdb_type(name: Any) -> bool:
    """A plain DuckDB type name DuckDB itself accepts (the regex keeps SQL out of it)."""
    if not isinstance(name, str) or not DUCKDB_TYPE.fullmatch(name.strip().upper()):
        return False
    import duckdb

    try:
        duckdb.sqltype(name.strip())
    except duckdb.Error:
        return False
    return True


def _walk(value: Any, path: str) -> typing.Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, dict):
        if set(value) == {"$env"}:
            return
        for k, v in value.items():
            yield from _walk(v, child_path(path, str(k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, f"{path}[{i}]")


def _substitute(value: Any, path: str, lookup: Callable[[str, str], Any]) -> Any:
    if is_ref(value):
        return lookup(value["$env"], path)
    if isinstance(value, dict):
        return {k: _substitute(v, child_path(path, str(k)), lookup) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, f"{path}[{i}]", lookup) for i, v in enumerate(value)]
    return value


def _blank(value: Any, path: str, refs: set[str]) -> Any:
    if path in refs:
        return ""
    if isinstance(value, dict):
        return {k: _blank(v, child_path(path, str(k)), refs) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank(v, f"{path}[{i}]", refs) for i, v in enumerate(value)]
    return value


def env_refs(config: Any, root: str = "config") -> list[tuple[str, str]]:
    """Every ``{"$env": NAME}`` in a config as ``(path, NAME)``; e.g. to list what a run needs."""
    return [(p, v["$env"]) for p, v in _walk(config, root) if is_ref(v)]


# -- run time: secrets and typed config ----------------------------------------------------------

_ORIGINS: dict[int, tuple[weakref.ref[SourceSpec], Positions, int]] = {}


def _remember(source: SourceSpec, pos: Positions, index: int) -> None:
    """Remember where a parsed source came from, so run-time errors can name file and line."""
    _ORIGINS[id(source)] = (weakref.ref(source), pos, index)
    weakref.finalize(source, _ORIGINS.pop, id(source), None)


def resolve_config(source: SourceSpec, connector_cls: type,
                   base_dir: str | os.PathLike[str] | None = None, *,
                   env: Mapping[str, str] | None = None) -> Any:
    """Resolve ``{"$env": NAME}`` references and structure the connector's typed ``Config``.

    ``env`` defaults to ``os.environ``; the service passes a tenant-scoped mapping so a tenant
    cannot read the server's own variables. Config fields typed ``pathlib.Path`` that are
    relative are made absolute against ``base_dir`` (the pipeline file's folder). Errors name
    ``file:line`` when ``source`` came from :func:`parse_pipeline` in this process::

        pipeline.yaml:7: sources[1].config.url: environment variable BILLING_DB_URL is not set
    """
    entry = _ORIGINS.get(id(source))
    if entry is not None and entry[0]() is source:
        pos, root = entry[1], f"sources[{entry[2]}].config"
    else:
        pos, root = Positions(file=""), f"{source.name}.config"
    environ = os.environ if env is None else env
    issues: list[SpecIssue] = []

    def lookup(name: str, path: str) -> Any:
        if name not in environ:
            issues.append(pos.issue(path, f"environment variable {name} is not set"))
            return ""
        return environ[name]

    resolved = _substitute(copy.deepcopy(source.config), root, lookup)
    if issues:
        raise PipelineError(issues)
    config_cls = getattr(connector_cls, "Config", None)
    if not attrs.has(config_cls):
        raise PipelineError([pos.issue(root, f"connector '{source.connector}' declares no attrs "
                                       "Config class")])
    try:
        config = structure(resolved, config_cls, path=root)
    except ValidationError as exc:
        raise PipelineError([pos.issue(i.path, i.message) for i in exc.issues]) from None
    return _absolute_paths(config, Path(base_dir) if base_dir is not None else None)


def source_error(source: SourceSpec, path: str, message: str) -> PipelineError:
    """A run-time problem with ``path`` of a source (``select.tables[0]``), as a
    :class:`PipelineError` naming ``file:line`` when the source came from :func:`parse_pipeline`."""
    entry = _ORIGINS.get(id(source))
    if entry is not None and entry[0]() is source:
        return PipelineError([entry[1].issue(f"sources[{entry[2]}].{path}", message)])
    return PipelineError([Positions(file="").issue(f"{source.name}.{path}", message)])


def _absolute_paths(config: Any, base_dir: Path | None) -> Any:
    if base_dir is None:
        return config
    try:
        hints = typing.get_type_hints(type(config))
    except Exception:  # unresolvable annotations: leave the paths as written
        return config
    changes = {}
    for f in attrs.fields(type(config)):
        hint = hints.get(f.name)
        if hint is Path or Path in typing.get_args(hint):
            value = getattr(config, f.name)
            if isinstance(value, Path) and not value.is_absolute():
                changes[f.alias] = base_dir / value
    return attrs.evolve(config, **changes) if changes else config
