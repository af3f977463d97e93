"""A source's title in the graph (issue 13): an uploaded ``files`` source is labelled by its name,
not by its connector kind ("Files (CSV, JSON, Parquet)"); a connector that titles its instance
(the demo's "Stripe (demo)") keeps that title."""

from __future__ import annotations

from pathlib import Path

from autonomos.core.catalog import TenantCatalog
from autonomos.core.graph import build_graph
from autonomos.core.pipeline.runner import Runner
from autonomos.core.spec import load_pipeline


def test_graph_labels_a_files_source_by_its_name(tmp_path: Path) -> None:
    (tmp_path / "customers.csv").write_text("id,name\n1,Ada\n2,Bob\n")
    path = tmp_path / "pipeline.yaml"
    path.write_text("sources:\n"
                    "  - {name: customers, connector: files, config: {path: customers.csv}}\n"
                    "  - {name: stripe, connector: demo, config: {system: stripe}}\n")
    catalog = TenantCatalog("titles")
    Runner(catalog).run(load_pipeline(path), base_dir=tmp_path)
    labels = {n["name"]: n["label"] for n in build_graph(catalog)["graph"]["nodes"] if n["kind"] == "source"}
    assert labels == {"customers": "customers", "stripe": "Stripe (demo)"}
