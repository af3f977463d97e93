"""/api/v1/files end to end: upload → a `files` source → test → connect loads the rows; tenant
isolation, bad names, conflicts, size limits (up front and while streaming), roles."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import pytest
from litestar.testing import TestClient

from autonomos.server.app import create_app
from autonomos.server.settings import Settings
from tests.server.dcl.catalogs import wait_task
from tests.server.helpers import Tenant, add_member

CSV = b"customer_id,customer_name,email\n1,Acme,ops@acme.test\n2,Globex,it@globex.test\n3,Initech,hi@initech.test\n"


def upload(client: TestClient, who: Tenant, name: str, body: bytes = CSV, **params: Any) -> Any:
    return client.post("/api/v1/files", files={"file": (name, body, "text/csv")}, params=params, headers=who.headers)


def raw_upload(client: TestClient, who: Tenant, filename: str, body: bytes = CSV) -> Any:
    """A multipart body built by hand, so the filename reaches the server byte for byte (httpx
    percent-encodes control characters)."""
    head = f'--B\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n\r\n'
    return client.post("/api/v1/files", content=head.encode() + body + b"\r\n--B--\r\n",
                       headers={**who.headers, "Content-Type": "multipart/form-data; boundary=B"})


def folder(settings: Settings, who: Tenant) -> Path:
    return settings.data_dir / "tenants" / str(who.org_id) / "files"


def test_upload_then_source_test_and_connect(client: TestClient, two_tenants: tuple[Tenant, Tenant],
                                             settings: Settings) -> None:
    a, b = two_tenants
    r = upload(client, a, "customers.csv")
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["name"] == "customers.csv" and out["size"] == len(CSV) and out["path"] == "customers.csv"
    assert (folder(settings, a) / "customers.csv").read_bytes() == CSV
    assert client.get("/api/v1/files", headers=a.headers).json()["items"] == [out]

    r = client.post("/api/v1/sources", json={"name": "crm", "connector": "files", "config": {"path": out["path"]}},
                    headers=a.headers)
    assert r.status_code == 201, r.text
    check = client.post(f"/api/v1/sources/{r.json()['id']}/test", headers=a.headers).json()
    assert check["ok"] is True and check["tables"] == ["customers"], check

    r = client.post("/dcl/connect", json={"sources": ["crm"]}, headers=a.headers)
    assert r.status_code == 202, r.text
    task = wait_task(client, a.headers, r.json()["id"])
    assert task["status"] == "success", task
    sources = {s["name"]: s for s in client.get("/dcl/sources", headers=a.headers).json()}
    assert sources["crm"]["tables"][0]["rows"] == 3
    rows = client.post("/dcl/query", json={"sql": "select count(*) from unified.account"}, headers=a.headers).json()
    assert rows["rows"] == [[3]]

    # B: its own empty folder; A's file is neither listed, deletable, nor readable by a source
    assert client.get("/api/v1/files", headers=b.headers).json()["items"] == []
    assert client.delete("/api/v1/files/customers.csv", headers=b.headers).status_code == 404
    r = client.post("/api/v1/sources", json={"name": "crm", "connector": "files", "config": {"path": "customers.csv"}},
                    headers=b.headers)
    check = client.post(f"/api/v1/sources/{r.json()['id']}/test", headers=b.headers).json()
    assert check["ok"] is False and "customers.csv" in check["error"]
    assert (folder(settings, a) / "customers.csv").exists()

    assert client.delete("/api/v1/files/customers.csv", headers=a.headers).status_code == 204
    assert client.get("/api/v1/files", headers=a.headers).json()["items"] == []
    assert client.delete("/api/v1/files/customers.csv", headers=a.headers).status_code == 404


BAD_NAMES = [
    ("dir/evil.csv", "path separators"),
    ("..\\evil.csv", "path separators"),
    (".hidden.csv", "start with a dot"),
    ("..", "start with a dot"),
    ("a\x00b.csv", "NUL"),
    ("tab\there.csv", "control character"),
    # issue 8, item 9: a right-to-left override makes 'invoice\u202efdp.csv' read 'invoicevsc.pdf'
    ("invoice\u202efdp.csv", "text-direction control (U+202E)"),
    ("a\u2067b.csv", "text-direction control"),
    ("zero\u200bwidth.csv", "invisible formatting character (U+200B)"),
    (" padded.csv", "whitespace"),
    ("x" * 201, "longer than 200"),
    ("é" * 150, "longer than 200"),  # 150 characters but 300 bytes
]


def test_bad_names_are_400_naming_file(client: TestClient, two_tenants: tuple[Tenant, Tenant],
                                       settings: Settings) -> None:
    a, _ = two_tenants
    for name, message in BAD_NAMES:
        r = raw_upload(client, a, name)
        assert r.status_code == 400, (name, r.text)
        body = r.json()
        assert body["errors"][0]["field"] == "file" and message in body["detail"], (name, body)
    # an empty filename, no filename (a plain form field), an extra field, no file at all
    r = client.post("/api/v1/files", files={"file": ("", b"x", "text/csv")}, headers=a.headers)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "file", r.text
    r = client.post("/api/v1/files", content=b'--B\r\nContent-Disposition: form-data; name="file"\r\n\r\nx\r\n--B--\r\n',
                    headers={**a.headers, "Content-Type": "multipart/form-data; boundary=B"})
    assert r.status_code == 400 and "no filename" in r.json()["detail"], r.text
    r = client.post("/api/v1/files", files={"file": ("ok.csv", CSV, "text/csv")}, data={"note": "x"}, headers=a.headers)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "note", r.text
    r = client.post("/api/v1/files", content=b"id\n1\n", headers={**a.headers, "Content-Type": "text/csv"})
    assert r.status_code == 415 and r.json()["errors"][0]["field"] == "file", r.text
    r = client.post("/api/v1/files", content=b"garbage", headers={**a.headers, "Content-Type": "multipart/form-data; boundary=xyz"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "file", r.text
    assert os.listdir(folder(settings, a)) == []  # nothing stored, no temp file left behind
    # a valid name with spaces and unicode is fine
    assert upload(client, a, "Q3 ventes é.csv").status_code == 201
    # delete with a name that cannot exist: 404 (never touches anything outside the folder)
    assert client.delete("/api/v1/files/..", headers=a.headers).status_code == 404
    assert client.delete("/api/v1/files/.upload-x.part", headers=a.headers).status_code == 404


def test_conflict_and_overwrite(client: TestClient, two_tenants: tuple[Tenant, Tenant], settings: Settings) -> None:
    a, b = two_tenants
    assert upload(client, a, "data.csv").status_code == 201
    r = upload(client, a, "data.csv", b"id\n9\n")
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "file" and "overwrite=true" in r.json()["detail"]
    assert (folder(settings, a) / "data.csv").read_bytes() == CSV
    r = upload(client, a, "data.csv", b"id\n9\n", overwrite="true")
    assert r.status_code == 201 and r.json()["size"] == 5
    assert (folder(settings, a) / "data.csv").read_bytes() == b"id\n9\n"
    assert upload(client, b, "data.csv").status_code == 201  # B's folder is its own: no conflict
    assert sorted(os.listdir(folder(settings, a))) == ["data.csv"]


@pytest.fixture
def small_client(settings: Settings) -> Iterator[TestClient]:
    """The app with AUTONOMOS_MAX_UPLOAD_MB=1."""
    small = replace(settings, http=replace(settings.http, max_upload_mb=1))
    with TestClient(create_app(small)) as c:
        yield c


def test_size_limit(small_client: TestClient, settings: Settings) -> None:
    from tests.server.helpers import new_tenant

    a = new_tenant(small_client, "Small Co", "owner@small.test")
    mb = 1024 * 1024
    assert upload(small_client, a, "exact.csv", b"x" * mb).status_code == 201  # the limit itself is fine
    # far over: refused from Content-Length before the body is read
    r = upload(small_client, a, "huge.csv", b"x" * (3 * mb))
    assert r.status_code == 413 and r.json()["errors"][0]["field"] == "file" and "1 MB" in r.json()["detail"]
    # just over (Content-Length within the multipart allowance): caught while streaming
    r = upload(small_client, a, "over.csv", b"x" * (mb + 10))
    assert r.status_code == 413, r.text

    # no Content-Length at all (chunked): counted while streaming
    def chunked() -> Iterator[bytes]:
        yield b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"chunked.csv\"\r\n\r\n"
        for _ in range(3):
            yield b"y" * mb
        yield b"\r\n--B--\r\n"

    r = small_client.post("/api/v1/files", content=chunked(),
                          headers={**a.headers, "Content-Type": "multipart/form-data; boundary=B"})
    assert r.status_code == 413, r.text
    assert os.listdir(folder(settings, a)) == ["exact.csv"]  # no partial files, no temp files
    # other routes keep the small general body limit (64 KiB in these tests)
    big = {"name": "p", "yaml": "x" * (100 * 1024)}
    assert small_client.post("/api/v1/pipelines", json=big, headers=a.headers).status_code == 413


def test_roles(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    viewer = add_member(client, a, "viewer@alpha.test", "viewer")
    member = add_member(client, a, "member@alpha.test", "member")
    assert upload(client, member, "m.csv").status_code == 201
    assert client.get("/api/v1/files", headers=viewer.headers).json()["items"][0]["name"] == "m.csv"
    assert upload(client, viewer, "v.csv").status_code == 403
    assert client.delete("/api/v1/files/m.csv", headers=viewer.headers).status_code == 403
    assert client.delete("/api/v1/files/m.csv", headers=member.headers).status_code == 204
    assert client.get("/api/v1/files").status_code == 401
