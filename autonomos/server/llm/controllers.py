"""``/api/v1/settings/llm`` (the organization's LLM settings) and ``/api/v1/llm/providers``."""

from __future__ import annotations

from litestar import Controller, get, post, put

from autonomos.server.auth.guards import requires_role
from autonomos.server.context import TenantContext
from autonomos.server.db.session import TenantSession
from autonomos.server.errors import problem_responses
from autonomos.server.llm import service
from autonomos.server.llm.schemas import LlmProviderList, LlmSettingsIn, LlmSettingsOut, LlmTestOut
from autonomos.server.settings import Settings

ADMIN = [requires_role("admin")]


class LlmSettingsController(Controller):
    path = "/api/v1/settings/llm"
    tags = ["settings"]

    @get("/", operation_id="getLlmSettings", sync_to_thread=True, summary="The organization's LLM settings")
    def get_settings(self, ctx: TenantContext, db_session: TenantSession) -> LlmSettingsOut:
        """Provider and model (null: the server's default, shown in ``server_default``) and whether
        an API key is stored. The key itself is never returned."""
        return service.settings_out(service.get_row(db_session, ctx.tenant_id))

    @put("/", operation_id="updateLlmSettings", guards=ADMIN, sync_to_thread=True,
         summary="Change the organization's LLM settings", responses=problem_responses(400, 403, 422))
    def update_settings(self, data: LlmSettingsIn, ctx: TenantContext, db_session: TenantSession,
                        settings: Settings) -> LlmSettingsOut:
        """``provider`` must be a registered provider or null (the server's default); ``api_key``
        omitted keeps the stored key, null or "" removes it. The key is stored encrypted.
        Runs started for the organization from now on use these settings."""
        return service.settings_out(service.update(db_session, ctx.tenant_id, settings.auth.secret_key, data))

    @post("/test", operation_id="testLlmSettings", guards=ADMIN, sync_to_thread=True, status_code=200,
          summary="Try the effective LLM settings with one small call", responses=problem_responses(403))
    def test_settings(self, ctx: TenantContext, db_session: TenantSession, settings: Settings) -> LlmTestOut:
        """One small mapping request with the settings a run would use (no retries, 20 s limit).
        A failure is ``ok: false`` with the provider's message (the key masked), not an error status."""
        choice = service.run_choice(db_session, ctx.tenant_id, settings.auth.secret_key)
        db_session.close()  # do not hold a connection during the provider call
        return service.try_settings(choice)


class LlmProviderController(Controller):
    path = "/api/v1/llm/providers"
    tags = ["settings"]

    @get("/", operation_id="listLlmProviders", sync_to_thread=True, summary="Installed LLM providers")
    def list_providers(self) -> LlmProviderList:
        """Every registered provider with its default model and suggested models (a static list)."""
        return service.providers()


controllers = [LlmSettingsController, LlmProviderController]
