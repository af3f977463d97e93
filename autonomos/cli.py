"""The ``autonomos`` command line: run pipelines, query views, map schemas, review mappings."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from autonomos import __version__
from autonomos.core import settings
from autonomos.core.catalog import TenantCatalog
from autonomos.core.errors import AutonomosError
from autonomos.core.events import Event, EventBus
from autonomos.core.plugins import get_host

out = Console()
err = Console(stderr=True)

tenant_option = click.option("--tenant", default="default", show_default=True, envvar="AUTONOMOS_TENANT",
                             help="Tenant name or UUID.")


class CLIError(click.ClickException):
    def show(self, file: Any = None) -> None:
        err.print(f"[bold red]Error:[/] {self.message}", highlight=False, markup=True, soft_wrap=True)


def _fail(exc: Exception) -> CLIError:
    return CLIError(str(exc))


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


@click.group()
@click.version_option(__version__, prog_name="autonomos")
@click.option("-v", "--verbose", is_flag=True, help="Log debug output.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """AutonomOS: Connect → Normalize → Unify your data into per-tenant DuckDB views."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # the edge: the environment is read here, once, and every command runs with what it said
    ctx.with_resource(settings.using(settings.EngineSettings.from_env()))


# -- running pipelines -------------------------------------------------------------------
def _run_with_progress(spec: Any, catalog: TenantCatalog, base_dir: Path, name: str, quiet: bool,
                       exclusive: bool = False, full_refresh: bool = False) -> Any:
    from autonomos.core.pipeline.runner import Runner

    host = get_host()
    bus = EventBus(store=catalog.meta, emit=host.emit)
    runner = Runner(catalog, host=host, bus=bus)
    progress = Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=err, transient=False, disable=quiet)
    task = progress.add_task("connecting", total=len(spec.sources))
    sources_done: set[str] = set()

    def on_event(ev: Event) -> None:
        d = ev.data
        if ev.type == "stage_progress":
            where = d.get("source", "") + (f".{d['table']}" if d.get("table") else "")
            progress.update(task, description=f"{d.get('stage')} {where}")
            if d.get("stage") == "normalize" and d.get("done") == d.get("total"):
                sources_done.add(d.get("source", ""))
                progress.update(task, completed=len(sources_done))
        elif ev.type == "mapping_proposed" and not quiet:
            progress.console.print(
                f"  {d['source']}.{d['table']} → [cyan]{d.get('entity') or '—'}[/] "
                f"({d['mapped']} fields mapped, {d['review']} to review)", highlight=False)
        elif ev.type == "schema_drift" and not quiet:
            progress.console.print(f"  [yellow]drift[/] {d['source']}.{d['table']}: "
                                   f"+{d['added']} -{d['removed']} renamed {d['renamed']}", highlight=False)
        elif ev.type == "views_published":
            progress.update(task, description="published", completed=len(spec.sources))

    unsubscribe = bus.subscribe(on_event)
    try:
        with progress:
            return runner.run(spec, base_dir=base_dir, pipeline_name=name, exclusive=exclusive,
                              full_refresh=full_refresh)
    finally:
        unsubscribe()


def _summary(result: Any, catalog: TenantCatalog, as_json: bool) -> None:
    if as_json:
        _print_json({"run_id": result.run_id, "status": result.status, "stats": result.stats,
                     "tenant": str(catalog.tenant_id), "version": result.manifest_version})
        return
    s = result.stats
    out.print(f"[bold green]✓[/] run {result.run_id}: {s['sources']} sources, {s['tables']} tables, "
              f"{s['rows']:,} rows ({s.get('bad_cells', 0):,} with unreadable cells set to null), "
              + (f"{s['unchanged']} tables unchanged (not read again), " if s.get("unchanged") else "") +
              f"{s['rejected']:,} rejected, {s.get('deduplicated', 0):,} deduplicated, "
              f"{s['mapped_fields']} fields mapped, {s['review']} to review, {s['entities']} unified views "
              f"({s['seconds']}s)", highlight=False)
    for note in s.get("notes") or []:
        out.print(f"  [yellow]note[/] {note}", highlight=False)


