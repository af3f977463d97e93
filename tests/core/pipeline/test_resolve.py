"""Golden records: the demo's accounts and contacts resolved with Splink (core/pipeline/resolve.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from autonomos.core.catalog import TenantCatalog
from autonomos.core.pipeline.resolve import apply_overrides, assign_ids, name_sql
from autonomos.core.pipeline.runner import Runner
from autonomos.core.spec import load_pipeline
from autonomos.core.sqltext import ql

SYSTEMS = ("salesforce", "hubspot", "stripe", "erp", "billing")  # the demo without aws (no accounts there)


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    p = tmp_path / "pipeline.yaml"
    p.write_text("sources:\n" + "".join(f"  - name: {s}\n    connector: demo\n    config: {{system: {s}}}\n"
                                        for s in SYSTEMS))
    return p


def run(path: Path, tenant: str = "t", **kw: object) -> object:
    return Runner(TenantCatalog(tenant)).run(load_pipeline(path), base_dir=path.parent, **kw)


def rows(sql: str, tenant: str = "t") -> list[tuple]:
    con = TenantCatalog(tenant).reader()
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def golden_of(source: str, source_id: str, tenant: str = "t") -> str:
    return rows(f"SELECT golden_id FROM unified.golden_xref WHERE source = '{source}' "
                f"AND source_id = '{source_id}'", tenant)[0][0]


DUMP = ("SELECT * FROM unified.golden_xref ORDER BY entity, record_key",
        "SELECT * FROM unified.account_golden ORDER BY golden_id",
        "SELECT * FROM unified.contact_golden ORDER BY golden_id")


def test_demo_accounts_and_contacts_resolve(demo: Path) -> None:
    result = run(demo)
    assert result.stats["golden"]["account"]["records"] == 228
    assert result.stats["golden"]["account"]["golden"] == 60  # ~60 companies (demo_data/README.md)
    assert result.stats["golden"]["contact"] == {"records": 227, "golden": 151}  # every HubSpot contact is in Salesforce
    assert any(n.startswith("golden records") for n in result.stats["notes"])
    # Acme: "Acme Corporation", "Acme", "ACME CORPORATION", "Acme (old)" in five systems, one record
    acme = golden_of("erp", "C10000")
    sources = rows(f"SELECT list_sort(list(DISTINCT source)) FROM unified.golden_xref WHERE golden_id = '{acme}'")
    assert sources[0][0] == list(sorted(SYSTEMS))
    name, winners, members = rows(f"SELECT name, _field_sources, _members FROM unified.account_golden "
                                  f"WHERE golden_id = '{acme}'")[0]
    assert members == 6 and name.startswith("Acme") and winners["name"] == "salesforce"  # source priority
    assert winners["email"] == "stripe"  # the only source with an email
    xref = rows("SELECT count(*), count(DISTINCT entity), min(cluster_size) FROM unified.golden_xref")[0]
    assert xref == (228 + 227, 2, 1)
    # a contact's golden record names its account's golden record
    assert rows("SELECT count(*) FROM unified.contact_golden c JOIN unified.account_golden a "
                "ON a.golden_id = c.account_golden_id")[0][0] == 151
    run(demo, "other")  # deterministic: another tenant, same data, the same golden records and ids
    for sql in DUMP:
        assert rows(sql) == rows(sql, "other")


def test_forced_merge_and_split_survive_a_rerun(demo: Path) -> None:
    run(demo)
    cat = TenantCatalog("t")
    acme, globex = golden_of("erp", "C10000"), golden_of("salesforce", rows(
        "SELECT _source_id FROM unified.account WHERE _source = 'salesforce' AND name LIKE 'Globex%'")[0][0])
    keys = {g: [r[0] for r in rows(f"SELECT record_key FROM unified.golden_xref WHERE golden_id = '{g}'")]
            for g in (acme, globex)}
    from click.testing import CliRunner

    from autonomos.cli import main

    merged = CliRunner().invoke(main, ["golden", "merge", acme, globex, "--tenant", "t"])
    assert merged.exit_code == 0, merged.output
    assert "account: 228 records → 59 golden" in merged.output.replace("\n", " ")  # applied at once
    stripe_acme = [k for k in keys[acme] if k.startswith("stripe:")][0]
    split = CliRunner().invoke(main, ["golden", "split", stripe_acme, "--tenant", "t", "--no-apply"])
    assert split.exit_code == 0 and [o["kind"] for o in cat.meta.golden_overrides()] == ["merge", "split"]
    assert CliRunner().invoke(main, ["golden", "split", "GAnothing", "--tenant", "t"]).exit_code == 1
    file = None
    for i in range(2):  # the overrides hold on every later run
        result = run(demo)
        golden = TenantCatalog("t").current_manifest()["golden"]
        if i == 1:  # nothing changed since: the golden file is kept as it was
            assert golden["file"] == file and "kept" in [n for n in result.stats["notes"] if "golden" in n][0]
        file = golden["file"]
        assert result.stats["golden"]["account"]["golden"] == 60  # -1 merged, +1 split off
        merged = golden_of("erp", "C10000")
        assert merged == acme  # the id most members had
        members = rows(f"SELECT record_key, override FROM unified.golden_xref WHERE golden_id = '{merged}'")
        assert {k for k, _ in members} == (set(keys[acme]) | set(keys[globex])) - {stripe_acme}
        assert {o for _, o in members} == {"merge"}
        alone = rows(f"SELECT golden_id, cluster_size, override FROM unified.golden_xref "
                     f"WHERE record_key = '{stripe_acme}'")[0]
        assert alone[1:] == (1, "split") and alone[0] != merged


def test_overrides_and_ids() -> None:
    clusters = {"a": "1", "b": "1", "c": "2", "d": "3"}
    out, touched = apply_overrides(clusters, [{"kind": "merge", "keys": ["a", "c", "zz"]},
                                              {"kind": "split", "keys": ["b"]}])
    assert out["a"] == out["c"] and out["b"] not in (out["a"], out["d"])
    assert touched == {"a": "merge", "b": "split", "c": "merge"}
    ids = assign_ids("account", {"a": "x", "b": "x", "c": "y"}, {"a": "G1", "b": "G1", "c": "G1"})
    assert ids["x"] == "G1" and ids["y"] != "G1"  # a split-off record gets a new id, the bigger part keeps it


def test_name_normalisation() -> None:
    import duckdb

    con = duckdb.connect()
    got = [con.execute(f"SELECT {name_sql(ql(n))}").fetchone()[0]
           for n in ("Stark Analytics, Inc.", "ACME CORPORATION", "Müller Präzisionstechnik GmbH", "O'Brien & Co")]
    assert got == ["stark analytics", "acme", "muller prazisionstechnik", "obrien"]
