"""What every LLM provider shares: key resolution, retries, clear errors, answer validation.

Provider plugin contract (``register_llm_providers``): an object with ``name``, ``models() ->
list[str]`` and ``complete(prompt, schema, model=None) -> dict`` returning JSON that matches the
JSON ``schema``; optionally ``embed(texts) -> list[list[float]]``. :class:`Provider` implements
the parts that do not depend on the wire protocol, so a subclass only writes ``_complete``,
``_list_models`` and ``_classify`` (turn an SDK exception into status/message/Retry-After).

Keys resolve explicit → tenant secret → the run's LLM settings → environment variable, and are
read when a call is made (never at plugin load), so a provider registered once per process follows
the environment — or, while a run's :data:`autonomos.core.settings.llm_override` is set (the
server does that per organization), that run's provider, model and key, without touching
``os.environ``; the environment keys are then used only if the override allows it.
A key never appears in a log line, a ``repr`` or an error message (it is masked if an API echoes
it back).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import tenacity

from autonomos.core.errors import AutonomosError
from autonomos.core.retry import backoff_delay, parse_retry_after  # noqa: F401 (re-exported)
from autonomos.core import settings
from autonomos.core.settings import llm_override

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})


class LLMError(AutonomosError):
    """A provider call failed. Carries provider, model, HTTP status (None when no response) and the
    API's own message, so a person can tell a bad key from a rate limit from a bad request."""

    def __init__(self, provider: str, model: str | None, message: str, status: int | None = None):
        self.provider, self.model, self.status, self.api_message = provider, model, status, message
        where = f"{provider}" + (f" model '{model}'" if model else "")
        http = f"HTTP {status}: " if status is not None else ""
        super().__init__(f"{where}: {http}{message}")


def resolve_key(explicit: str | None, secrets: Mapping[str, Any] | None, secret_names: tuple[str, ...],
                env_vars: tuple[str, ...]) -> str | None:
    """The first non-empty key of: ``explicit``, ``secrets[name]`` for each secret name (a tenant's
    stored secrets), then each environment variable. None when there is none."""
    if explicit:
        return explicit
    for name in secret_names:
        value = (secrets or {}).get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    for var in env_vars:
        value = settings.current().env(var)
        if value:
            return value
    return None