@main.command()
@click.argument("pipeline", type=click.Path(dir_okay=False, path_type=Path))
@tenant_option
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@click.option("--exclusive", is_flag=True,
              help="Remove every source this pipeline does not name (default: other sources are kept).")
@click.option("--full-refresh", is_flag=True,
              help="Read and type every table again, even those unchanged since the last run.")
def run(pipeline: Path, tenant: str, as_json: bool, quiet: bool, exclusive: bool, full_refresh: bool) -> None:
    """Run a pipeline YAML: Connect → Normalize → Map → Unify → agents. The run replaces its own
    sources only; sources of other pipelines stay (remove one with ``autonomos remove``). Tables
    unchanged since the last run (same files, no new incremental rows) are not read again."""
    from autonomos.core.spec import load_pipeline

    try:
        spec = load_pipeline(pipeline)
        catalog = TenantCatalog(tenant)
        result = _run_with_progress(spec, catalog, pipeline.resolve().parent, pipeline.name, quiet or as_json,
                                    exclusive=exclusive, full_refresh=full_refresh)
    except AutonomosError as exc:
        raise _fail(exc) from None
    _summary(result, catalog, as_json)


@main.command()
@tenant_option
@click.option("--json", "as_json", is_flag=True)
@click.option("-q", "--quiet", is_flag=True)
def demo(tenant: str, as_json: bool, quiet: bool) -> None:
    """Run the bundled multi-vendor demo (Salesforce, HubSpot, Stripe, ERP, billing DB, AWS)."""
    from autonomos.connectors.demo import demo_pipeline_path
    from autonomos.core.spec import load_pipeline

    path = demo_pipeline_path()
    try:
        spec = load_pipeline(path)
        catalog = TenantCatalog(tenant)
        result = _run_with_progress(spec, catalog, path.parent, "demo", quiet or as_json)
    except AutonomosError as exc:
        raise _fail(exc) from None
    _summary(result, catalog, as_json)
    if not as_json:
        t = "" if tenant == "default" else f" --tenant {tenant}"
        out.print("\nTry:", highlight=False)
        out.print(f"  autonomos query{t} \"select _source, count(*) from unified.account group by 1\"", highlight=False)
        out.print(f"  autonomos agents run{t} revops", highlight=False)
        out.print(f"  autonomos review list{t}", highlight=False)


# -- reading -----------------------------------------------------------------------------
def _rows_table(columns: list[str], rows: list[tuple[Any, ...]] | list[list[Any]]) -> Table:
    table = Table(show_lines=False)
    for c in columns:
        table.add_column(c, overflow="fold")
    for r in rows:
        table.add_row(*["" if v is None else str(v) for v in r])
    return table


def _tsv_cell(value: Any) -> str:
    if value is None:
        return ""
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _print_rows(columns: list[str], rows: list[tuple[Any, ...]] | list[list[Any]]) -> None:
    """A table in a terminal; tab-separated values (a header line, then one line a row; tabs and
    newlines in a value escaped as ``\\t``, ``\\n``) when piped, where a table squeezed to 80
    columns is unreadable and TSV goes straight into ``cut``, ``sort`` or a spreadsheet."""
    if out.is_terminal:
        out.print(_rows_table(columns, rows))
        return
    click.echo("\t".join(_tsv_cell(c) for c in columns))
    for r in rows:
        click.echo("\t".join(_tsv_cell(v) for v in r))


TABLES_SQL = """
    SELECT table_schema AS "schema", table_name AS "table",
           CASE WHEN table_name = '_rejected' THEN 'quarantine'
                WHEN table_schema = 'unified' THEN 'entity' ELSE 'source table' END AS kind
    FROM information_schema.tables
    WHERE table_catalog = current_database() AND (table_schema = 'unified' OR table_schema LIKE 'src\\_%' ESCAPE '\\')
    ORDER BY table_schema = 'unified' DESC, 1, 2"""


def _tables(con: Any) -> list[dict[str, Any]]:
    """Every queryable name in a reader, with its row count."""
    from autonomos.core.sqltext import qi

    out = []
    for schema, table, kind in con.execute(TABLES_SQL).fetchall():
        count = con.execute(f"SELECT count(*) FROM {qi(schema)}.{qi(table)}").fetchone()
        out.append({"name": f"{schema}.{table}", "kind": kind, "rows": int(count[0]) if count else 0})
    return out


