"""The outside check of issue 9, run here: `autonomos run` of one `files` source per file of the
shared messy-CSV corpus, then `select count(*) from src_csv.<table>` must hold the MANIFEST's rows
(``any`` files may load or be refused; ``error`` files must be refused with a clear error).

This goes through the whole engine (normalize, bad cells kept, publish), unlike
``test_csv_corpus.py``, which checks the connector alone and counts rejected rows as accounted
for. Every loadable file must hold its rows, ragged-row files included (short rows padded, a
long row's surplus cells in ``_extra``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from autonomos.core.catalog import TenantCatalog
from autonomos.core.errors import AutonomosError
from autonomos.core.pipeline.runner import Runner
from autonomos.core.spec import parse_pipeline

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "csv-corpus"
MANIFEST = CORPUS / "MANIFEST.tsv"

def _rows() -> list[dict[str, str]]:
    if not MANIFEST.is_file():
        return []
    with MANIFEST.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _count(path: Path, data_dir: Path) -> int:
    spec = parse_pipeline(f"sources:\n  - name: csv\n    connector: files\n    config: {{path: {json.dumps(str(path))}}}\n")
    catalog = TenantCatalog("corpus", data_dir=data_dir)
    Runner(catalog).run(spec, base_dir=path.parent)
    con = catalog.reader()
    try:
        (table,) = con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'src_csv' "
                               "AND table_name <> '_rejected'").fetchall()
        return int(con.execute(f'SELECT count(*) FROM src_csv."{table[0]}"').fetchone()[0])
    finally:
        con.close()


@pytest.mark.skipif(not _rows(), reason=f"csv corpus not found at {CORPUS} (expected ../shared/csv-corpus)")
def test_every_loadable_corpus_file_holds_its_rows(tmp_path: Path) -> None:
    short, refused_wrongly, loaded_wrongly = [], [], []
    for i, row in enumerate(_rows()):
        path, expected = CORPUS / row["file"], row["expected"]
        try:
            n: int | None = _count(path, tmp_path / str(i))
        except AutonomosError as exc:
            assert str(exc), row["file"]  # a refusal says why
            n = None
        if expected == "error":
            if n is not None:
                loaded_wrongly.append(row["file"])
        elif expected != "any":
            if n is None:
                refused_wrongly.append(row["file"])
            elif n != int(expected):
                short.append((row["file"], expected, n))
    assert not short and not refused_wrongly and not loaded_wrongly, (short, refused_wrongly, loaded_wrongly)
