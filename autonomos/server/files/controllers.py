"""``/api/v1/files``: the organization's files folder (what ``files`` sources read)."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Controller, Request, delete, get, post
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED

from autonomos.core.catalog import TenantCatalog
from autonomos.server.errors import problem_responses
from autonomos.server.files import service
from autonomos.server.files.schemas import FileList, FileOut
from autonomos.server.resources.service import files_root
from autonomos.server.settings import Settings


@dataclass
class UploadOperation(Operation):
    """The upload handler reads the body itself (streaming), so Litestar sees no ``data``
    parameter; this declares the multipart body for OpenAPI and the generated client."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(required=True, content={"multipart/form-data": OpenAPIMediaType(
            schema=Schema(type=OpenAPIType.OBJECT, required=[service.FIELD], additional_properties=False, properties={
                service.FIELD: Schema(type=OpenAPIType.STRING, format="binary",  # type: ignore[arg-type]
                                      description="the file; its filename becomes the name in the folder")}))})


class FileController(Controller):
    path = "/api/v1/files"
    tags = ["files"]

    @get("/", operation_id="listFiles", sync_to_thread=True, summary="Files in the organization's files folder")
    def list_files(self, catalog: TenantCatalog) -> FileList:
        """Every file, by name; ``path`` is the value for a ``files`` source's ``config.path``."""
        return FileList(items=service.list_files(files_root(catalog)))

    # No Litestar body limit here: receive_upload enforces AUTONOMOS_MAX_UPLOAD_MB while streaming
    # (and from Content-Length up front); every other route keeps AUTONOMOS_MAX_BODY_BYTES.
    @post("/", operation_id="uploadFile", status_code=HTTP_201_CREATED, summary="Upload a file",
          request_max_body_size=None, operation_class=UploadOperation,
          responses=problem_responses(400, 409, 413, 415))
    async def upload_file(self, request: Request, catalog: TenantCatalog, settings: Settings,
                          overwrite: bool = Parameter(query="overwrite", default=False,
                                                      description="replace a file of the same name")) -> FileOut:
        """``multipart/form-data`` with one field ``file``. The file is streamed to disk and appears
        under its name only when complete. 409 when the name exists (unless ``?overwrite=true``),
        413 above ``AUTONOMOS_MAX_UPLOAD_MB``, 400 naming ``file`` for a bad name (path separators,
        leading dot, NUL, empty, over 200 characters)."""
        from litestar.concurrency import sync_to_thread

        folder = await sync_to_thread(files_root, catalog)
        return await service.receive_upload(request.stream(), request.headers.get("content-type", ""),
                                            request.headers.get("content-length"), folder,
                                            settings.http.max_upload_mb, overwrite)

    @delete("/{name:str}", operation_id="deleteFile", sync_to_thread=True, summary="Delete a file",
            responses=problem_responses(404))
    def delete_file(self, name: str, catalog: TenantCatalog) -> None:
        """Remove the file (sources that read it fail on their next run)."""
        service.delete_file(files_root(catalog), name)


controllers = [FileController]