@main.command()
@tenant_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of {name, kind, rows}.")
def tables(tenant: str, as_json: bool) -> None:
    """List what you can query: unified.<entity>, src_<source>.<table>, and the _rejected views."""
    catalog = TenantCatalog(tenant)
    try:
        con = catalog.reader()
    except AutonomosError as exc:
        raise _fail(exc) from None
    try:
        found = _tables(con)
    finally:
        con.close()
    if as_json:
        _print_json(found)
    else:
        _print_rows(["name", "kind", "rows"], [[t["name"], t["kind"], t["rows"]] for t in found])


@main.command()
@click.argument("sql", required=False)
@tenant_option
@click.option("--json", "as_json", is_flag=True, help="Print rows as a JSON list of objects.")
@click.option("--limit", default=1000, show_default=True, help="Maximum rows printed.")
@click.pass_context
def query(click_ctx: click.Context, sql: str | None, tenant: str, as_json: bool, limit: int) -> None:
    """Run read-only SQL over the tenant's published data: ``unified.<entity>`` views and every
    normalized table as ``src_<source>.<table>``. Without SQL, list them (as ``autonomos tables``)."""
    import duckdb

    if sql is None:
        click_ctx.invoke(tables, tenant=tenant, as_json=as_json)
        return
    catalog = TenantCatalog(tenant)
    try:
        con = catalog.reader()
    except AutonomosError as exc:
        raise _fail(exc) from None
    try:
        cur = con.execute(sql)
        columns = [d[0] for d in (cur.description or [])]
        rows = cur.fetchmany(limit) if columns else []
        try:
            cur.fetchall()
        except duckdb.Error:
            pass
    except duckdb.Error as exc:
        raise CLIError(str(exc).strip().splitlines()[0]) from None
    finally:
        con.close()
    if as_json:
        _print_json([dict(zip(columns, r)) for r in rows])
    else:
        _print_rows(columns, rows)


@main.command("map")
@click.argument("schema", type=click.File("r"))
@click.option("--no-llm", is_flag=True, help="Heuristic and learned mappers only.")
@click.option("--ontology", default=None, help="Ontology name (default crm_finance).")
def map_cmd(schema: Any, no_llm: bool, ontology: str | None) -> None:
    """Propose a mapping for SCHEMA.json (or - for stdin); prints JSON, touches no catalog."""
    from autonomos.core.pipeline.map import propose_schema_mapping

    try:
        doc = json.load(schema)
    except json.JSONDecodeError as exc:
        raise CLIError(f"{schema.name}: line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}") from None
    try:
        onto = None
        if ontology:
            onto = get_host().ontologies().get(ontology)
            if onto is None:
                raise AutonomosError(f"unknown ontology '{ontology}' (known: {', '.join(get_host().ontologies())})")
        result = propose_schema_mapping(doc, onto, use_llm=False if no_llm else None)
    except AutonomosError as exc:
        raise CLIError(f"{schema.name}: {exc}") from None
    _print_json(result)


@main.command()
@click.option("--json", "as_json", is_flag=True)
def plugins(as_json: bool) -> None:
    """List plugins (built-in and installed), what they provide, and any load errors."""
    host = get_host()
    if as_json:
        import attrs

        _print_json([attrs.asdict(p) for p in host.plugins])
        return
    table = Table("plugin", "origin", "version", "status", "provides", "error")
    for p in host.plugins:
        status = {"ok": "[green]ok[/]", "error": "[red]error[/]", "disabled": "[dim]disabled[/]"}[p.status]
        table.add_row(p.name, p.origin, p.version, status, ", ".join(p.provides), p.error or "")
    out.print(table)


