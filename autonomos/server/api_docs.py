"""Swagger UI (``/schema/swagger``) and ReDoc (``/schema/redoc``) without the internet.

``scripts/build-frontend.sh`` copies the npm ``swagger-ui-dist`` and ``redoc`` builds into
``<static dir>/api-docs/``, beside the console but outside its ``assets/`` (so they are not console
JavaScript and not in its size budget). :func:`openapi_router` serves that directory at
:data:`ASSETS_PATH`, under ``/schema`` and so without auth, like the schema itself, and
:func:`render_plugins` points Litestar's render plugins at those files instead of its CDN URLs.
The router's :data:`CSP` keeps the pages on their own origin: ReDoc's side menu shows a logo from
``cdn.redoc.ly`` whatever its options say, which the browser then does not fetch.

Without a build (a source checkout where ``scripts/build-frontend.sh`` never ran), the plugins keep
Litestar's CDN URLs and there is no CSP, so the docs still work, but only online. Whether the files
are there is checked once, when the app is created.
"""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.openapi.plugins import OpenAPIRenderPlugin, RedocRenderPlugin, SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

ASSETS_PATH = "/schema/assets"
DIR_NAME = "api-docs"
SWAGGER_CSS, SWAGGER_JS, SWAGGER_PRESET_JS = "swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"
REDOC_JS, FAVICON = "redoc.standalone.js", "favicon-32x32.png"
FILES = (SWAGGER_CSS, SWAGGER_JS, SWAGGER_PRESET_JS, REDOC_JS, FAVICON)
# Inline scripts and styles: Litestar's pages start the UIs inline, styled-components injects
# styles; data: images are Swagger UI's icons; blob: workers are ReDoc's search.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'self'")


def assets_dir(static_dir: Path) -> Path:
    return static_dir / DIR_NAME


def built(static_dir: Path) -> bool:
    """Every file the two pages load is in ``<static dir>/api-docs/``."""
    return all((assets_dir(static_dir) / name).is_file() for name in FILES)


def url(name: str) -> str:
    return f"{ASSETS_PATH}/{name}"


def render_plugins(static_dir: Path) -> list[OpenAPIRenderPlugin]:
    """Swagger UI at ``/swagger`` and ReDoc at ``/redoc``, loading only local files when built."""
    if not built(static_dir):
        return [SwaggerRenderPlugin(path="/swagger"), RedocRenderPlugin(path="/redoc")]
    favicon = f"<link rel='icon' type='image/png' href='{url(FAVICON)}'>"
    return [
        SwaggerRenderPlugin(path="/swagger", js_url=url(SWAGGER_JS), css_url=url(SWAGGER_CSS),
                            standalone_preset_js_url=url(SWAGGER_PRESET_JS), favicon=favicon),
        # ReDoc falls back to the browser's sans-serif without Google's Montserrat and Roboto
        RedocRenderPlugin(path="/redoc", js_url=url(REDOC_JS), google_fonts=False, favicon=favicon),
    ]


def openapi_router(static_dir: Path) -> Router:
    """The ``/schema`` router Litestar adds the schema and the pages to, with the files at
    ``GET/HEAD /schema/assets/<file>`` (a missing one is a 404) and, when built, :data:`CSP`.

    The files' names are not fingerprinted, so browsers keep them an hour, not forever.
    """
    assets = create_static_files_router(
        path=ASSETS_PATH.removeprefix("/schema"), directories=[assets_dir(static_dir)], name="api_docs_assets",
        include_in_schema=False, opt={"exclude_from_auth": True},
        cache_control=CacheControlHeader(public=True, max_age=3600))
    headers = [ResponseHeader(name="Content-Security-Policy", value=CSP)] if built(static_dir) else []
    return Router("/schema", route_handlers=[assets], include_in_schema=False, response_headers=headers,
                  dto=None, return_dto=None)
