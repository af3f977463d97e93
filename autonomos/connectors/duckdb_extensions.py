"""DuckDB extensions loaded from installed Python packages, never downloaded.

DuckDB fetches an extension from its repository on first use; a server must not reach the
internet at run time, and an offline machine cannot. The package registry ships the builds as
``duckdb-extension-<name>`` wheels for given DuckDB versions (pyproject pins ``duckdb`` to one
of them); :func:`load_extension` loads the file inside the installed package and turns DuckDB's
own installing and auto-loading off on that connection.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb

from autonomos.core.errors import ConnectorError

#: DuckDB extension name → its file's stem (DuckDB derives the entry point from it); the package
#: is ``duckdb_extension_<stem>``: the ``duckdb-extension-postgres``/``-mysql`` wheels name the
#: file ``postgres.duckdb_extension``, which DuckDB 1.5 refuses (no ``postgres_duckdb_cpp_init``)
EXTENSIONS = {"postgres": "postgres_scanner", "mysql": "mysql_scanner"}


def extension_path(name: str) -> Path:
    """The extension file for this DuckDB version inside its installed package."""
    stem = EXTENSIONS[name]
    package = f"duckdb_extension_{stem}"
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConnectorError(f"DuckDB's {name} extension is not installed: pip install "
                             f"duckdb-extension-{stem.replace('_', '-')}=={duckdb.__version__}")
    root = Path(next(iter(spec.submodule_search_locations)))
    path = root / "extensions" / f"v{duckdb.__version__}" / f"{stem}.duckdb_extension"
    if not path.is_file():
        found = sorted(p.parent.name for p in root.glob("extensions/*/*.duckdb_extension"))
        raise ConnectorError(f"DuckDB's {name} extension is built for DuckDB {', '.join(found) or 'no version'}, "
                             f"not v{duckdb.__version__}: install matching versions")
    return path


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Load ``name`` (``postgres``, ``mysql``) into ``con`` from its package; nothing is downloaded."""
    con.execute("SET autoinstall_known_extensions=false")
    con.execute("SET autoload_known_extensions=false")
    con.execute(f"LOAD '{extension_path(name)}'")