@main.command()
@tenant_option
@click.option("--json", "as_json", is_flag=True)
def sources(tenant: str, as_json: bool) -> None:
    """List the tenant's sources and their tables."""
    catalog = TenantCatalog(tenant)
    srcs = catalog.meta.sources()
    tables = catalog.meta.tables()
    if as_json:
        _print_json([{**s, "tables": [t for t in tables if t["source"] == s["name"]]} for s in srcs])
        return
    table = Table("source", "connector", "table", "rows", "rejected", "fields")
    for s in srcs:
        for t in [t for t in tables if t["source"] == s["name"]] or [{}]:
            table.add_row(s["name"], s["connector"], t.get("name", ""), str(t.get("row_count", "")),
                          str(t.get("rejected_count", "")), str(len(t.get("schema") or [])))
    out.print(table)


@main.command()
@click.argument("names", nargs=-1, required=True)
@tenant_option
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def remove(names: tuple[str, ...], tenant: str, yes: bool) -> None:
    """Remove sources from the catalog: their tables, mappings and cursors; the views are republished."""
    from autonomos.core.pipeline.runner import Runner

    catalog = TenantCatalog(tenant)
    known = {s["name"] for s in catalog.meta.sources()}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise CLIError(f"no source named {', '.join(unknown)} (connected: {', '.join(sorted(known)) or 'none'})")
    if not yes:
        click.confirm(f"Remove {', '.join(names)} and every table it loaded?", abort=True, err=True)
    try:
        manifest = Runner(catalog).remove_sources(list(names))
    except AutonomosError as exc:
        raise _fail(exc) from None
    out.print(f"removed {', '.join(names)}; views republished (version {manifest['version'] if manifest else '-'})",
              highlight=False)


@main.command()
@tenant_option
@click.option("--json", "as_json", is_flag=True, help="Print nodes and edges as JSON.")
def graph(tenant: str, as_json: bool) -> None:
    """The DCL graph: sources (0) → tables (1) → unified entities (2) → agents (3)."""
    from autonomos.core.graph import build_graph

    g = build_graph(TenantCatalog(tenant))
    if as_json:
        _print_json(g)
        return
    for layer, title in enumerate(("sources", "tables", "entities", "agents")):
        names = [n["label"] for n in g["graph"]["nodes"] if n["layer"] == layer]
        out.print(f"[bold]{layer} {title}[/]: {', '.join(names) or '—'}", highlight=False)
    counts = ", ".join(f"{value:,} {'to review' if key == 'review' else key.replace('_', ' ')}"
                       for key, value in g["summary"].items()
                       if isinstance(value, int) and not isinstance(value, bool))
    out.print(f"{len(g['graph']['edges'])} edges; {counts}", highlight=False)


# -- review ------------------------------------------------------------------------------
@main.group()
def review() -> None:
    """Intelligence Review: mappings below the accept threshold."""


@review.command("list")
@tenant_option
@click.option("--json", "as_json", is_flag=True)
@click.option("--all", "show_all", is_flag=True, help="Show every mapping, not only those to review.")
def review_list(tenant: str, as_json: bool, show_all: bool) -> None:
    catalog = TenantCatalog(tenant)
    items = catalog.meta.mappings(status=None if show_all else "review")
    if as_json:
        _print_json(items)
        return
    _print_rows(["id", "source.table.field", "→ entity.field", "conf.", "status", "samples", "reason"],
                [[m["id"], f"{m['source']}.{m['tbl']}.{m['field']}", f"{m['entity'] or '—'}.{m['canonical'] or '—'}",
                  f"{m['confidence']:.2f}", m["status"], ", ".join(map(str, (m.get("samples") or [])[:3])),
                  m.get("reason") or ""] for m in items])


def _decide(tenant: str, mapping_id: int, decision: str, canonical: str | None = None) -> None:
    from autonomos.core.review import decide

    try:
        res = decide(TenantCatalog(tenant), mapping_id, decision, canonical, actor="cli")
    except AutonomosError as exc:
        raise _fail(exc) from None
    m = res["mapping"]
    done = {"approve": "approved", "edit": "edited", "reject": "rejected"}.get(decision, decision)
    out.print(f"{done} mapping {mapping_id}: {m['source']}.{m['tbl']}.{m['field']} → "
              f"{m['entity']}.{m['canonical']} ({m['status']}); views republished (v{res['version']})",
              highlight=False)