# -- answer validation (the JSON-schema subset providers are asked to follow) --------------------
_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def validate_json(value: Any, schema: Mapping[str, Any], path: str = "$") -> list[str]:
    """Check ``value`` against a JSON schema (type, enum, properties, required,
    additionalProperties=false, items); returns problems as ``path: what``. Enough for the
    structured answers we ask for; a server in ``json_object`` mode is only checked by this."""
    problems: list[str] = []
    types = schema.get("type")
    if types is not None:
        allowed = [types] if isinstance(types, str) else list(types)
        if not any(_TYPES.get(t, lambda v: True)(value) for t in allowed):
            return [f"{path}: expected {'/'.join(allowed)}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for key in schema.get("required") or []:
            if key not in value:
                problems.append(f"{path}.{key}: required")
        for key, sub in value.items():
            if key in props:
                problems.extend(validate_json(sub, props[key], f"{path}.{key}"))
            elif schema.get("additionalProperties") is False:
                problems.append(f"{path}.{key}: not allowed")
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for i, item in enumerate(value):
            problems.extend(validate_json(item, schema["items"], f"{path}[{i}]"))
    return problems


class Provider:
    """Base class for LLM providers.

    Arguments (all optional; unset ones come from the environment when a call is made):
    ``api_key`` (explicit key), ``secrets`` (a tenant's secret mapping, looked up under
    ``secret_names``), ``base_url``, ``model`` (default model), ``timeout`` (seconds per HTTP
    request), ``max_retries`` (extra attempts on 408/409/429/5xx and connection errors),
    ``backoff`` and ``max_backoff`` (seconds).

    >>> provider = get_host().llm_providers()["openai"].configured(secrets=tenant_secrets)
    >>> provider.complete("Say hi as JSON", {"type": "object", "properties": {"hi": {"type": "string"}}})
    """

    name = "base"
    key_env_vars: tuple[str, ...] = ()
    secret_names: tuple[str, ...] = ()
    default_model = ""
    # Models offered in settings forms without asking the endpoint (``models()`` does ask).
    suggested_models: tuple[str, ...] = ()
    key_required = True
    # True when the SDK retries by itself (Retry-After honoured): ``_with_retries`` then calls once.
    sdk_retries = False

    def __init__(self, *, api_key: str | None = None, secrets: Mapping[str, Any] | None = None,
                 base_url: str | None = None, model: str | None = None, timeout: float | None = None,
                 max_retries: int | None = None, backoff: float = 0.5, max_backoff: float = 30.0):
        self._api_key = api_key
        self._secrets = dict(secrets or {})
        self._base_url = base_url
        self._model = model
        self._timeout = timeout
        self._max_retries = max_retries
        self.backoff, self.max_backoff = backoff, max_backoff
        self._settings = dict(api_key=api_key, secrets=secrets, base_url=base_url, model=model,
                              timeout=timeout, max_retries=max_retries, backoff=backoff,
                              max_backoff=max_backoff)

    def __repr__(self) -> str:  # never show the key
        return f"{type(self).__name__}(name={self.name!r}, base_url={self.base_url()!r})"

    def configured(self, **overrides: Any) -> Provider:
        """A copy with some settings replaced (e.g. a tenant's ``secrets`` or an explicit key)."""
        return type(self)(**{**self._settings, **overrides})

    # -- resolved settings ---------------------------------------------------------------------
    def base_url(self) -> str | None:
        """Explicit base URL, else the provider's environment variable, else the SDK default."""
        return self._base_url

    def model(self, model: str | None = None) -> str:
        """The model a call uses: argument → constructor → the run's LLM settings (when they name
        this provider; otherwise ``AUTONOMOS_LLM_MODEL`` outside a run with settings) → default."""
        if model or self._model:
            return str(model or self._model)
        choice = llm_override.get()
        if choice is not None:
            return (choice.model if choice.provider == self.name else None) or self.default_model
        return settings.current().llm_model or self.default_model

    def timeout(self) -> float:
        if self._timeout is not None:
            return float(self._timeout)
        return _number("AUTONOMOS_LLM_TIMEOUT", settings.current().llm_timeout, 60.0)

    def max_retries(self) -> int:
        if self._max_retries is not None:
            return int(self._max_retries)
        return int(_number("AUTONOMOS_LLM_MAX_RETRIES", settings.current().llm_max_retries, 3))

    def api_key(self, model: str | None = None) -> str | None:
        """The key to send; raises LLMError naming the variable to set when one is required."""
        choice = llm_override.get()
        if choice is None:
            key = resolve_key(self._api_key, self._secrets, self.secret_names, self.key_env_vars)
        else:
            own = choice.api_key if choice.provider == self.name else None
            key = resolve_key(self._api_key or own, self._secrets, self.secret_names,
                              self.key_env_vars if choice.env_keys else ())
            if key is None and self.key_required and not choice.env_keys:
                raise LLMError(self.name, model, "no API key: the organization's LLM settings have none for "
                                                 f"'{self.name}' (set api_key with PUT /api/v1/settings/llm)")
        if key is None and self.key_required:
            wanted = " or ".join(self.key_env_vars)
            raise LLMError(self.name, model, f"no API key: set {wanted} (or pass api_key=, or store "
                                             f"the tenant secret '{self.secret_names[0]}')"
                           if self.secret_names else f"no API key: set {wanted}")
        return key

    # -- the contract --------------------------------------------------------------------------
    def complete(self, prompt: str, schema: Mapping[str, Any], model: str | None = None) -> dict[str, Any]:
        """Ask ``model`` for a JSON object matching ``schema``; raises LLMError on failure,
        including an answer that is not JSON or does not match the schema."""
        model_id = self.model(model)
        key = self.api_key(model_id)
        answer = self._with_retries(lambda: self._complete(prompt, dict(schema), model_id, key), model_id, key)
        problems = validate_json(answer, schema)
        if problems:
            raise LLMError(self.name, model_id, "answer does not match the schema: " + "; ".join(problems[:5]))
        return answer

    def models(self) -> list[str]:
        """Model ids the endpoint offers."""
        key = self.api_key()
        return self._with_retries(lambda: self._list_models(key), None, key)

    # -- for subclasses ------------------------------------------------------------------------
    def _complete(self, prompt: str, schema: dict[str, Any], model: str, key: str | None) -> dict[str, Any]:
        raise NotImplementedError

    def _list_models(self, key: str | None) -> list[str]:
        raise NotImplementedError

    def _classify(self, exc: Exception) -> tuple[int | None, str, float | None, bool] | None:
        """(HTTP status, API message, Retry-After seconds, retryable) for an SDK exception, or
        None when ``exc`` is not a transport/API error (it then propagates unchanged)."""
        return None

    def _with_retries(self, call: Callable[[], T], model: str | None, key: str | None) -> T:
        """``call`` under the retry policy (tenacity): a retryable failure (429, 5xx, a lost
        connection: see ``_classify``) waits the server's Retry-After, else an exponential backoff
        with jitter (:func:`backoff_delay`), up to ``max_retries`` times. A provider whose SDK
        retries by itself (``sdk_retries``) gets one attempt here: its SDK already waited."""
        attempts = 1 if self.sdk_retries else self.max_retries() + 1

        def attempt() -> T:
            try:
                return call()
            except LLMError as exc:
                raise self._masked(exc, key) from None
            except Exception as exc:
                info = self._classify(exc)
                if info is None:
                    raise
                status, message, retry_after, retryable = info
                error = self._masked(LLMError(self.name, model, message, status), key)
                if status in (401, 403):
                    error = LLMError(self.name, model, error.api_message + self._key_hint(), status)
                raise (_Retryable(error, retry_after) if retryable else error) from None

        def wait(state: tenacity.RetryCallState) -> float:
            failure = state.outcome.exception() if state.outcome else None
            retry_after = failure.retry_after if isinstance(failure, _Retryable) else None
            return backoff_delay(state.attempt_number - 1, self.backoff, self.max_backoff, retry_after)

        def before_sleep(state: tenacity.RetryCallState) -> None:
            failure = state.outcome.exception() if state.outcome else None
            log.warning("%s; retry %d/%d in %.1fs", getattr(failure, "error", failure), state.attempt_number,
                        attempts - 1, state.upcoming_sleep)

        try:
            return tenacity.Retrying(stop=tenacity.stop_after_attempt(attempts), wait=wait,
                                     retry=tenacity.retry_if_exception_type(_Retryable),
                                     before_sleep=before_sleep, reraise=True)(attempt)
        except _Retryable as exc:  # the last attempt failed too
            raise exc.error from None

    def _key_hint(self) -> str:
        """Where the key that was refused came from, for the error message."""
        choice = llm_override.get()
        if choice is not None and not choice.env_keys and not self._api_key:
            return " (check the API key in the organization's LLM settings)"
        return " (check " + " / ".join(self.key_env_vars) + ")" if self.key_env_vars else ""

    @staticmethod
    def _masked(error: LLMError, key: str | None) -> LLMError:
        if not key or key not in error.api_message:
            return error
        return LLMError(error.provider, error.model, error.api_message.replace(key, "***"), error.status)


class _Retryable(Exception):
    """A failure worth another attempt, carrying the error to raise if none is left."""

    def __init__(self, error: LLMError, retry_after: float | None):
        super().__init__(str(error))
        self.error, self.retry_after = error, retry_after


def parse_answer(provider: str, model: str, text: str | None, finish_reason: Any = None) -> dict[str, Any]:
    """The JSON object an answer's text holds; LLMError for an empty answer, text that is not
    JSON (a fenced block is unwrapped: some compatible servers fence despite being asked not
    to) or JSON that is not an object."""
    if not text:
        raise LLMError(provider, model, f"empty answer (finish_reason={finish_reason})")
    text = text.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        answer = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LLMError(provider, model, f"the answer is not JSON ({exc.msg}): {text[:200]!r}") from None
    if not isinstance(answer, dict):
        raise LLMError(provider, model, f"the answer is JSON {type(answer).__name__}, not an object")
    return answer


def _number(name: str, raw: str, default: float) -> float:
    """``raw`` (the value of setting ``name``) as a number; ``default`` when empty."""
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise LLMError("config", None, f"{name}={raw!r} is not a number") from None
