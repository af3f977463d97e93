"""The plugin host: built-ins and entry-point plugins share one pluggy manager.

Built-ins are registered by module name, exactly like third parties, so ``core`` never
imports ``connectors`` or ``mappers``. Each entry point (group ``autonomos``) is loaded on
its own: a plugin that fails to import, fails validation, or raises from a hook is recorded
in :attr:`PluginHost.plugins` with its error (``autonomos plugins`` shows it) and the host
carries on. ``AUTONOMOS_PLUGINS`` (allow list) and ``AUTONOMOS_DISABLE_PLUGINS`` (deny list)
are comma-separated names (entry point, distribution or built-in module names).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import threading
import traceback
import types
from collections.abc import Iterator, Mapping
from typing import Any, Callable

import attrs
import pluggy

from autonomos.core import hookspecs, settings
from autonomos.core.errors import AutonomosError, PluginError

log = logging.getLogger(__name__)

BUILTIN_PLUGINS: tuple[str, ...] = (
    "autonomos.core.ontology",
    "autonomos.connectors.files",
    "autonomos.connectors.sql",
    "autonomos.connectors.demo",
    "autonomos.connectors.rest",
    "autonomos.connectors.salesforce",
    "autonomos.mappers.heuristic",
    "autonomos.mappers.llm",
    "autonomos.llm_providers.openai",
    "autonomos.llm_providers.gemini",
    "autonomos.agents.revops",
    "autonomos.agents.finops",
    "autonomos.notifiers.slack",
)

KINDS = ("connectors", "mappers", "llm_providers", "agents", "ontologies")
SINGULAR = {"connectors": "connector", "mappers": "mapper", "llm_providers": "llm_provider",
            "agents": "agent", "ontologies": "ontology"}


@attrs.define
class PluginInfo:
    """What ``autonomos plugins`` shows for one plugin."""

    name: str
    origin: str  # "builtin" | "entrypoint"
    module: str = ""
    version: str = ""
    hooks: list[str] = attrs.field(factory=list)
    provides: list[str] = attrs.field(factory=list)
    status: str = "ok"  # ok | error | disabled
    error: str | None = None


def _hook_carrier(plugin: Any) -> Any:
    """What pluggy inspects for a plugin module: only its hook implementations.

    pluggy looks at every attribute of what it registers; a module attribute that is a lazily
    imported module (``autonomos.core.lazyimport``) would then be imported at start-up, which is
    what the laziness is there to avoid. ``type()`` and ``vars()`` read no attribute of a value.
    """
    if not isinstance(plugin, types.ModuleType):
        return plugin
    carrier = types.SimpleNamespace(__name__=plugin.__name__)
    for name, value in vars(plugin).items():
        if type(value) is types.FunctionType and hasattr(value, "autonomos_impl"):
            setattr(carrier, name, value)
    return carrier


@attrs.frozen
class Deferred:
    """A registered object named now and imported on first lookup (``"module:attribute"``).

    Every command and task loads every plugin; a connector whose module pulls in httpx,
    tenacity and dozens of config classes (rest, salesforce) would cost each of them ~0.1 s
    although most never use it. ``register(Deferred("rest", "pkg.module:RestConnector"))``."""

    name: str
    target: str

    def load(self) -> Any:
        module, _, attribute = self.target.partition(":")
        return getattr(importlib.import_module(module), attribute)


def _object_name(kind: str, obj: Any) -> str:
    name = getattr(obj, "name", None)
    if not isinstance(name, str) or not name:
        raise PluginError(f"{SINGULAR[kind]} {obj!r} has no 'name'")
    return name


class _Resolving(Mapping[str, Any]):
    """A read-only view of one registry kind that resolves :class:`Deferred` entries on access."""

    def __init__(self, host: "PluginHost", kind: str):
        self._host, self._kind = host, kind

    def __getitem__(self, name: str) -> Any:
        if name not in self._host.registry[self._kind]:
            raise KeyError(name)
        return self._host._resolve(self._kind, name)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._host.registry[self._kind]))

    def __len__(self) -> int:
        return len(self._host.registry[self._kind])

    def __contains__(self, name: object) -> bool:
        return name in self._host.registry[self._kind]


class PluginHost:
    """Loads plugins once and keeps what they registered (connectors, mappers, …)."""

    def __init__(self, load_entrypoints: bool = True, builtins: tuple[str, ...] = BUILTIN_PLUGINS):
        self.pm = pluggy.PluginManager("autonomos")
        self.pm.add_hookspecs(hookspecs)
        self.plugins: list[PluginInfo] = []
        self.registry: dict[str, dict[str, Any]] = {k: {} for k in KINDS}
        self.provided_by: dict[tuple[str, str], str] = {}
        engine = settings.current()
        allow, deny = set(engine.plugins), set(engine.disabled_plugins)
        for module_name in builtins:
            self._load_builtin(module_name, deny)
        if load_entrypoints:
            self._load_entrypoints(allow, deny)
        for kind in KINDS:
            self._collect(kind)

    # -- loading -------------------------------------------------------------------------
    def _info(self, name: str) -> PluginInfo | None:
        return next((p for p in self.plugins if p.name == name), None)

    def _register(self, module: Any, info: PluginInfo) -> None:
        try:
            module = _hook_carrier(module)
            self.pm.register(module, name=info.name)
            info.hooks = sorted(
                impl.name for impl in self.pm.get_hookcallers(module) or []  # type: ignore[union-attr]
            )
        except Exception as exc:  # a bad hookimpl signature must not break the host
            info.status, info.error = "error", f"{type(exc).__name__}: {exc}"
            log.warning("plugin %s failed validation: %s", info.name, exc)
            try:
                self.pm.unregister(name=info.name)
            except Exception:
                pass
        self.plugins.append(info)

    def _load_builtin(self, module_name: str, deny: set[str]) -> None:
        info = PluginInfo(name=module_name, origin="builtin", module=module_name)
        if module_name in deny:
            info.status = "disabled"
            self.plugins.append(info)
            return
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # built-in not written (yet): skip quietly
                return
            info.status, info.error = "error", f"{type(exc).__name__}: {exc}"
            self.plugins.append(info)
            return
        except Exception as exc:
            info.status, info.error = "error", f"{type(exc).__name__}: {exc}"
            self.plugins.append(info)
            return
        self._register(module, info)

    def _load_entrypoints(self, allow: set[str], deny: set[str]) -> None:
        for ep in importlib.metadata.entry_points(group="autonomos"):
            dist = ep.dist.name if ep.dist is not None else ""
            version = ep.dist.version if ep.dist is not None else ""
            info = PluginInfo(name=ep.name, origin="entrypoint", module=ep.value, version=version)
            if self._info(ep.name) is not None:
                continue  # the same distribution installed twice on sys.path
            names = {ep.name, dist, ep.value}
            if (allow and not names & allow) or names & deny:
                info.status = "disabled"
                self.plugins.append(info)
                continue
            try:
                module = ep.load()
            except Exception as exc:
                info.status = "error"
                info.error = f"{type(exc).__name__}: {exc}"
                log.warning("plugin %s failed to load: %s", ep.name, exc)
                log.debug("%s", traceback.format_exc())
                self.plugins.append(info)
                continue
            self._register(module, info)

    def _collect(self, kind: str) -> None:
        """Call each plugin's ``register_<kind>`` on its own, so one failure stays local."""
        caller = getattr(self.pm.hook, f"register_{kind}")
        for impl in caller.get_hookimpls():
            plugin_name = impl.plugin_name
            added: list[str] = []

            def register(obj: Any, _kind: str = kind, _plugin: str = plugin_name) -> None:
                name = _object_name(_kind, obj)
                if name in self.registry[_kind]:
                    prior = self.provided_by[(_kind, name)]
                    raise PluginError(f"{SINGULAR[_kind]} '{name}' is already registered by {prior}")
                self.registry[_kind][name] = obj
                self.provided_by[(_kind, name)] = _plugin
                added.append(f"{SINGULAR[_kind]}:{name}")

            info = self._info(plugin_name)
            try:
                impl.function(register=register)
            except Exception as exc:
                log.warning("plugin %s failed in register_%s: %s", plugin_name, kind, exc)
                if info is not None:
                    info.status = "error"
                    info.error = f"register_{kind}: {type(exc).__name__}: {exc}"
            if info is not None:
                info.provides.extend(added)

    # -- lookups -------------------------------------------------------------------------
    def connectors(self) -> Mapping[str, type]:
        """Name → connector class; a :class:`Deferred` one is imported when it is looked up,
        so checking a pipeline that names ``files`` does not import ``rest``."""
        return _Resolving(self, "connectors")

    def lookup(self, kind: str, name: str) -> Any:
        """The registered ``kind`` object called ``name``, or an error listing the known ones."""
        if name not in self.registry[kind]:
            known = ", ".join(sorted(self.registry[kind])) or "none"
            raise AutonomosError(f"unknown {SINGULAR[kind]} '{name}' (known: {known})")
        return self._resolve(kind, name)

    def _resolve(self, kind: str, name: str) -> Any:
        """A :class:`Deferred` entry imported and put in its place (once)."""
        obj = self.registry[kind][name]
        if not isinstance(obj, Deferred):
            return obj
        try:
            loaded = obj.load()
        except Exception as exc:
            raise PluginError(f"{SINGULAR[kind]} '{name}' ({obj.target}) failed to load: "
                              f"{type(exc).__name__}: {exc}") from exc
        if _object_name(kind, loaded) != name:
            raise PluginError(f"{SINGULAR[kind]} '{name}': {obj.target} is named '{loaded.name}'")
        self.registry[kind][name] = loaded
        return loaded

    def connector(self, name: str) -> type:
        return self.lookup("connectors", name)

    def mappers(self) -> dict[str, Any]:
        return self.registry["mappers"]

    def agents(self) -> dict[str, Any]:
        return self.registry["agents"]

    def agent(self, name: str) -> Any:
        return self.lookup("agents", name)

    def llm_providers(self) -> dict[str, Any]:
        return self.registry["llm_providers"]

    def ontologies(self) -> dict[str, Any]:
        return self.registry["ontologies"]

    def emit(self, event: Any) -> None:
        """Deliver an event to every ``on_event`` observer; a failing observer is only logged."""
        for impl in self.pm.hook.on_event.get_hookimpls():
            try:
                impl.function(event=event)
            except Exception as exc:
                log.warning("on_event observer %s failed: %s", impl.plugin_name, exc)


_host: PluginHost | None = None
_host_lock = threading.Lock()


def get_host() -> PluginHost:
    """The process-wide plugin host, loaded lazily once."""
    global _host
    with _host_lock:
        if _host is None:
            _host = PluginHost()
        return _host


def reset_host(host: PluginHost | None = None) -> None:
    """Drop (or replace) the cached host; tests use it after installing or disabling plugins."""
    global _host
    with _host_lock:
        _host = host


def register_observer(fn: Callable[[Any], None]) -> Callable[[], None]:
    """Register an in-process ``on_event`` observer; returns a function that removes it."""

    class _Observer:
        @staticmethod
        @pluggy.HookimplMarker("autonomos")
        def on_event(event: Any) -> None:
            fn(event)

    host = get_host()
    name = f"observer-{id(fn)}"
    host.pm.register(_Observer, name=name)
    return lambda: host.pm.unregister(name=name)