@review.command("approve")
@click.argument("mapping_id", type=int)
@tenant_option
def review_approve(mapping_id: int, tenant: str) -> None:
    _decide(tenant, mapping_id, "approve")


@review.command("reject")
@click.argument("mapping_id", type=int)
@tenant_option
def review_reject(mapping_id: int, tenant: str) -> None:
    _decide(tenant, mapping_id, "reject")


@review.command("edit")
@click.argument("mapping_id", type=int)
@click.argument("canonical")
@tenant_option
def review_edit(mapping_id: int, canonical: str, tenant: str) -> None:
    """Map the field to CANONICAL (``field`` or ``entity.field``) instead."""
    _decide(tenant, mapping_id, "edit", canonical)


# -- golden records ------------------------------------------------------------------------
@main.group()
def golden() -> None:
    """Golden records: force a merge or a split (kept on every later run)."""


def _override(tenant: str, action: Any, no_apply: bool) -> None:
    from autonomos.core.pipeline import resolve

    catalog = TenantCatalog(tenant)
    try:
        res = action(catalog)
    except KeyError as exc:
        raise CLIError(f"no golden record or record key {exc.args[0]} for this tenant") from None
    except (ValueError, AutonomosError) as exc:
        raise _fail(exc) from None
    out.print(f"stored {res['kind']} #{res['id']} of {', '.join(res['golden_ids'])} ({res['records']} record(s))",
              highlight=False)
    if not no_apply:
        golden = resolve.reresolve(catalog)
        out.print(resolve.summary_note(golden) or "nothing to resolve", highlight=False)


@golden.command("merge")
@click.argument("refs", nargs=-1, required=True)
@tenant_option
@click.option("--no-apply", is_flag=True, help="Only store it; the next run applies it.")
def golden_merge(refs: tuple[str, ...], tenant: str, no_apply: bool) -> None:
    """Make the golden records REFS (golden ids or record keys source:table:id) one."""
    from autonomos.core.pipeline.resolve import force_merge

    if len(refs) < 2:
        raise CLIError("name at least two golden ids or record keys to merge")
    _override(tenant, lambda c: force_merge(c, list(refs), actor="cli"), no_apply)


@golden.command("split")
@click.argument("ref")
@tenant_option
@click.option("--no-apply", is_flag=True, help="Only store it; the next run applies it.")
def golden_split(ref: str, tenant: str, no_apply: bool) -> None:
    """Split a golden record into its records (a golden id), or take one record out (a record key)."""
    from autonomos.core.pipeline.resolve import force_split

    _override(tenant, lambda c: force_split(c, ref, actor="cli"), no_apply)


@golden.command("show")
@click.argument("ref")
@tenant_option
@click.option("--json", "as_json", is_flag=True)
def golden_show(ref: str, tenant: str, as_json: bool) -> None:
    """A golden record's members (source, id, match probability) and the winning source of each field."""
    from autonomos.core.pipeline.resolve import members

    catalog = TenantCatalog(tenant)
    try:
        found = members(catalog, ref)
    except AutonomosError as exc:
        raise _fail(exc) from None
    if found is None:
        raise CLIError(f"no golden record or record key {ref} for this tenant")
    entity, gid, _ = found
    con = catalog.reader()
    try:
        rows = con.execute("SELECT record_key, source, source_id, match_probability, override "
                           "FROM unified.golden_xref WHERE golden_id = ? ORDER BY record_key", [gid]).fetchall()
        cur = con.execute(f"SELECT * FROM unified.{entity}_golden WHERE golden_id = ?", [gid])
        found_row = cur.fetchone()
        record = dict(zip([d[0] for d in cur.description], found_row)) if found_row else {}
    finally:
        con.close()
    if as_json:
        _print_json({"entity": entity, "golden_id": gid, "record": record,
                     "members": [dict(zip(("record_key", "source", "source_id", "match_probability", "override"), r))
                                 for r in rows]})
        return
    out.print(f"{entity} {gid}", highlight=False)
    out.print(_rows_table(["record_key", "source", "source_id", "match_probability", "override"], rows))
    winners = record.get("_field_sources") or {}
    fields = [(k, v, winners.get(k)) for k, v in record.items() if not k.startswith("_") and k != "golden_id"]
    out.print(_rows_table(["field", "value", "from"], [f for f in fields if f[1] is not None]))


# -- agents and history -------------------------------------------------------------------
@main.group()
def agents() -> None:
    """Agents that consume unified entities (revops, finops, plugins')."""


@agents.command("list")
@tenant_option
def agents_list(tenant: str) -> None:
    results = {r["agent"]: r for r in TenantCatalog(tenant).meta.agent_results()}
    rows = []
    for name, agent in sorted(get_host().agents().items()):
        res = (results.get(name) or {}).get("result") or {}
        rows.append([name, ", ".join(getattr(agent, "consumes", [])), str(res.get("summary", ""))])
    _print_rows(["agent", "consumes", "last result"], rows)


@agents.command("run")
@click.argument("name")
@tenant_option
@click.option("--json", "as_json", is_flag=True)
def agents_run(name: str, tenant: str, as_json: bool) -> None:
    """Run an agent over the published views and print its findings."""
    from autonomos.core.pipeline.runner import Runner

    try:
        result = Runner(TenantCatalog(tenant)).run_agent(name)
    except AutonomosError as exc:
        raise _fail(exc) from None
    if as_json:
        _print_json(result)
        return
    if result.get("status") == "failed":
        raise CLIError(f"agent {name} failed: {result.get('error')}")
    out.print(f"[bold]{name}[/]: {result.get('summary', '')}", highlight=False)
    _print_findings({k: v for k, v in result.items() if k not in ("summary", "status", "agent")})


def _scalar(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_scalar(v) for v in value) or "—"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "—" if value is None else str(value)


def _print_findings(findings: dict[str, Any], depth: int = 0) -> None:
    """An agent's result as people read it: ``key: value`` lines, a heading per section and a
    table per list of records (``--json`` keeps the raw structure)."""
    indent = "  " * depth
    for key, value in findings.items():
        title = key.replace("_", " ")
        if isinstance(value, dict):
            if value.get("available") is False:
                out.print(f"{indent}[bold]{title}[/]: not available ({value.get('reason', 'no data')})", highlight=False)
                continue
            out.print(f"{indent}[bold]{title}[/]", highlight=False)
            _print_findings({k: v for k, v in value.items() if k != "available"}, depth + 1)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out.print(f"{indent}[bold]{title}[/] ({len(value)})", highlight=False)
            cols = list(dict.fromkeys(c for v in value for c in v))
            _print_rows(cols, [[json.dumps(v.get(c), default=str) if isinstance(v.get(c), dict) else _scalar(v.get(c))
                                for c in cols] for v in value])
        else:
            out.print(f"{indent}{title}: {_scalar(value)}", highlight=False)


@main.command()
@tenant_option
@click.option("--since", default=0, help="Only events after this id.")
@click.option("--json", "as_json", is_flag=True)
def events(tenant: str, since: int, as_json: bool) -> None:
    """The tenant's event log."""
    evs = TenantCatalog(tenant).meta.events(since)
    if as_json:
        _print_json(evs)
        return
    for e in evs:
        out.print(f"{e['id']:>6} {e['type']:<16} {json.dumps(e['data'], default=str)[:160]}", highlight=False)


@main.group(invoke_without_command=True)
@tenant_option
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def runs(click_ctx: click.Context, tenant: str, as_json: bool) -> None:
    """Run history with per-run figures; ``runs show RUN_ID`` prints one run and its log."""
    if click_ctx.invoked_subcommand is not None:
        return
    rs = TenantCatalog(tenant).meta.runs()
    if as_json:
        _print_json(rs)
        return
    columns = ("run", "status", "pipeline", "rows", "rejected", "mapped", "review", "seconds", "error")
    rows = [[r["id"], r["status"], r.get("pipeline") or "", *(str((r.get("stats") or {}).get(k, "")) for k in
             ("rows", "rejected", "mapped_fields", "review", "seconds")), r.get("error") or ""] for r in rs]
    if not out.is_terminal:  # piped: tab-separated, never squeezed
        for row in [list(columns), *rows]:
            click.echo("\t".join(c.replace("\t", " ").replace("\n", " ") for c in row))
        return
    table = Table(*columns)
    for row in rows:
        table.add_row(*row)
    out.print(table)


_LEVEL_STYLE = {"info": "", "warning": "yellow", "error": "bold red"}


def _find_run(meta: Any, run_id: str) -> dict[str, Any]:
    """The run named by its id or a unique prefix of it."""
    rows = meta.query("SELECT * FROM runs WHERE id = ?", run_id)
    if not rows and run_id:
        like = run_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = meta.query("SELECT * FROM runs WHERE id LIKE ? ESCAPE '\\' ORDER BY started_at DESC LIMIT 2", like + "%")
        if len(rows) > 1:
            raise CLIError(f"run id '{run_id}' is ambiguous: give more of it")
    if not rows:
        raise CLIError(f"no run '{run_id}' (autonomos runs lists them)")
    return rows[0]


@runs.command("show")
@click.argument("run_id")
@tenant_option
@click.option("--level", type=click.Choice(["info", "warning", "error"]), default="info", show_default=True,
              help="Only lines of this level or worse.")
@click.option("--json", "as_json", is_flag=True)
def runs_show(run_id: str, tenant: str, level: str, as_json: bool) -> None:
    """One run: its summary and its log (stage, table, counts, warnings, errors)."""
    import time as time_mod

    from autonomos.core import runlog

    meta = TenantCatalog(tenant).meta
    r = _find_run(meta, run_id)
    floor = runlog.LEVELS.index(level)
    lines = [line for line in runlog.lines(meta, r["id"], limit=runlog.MAX_LINES + 1000)
             if runlog.LEVELS.index(line["level"]) >= floor]
    if as_json:
        _print_json({"run": r, "log": lines})
        return
    s = r.get("stats") or {}

    def when(ts: Any) -> str:
        return time_mod.strftime("%Y-%m-%d %H:%M:%S", time_mod.localtime(ts)) if ts else "—"

    style = {"success": "green", "failed": "red"}.get(r["status"], "yellow")
    out.print(f"[bold]run {r['id']}[/] [{style}]{r['status']}[/]" + (f"  pipeline {r['pipeline']}" if r.get("pipeline") else ""),
              highlight=False)
    out.print(f"started {when(r['started_at'])}, finished {when(r.get('finished_at'))}"
              + (f" ({s['seconds']} s)" if s.get("seconds") is not None else ""), highlight=False)
    figures = [f"{s[k]} {label}" for k, label in (("tables", "tables"), ("rows", "rows"), ("rejected", "rejected"),
                                                   ("bad_cells", "bad cells"), ("mapped_fields", "fields mapped"),
                                                   ("review", "to review"), ("entities", "unified views"))
               if s.get(k) is not None]
    if figures:
        out.print(", ".join(figures), highlight=False)
    if r.get("error"):
        out.print(f"[bold red]error[/] {r['error']}", highlight=False)
    if not lines:
        out.print("(no log lines)" if floor == 0 else f"(no {level} lines)")
        return
    if not out.is_terminal:  # piped: one tab-separated line each
        for line in lines:
            where = ".".join(x for x in (line.get("source"), line.get("table")) if x)
            click.echo("\t".join([when(line["ts"]), line["level"], line["stage"], where,
                                  line["message"].replace("\t", " ").replace("\n", " ")]))
        return
    table = Table("time", "level", "stage", "table", "message", show_lines=False)
    for line in lines:
        where = ".".join(x for x in (line.get("source"), line.get("table")) if x)
        lvl = _LEVEL_STYLE[line["level"]]
        table.add_row(time_mod.strftime("%H:%M:%S", time_mod.localtime(line["ts"])),
                      f"[{lvl}]{line['level']}[/]" if lvl else line["level"], line["stage"], where,
                      f"[{lvl}]{line['message']}[/]" if lvl else line["message"])
    out.print(table, highlight=False)


from autonomos.server.cli_commands import commands as _server_commands  # noqa: E402
for _command in _server_commands: main.add_command(_command)  # noqa: E701


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
