"""Resolve: entity resolution of ``unified.account`` and ``unified.contact`` into golden records.

After Unify, the rows of each resolvable entity are normalised in SQL (lowercase, accents and
punctuation stripped, legal suffixes such as inc/ltd/gmbh dropped from company names, the domain
taken from a website or a non-free email address, phone digits), then linked with Splink
(Fellegi–Sunter on DuckDB): blocking on normalised domain, email and name; comparisons on name
(exact, Jaro-Winkler levels), domain, email, phone, city and country where the entity has them;
u probabilities from a seeded random sample, m probabilities by EM over blocking rules. Pairs at
or above the cluster threshold are joined into clusters (connected components), then a person's
forced merges and splits (stored in the metastore) are applied, then every cluster gets a golden
id that stays stable across runs, and field-level survivorship builds one golden row per cluster
with the winning source of every field.

The output is one DuckDB file per run with ``account_golden``, ``contact_golden`` and
``golden_xref``, named in the manifest (``golden``) and published with the run's views.
See docs/engine.md, "Golden records".
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Iterable

import attrs

from autonomos.core.sqltext import qi, ql

log = logging.getLogger(__name__)

RESOLVE_VERSION = "1"
ENTITIES = ("account", "contact")
SEED = 42
CLUSTER_THRESHOLD = 0.7  # match probability at which two records are the same entity (bench/er.py chose it)
PREDICT_THRESHOLD = 0.5  # pairs kept from prediction (only those ≥ CLUSTER_THRESHOLD join clusters)
RULES = ("priority", "recent", "frequent", "earliest")
DEFAULT_RULES = ("priority", "recent", "frequent")
FIELD_RULES = {"updated_at": ("recent",), "created_at": ("earliest",)}
NOT_SURVIVED = ("id",)  # a source's own id means nothing across sources (the xref keeps it)
GOLDEN_TABLES = ("account_golden", "contact_golden", "golden_xref")
MIN_TABLES = 2  # source tables an entity needs before it is resolved into golden records

LEGAL_SUFFIXES = (
    "inc", "incorporated", "ltd", "limited", "llc", "llp", "lp", "plc", "corp", "corporation", "co", "company",
    "gmbh", "mbh", "ag", "kg", "ug", "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "ab", "oy", "oyj", "as", "asa",
    "aps", "pty", "pte", "kk", "bhd", "sdn", "the",
)
FREE_MAIL = (
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "hotmail.com", "outlook.com", "live.com",
    "msn.com", "aol.com", "icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com", "gmx.de", "gmx.net",
    "web.de", "mail.com", "yandex.ru", "qq.com", "163.com",
)
COUNTRIES = {
    "us": ("us", "usa", "united states", "united states of america", "america", "u s", "u s a"),
    "gb": ("gb", "uk", "united kingdom", "great britain", "england", "scotland", "wales", "u k"),
    "de": ("de", "germany", "deutschland"), "fr": ("fr", "france"), "es": ("es", "spain", "espana"),
    "it": ("it", "italy", "italia"), "nl": ("nl", "netherlands", "the netherlands", "holland", "nederland"),
    "se": ("se", "sweden", "sverige"), "ch": ("ch", "switzerland", "schweiz", "suisse"),
    "at": ("at", "austria", "osterreich"), "ca": ("ca", "canada"), "au": ("au", "australia"),
    "jp": ("jp", "japan"), "cl": ("cl", "chile"), "br": ("br", "brazil", "brasil"), "in": ("in", "india"),
    "ie": ("ie", "ireland"), "mx": ("mx", "mexico"), "no": ("no", "norway", "norge"),
    "dk": ("dk", "denmark", "danmark"), "fi": ("fi", "finland", "suomi"), "be": ("be", "belgium"),
    "pl": ("pl", "poland", "polska"), "pt": ("pt", "portugal"), "cn": ("cn", "china"),
    "sg": ("sg", "singapore"), "nz": ("nz", "new zealand"), "za": ("za", "south africa"),
}


@attrs.define
class ResolveSettings:
    """``mapping.golden`` of a pipeline: which entities to resolve and how."""

    enabled: bool = True
    entities: tuple[str, ...] = ENTITIES
    threshold: float = CLUSTER_THRESHOLD
    source_priority: tuple[str, ...] = ()  # empty: the pipeline's order of sources
    rules: dict[str, tuple[str, ...]] = attrs.field(factory=dict)  # field → rule chain


@attrs.define
class EntityResult:
    entity: str
    records: int
    golden: int
    linked_pairs: int
    seconds: float
    note: str | None = None


# -- normalisation (SQL) ------------------------------------------------------------------------
def _txt(col: str) -> str:
    return f"lower(strip_accents(trim(CAST({col} AS VARCHAR))))"


def name_sql(col: str, company: bool = True) -> str:
    """A name lowercased, accents, punctuation and (for a company) legal suffixes removed."""
    s = f"regexp_replace({_txt(col)}, '[.''’`]', '', 'g')"
    s = f"regexp_replace({s}, '[^a-z0-9]+', ' ', 'g')"
    if company:
        s = f"regexp_replace({s}, '\\b({'|'.join(LEGAL_SUFFIXES)})\\b', ' ', 'g')"
    return f"nullif(trim(regexp_replace({s}, '\\s+', ' ', 'g')), '')"


def domain_sql(website: str | None, email: str | None) -> str:
    """The registrable part of a website (scheme, www., path and port dropped), else the domain
    of an email address that is not a free mail provider."""
    parts = []
    if website:
        host = (f"regexp_extract({_txt(website)}, "
                f"'^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/]*@)?(?:www[0-9]?\\.)?([^/:?#\\s]+)', 1)")
        parts.append(f"nullif(rtrim({host}, '.'), '')")
    if email:
        dom = f"nullif(split_part({_txt(email)}, '@', 2), '')"
        parts.append(f"CASE WHEN {dom} IN ({', '.join(ql(d) for d in FREE_MAIL)}) THEN NULL ELSE {dom} END")
    if not parts:
        return "CAST(NULL AS VARCHAR)"
    return f"coalesce({', '.join(parts)})" if len(parts) > 1 else parts[0]


def email_sql(col: str) -> str:
    e = _txt(col)
    return f"CASE WHEN {e} LIKE '%_@_%' THEN {e} END"


def phone_sql(col: str) -> str:
    """The last 9 digits (so +49 30…, 0049-30… and 030… agree), when there are at least 7."""
    d = f"regexp_replace(CAST({col} AS VARCHAR), '[^0-9]', '', 'g')"
    return f"CASE WHEN length({d}) >= 7 THEN right({d}, 9) END"


def country_sql(col: str) -> str:
    c = f"trim(regexp_replace({_txt(col)}, '[^a-z]+', ' ', 'g'))"
    whens = " ".join(f"WHEN {c} IN ({', '.join(ql(n) for n in names)}) THEN {ql(code)}"
                     for code, names in COUNTRIES.items())
    return f"nullif(CASE {whens} ELSE {c} END, '')"


def feature_columns(entity: str, fields: set[str]) -> dict[str, str]:
    """Normalised comparison columns (name → SQL over the entity's canonical fields)."""
    out: dict[str, str] = {}
    has = fields.__contains__
    if entity == "account":
        if has("name"):
            out["name_n"] = name_sql(qi("name"))
        dom = domain_sql(qi("domain") if has("domain") else None, qi("email") if has("email") else None)
        if dom != "CAST(NULL AS VARCHAR)":
            out["domain_n"] = dom
    else:
        first = qi("first_name") if has("first_name") else None
        last = qi("last_name") if has("last_name") else None
        full = qi("full_name") if has("full_name") else None
        if full:  # "Ada Lovelace" → first/last when the source has only the full name
            first = f"coalesce({first}, split_part({full}, ' ', 1))" if first else f"split_part({full}, ' ', 1)"
            tail = f"nullif(regexp_extract({full}, '\\s(\\S+)\\s*$', 1), '')"
            last = f"coalesce({last}, {tail})" if last else tail
        if first:
            out["first_n"] = name_sql(first, company=False)
        if last:
            out["last_n"] = name_sql(last, company=False)
        if first or last:
            out["name_n"] = (f"nullif(trim(concat_ws(' ', {name_sql(first, False) if first else 'NULL'}, "
                             f"{name_sql(last, False) if last else 'NULL'})), '')")
        if has("email"):
            out["domain_n"] = domain_sql(None, qi("email"))
    if has("email"):
        out["email_n"] = email_sql(qi("email"))
    if has("phone"):
        out["phone_n"] = phone_sql(qi("phone"))
    if has("account_golden_id"):  # a contact's account, resolved first
        out["account_g"] = qi("account_golden_id")
    if has("city"):
        out["city_n"] = f"nullif(trim(regexp_replace({_txt(qi('city'))}, '[^a-z0-9]+', ' ', 'g')), '')"
    if has("country"):
        out["country_n"] = country_sql(qi("country"))
    return out


def build_features(con: Any, entity: str, source_sql: str, fields: list[str], out: str) -> dict[str, int]:
    """``out``: one row per record of ``source_sql`` (a relation with the entity's canonical fields
    and lineage) with its record key ``rk`` and the normalised columns; returns the non-null count
    of every normalised column."""
    feats = feature_columns(entity, set(fields))
    order = ", ".join(qi(f) for f in fields) or "1"
    key = ("_source || ':' || coalesce(_source_table, '') || ':' || coalesce(_source_id, "
           f"'#' || CAST(row_number() OVER (PARTITION BY _source, _source_table ORDER BY {order}) AS VARCHAR))")
    cols = ", ".join(f"{sql} AS {qi(name)}" for name, sql in feats.items())
    con.execute(f"CREATE OR REPLACE TEMP TABLE {qi(out)} AS SELECT {key} AS rk, * , {cols or 'NULL AS name_n'} "
                f"FROM ({source_sql}) src")
    if not feats:
        return {}
    counts = con.execute("SELECT " + ", ".join(f"count({qi(n)})" for n in feats) + f" FROM {qi(out)}").fetchone()
    return dict(zip(feats, counts))


# -- the Splink model -------------------------------------------------------------------------
def _comparisons(entity: str, present: set[str]) -> list[Any]:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    comps: list[Any] = []
    if entity == "account" and "name_n" in present:
        comps.append(cl.CustomComparison(output_column_name="name", comparison_levels=[
            cll.NullLevel("name_n"), cll.ExactMatchLevel("name_n"),
            cll.JaroWinklerLevel("name_n", 0.95), cll.JaroWinklerLevel("name_n", 0.88),
            cll.LevenshteinLevel("name_n", 2), cll.JaroWinklerLevel("name_n", 0.75), cll.ElseLevel()]))
    if entity == "contact":
        for col in ("first_n", "last_n"):
            if col in present:
                comps.append(cl.JaroWinklerAtThresholds(col, [0.92, 0.8]))
    if "domain_n" in present and entity == "account":  # a contact's domain repeats its email and account
        root = "split_part(domain_n, '.', 1)"
        comps.append(cl.CustomComparison(output_column_name="domain", comparison_levels=[
            cll.NullLevel("domain_n"), cll.ExactMatchLevel("domain_n"),
            cll.CustomLevel(f"{root.replace('domain_n', 'domain_n_l')} = {root.replace('domain_n', 'domain_n_r')}",
                            label_for_charts="same first label"),
            cll.ElseLevel()]))
    if "email_n" in present:  # no "same user name" level: it repeats the names (first.last@) or is billing@
        comps.append(cl.CustomComparison(output_column_name="email", comparison_levels=[
            cll.NullLevel("email_n"), cll.ExactMatchLevel("email_n"), cll.JaroWinklerLevel("email_n", 0.9),
            cll.ElseLevel()]))
    if "phone_n" in present:
        comps.append(cl.ExactMatch("phone_n"))
    if "account_g" in present:
        comps.append(cl.ExactMatch("account_g"))
    if "city_n" in present:
        comps.append(cl.ExactMatch("city_n"))
    if "country_n" in present:
        comps.append(cl.ExactMatch("country_n"))
    return comps


def _blocking(entity: str, present: set[str]) -> list[Any]:
    from splink import block_on

    rules = [block_on(c) for c in ("domain_n", "email_n", "name_n") if c in present
             and not (c == "domain_n" and entity == "contact")]
    if entity == "account" and "domain_n" in present:  # the same name under another TLD
        rules.append(block_on("split_part(domain_n, '.', 1)"))
    if entity == "account" and "name_n" in present:  # a typo after the first four letters, or before the last five
        rules.append(block_on("substr(name_n, 1, 4)", "coalesce(country_n, '')" if "country_n" in present else "1"))
        rules.append(block_on("right(name_n, 5)", "substr(name_n, 1, 1)"))
    if entity == "contact" and {"last_n", "phone_n"} <= present:
        rules.append(block_on("last_n", "phone_n"))
    if entity == "contact" and {"first_n", "last_n"} <= present:
        rules.append(block_on("substr(first_n, 1, 1)", "last_n"))
    return rules


def resolvable(entity: str, counts: dict[str, int]) -> str | None:
    """Why ``entity`` cannot be resolved with these non-null counts (None: it can)."""
    present = {c for c, n in counts.items() if n}
    if "name_n" not in present and "email_n" not in present:
        return "no name or email"
    if len(_comparison_columns(entity, present)) < 2:
        return "fewer than two fields to compare"
    return None


def _comparison_columns(entity: str, present: set[str]) -> set[str]:
    cols = {"domain_n", "email_n", "phone_n", "city_n", "country_n", "account_g"}
    cols |= {"name_n"} if entity == "account" else {"first_n", "last_n"}
    return cols & present


M_FLOOR = 0.002  # no level is an absolute veto: EM on small, clean data learns m = 0 for unseen levels


def _floor_m(linker: Any) -> None:
    """Keep every trained m probability at or above :data:`M_FLOOR` (and a level EM could not
    train at it), so one typo in a field never outweighs every other agreement."""
    for comp in linker._settings_obj.comparisons:
        for level in comp.comparison_levels:
            if level.is_null_level:
                continue
            m = level.m_probability
            if m is None or m < M_FLOOR:
                level.m_probability = M_FLOOR


def link(con: Any, table: str, entity: str, counts: dict[str, int], threshold: float = CLUSTER_THRESHOLD,
         seed: int = SEED, model: dict[str, Any] | None = None) -> tuple[dict[str, str], dict[str, float], int]:
    """Cluster the records of ``table`` (from :func:`build_features`) with Splink.

    ``model`` replaces the entity's comparisons, blocking rules, deterministic rules and EM
    blocking columns (``comparisons``, ``blocking``, ``deterministic``, ``em``): bench/er.py
    runs FEBRL's people through the same training and clustering. Returns (record key → cluster
    id, record key → best match probability within its cluster, number of linked pairs)."""
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    present = {c for c, n in counts.items() if n}
    model = model or {}
    comps = model.get("comparisons") or _comparisons(entity, present)
    blocking = model.get("blocking") or _blocking(entity, present)
    settings = SettingsCreator(
        link_type="dedupe_only", unique_id_column_name="rk", comparisons=comps,
        blocking_rules_to_generate_predictions=blocking, retain_intermediate_calculation_columns=False,
        retain_matching_columns=False, additional_columns_to_retain=[], probability_two_random_records_match=1e-4)
    logging.getLogger("splink").setLevel(logging.ERROR)  # "level not observed" etc. on small data
    linker = Linker(table, settings, DuckDBAPI(connection=con), set_up_basic_logging=False)
    train = linker.training
    deterministic = [block_on(c) for c in ("email_n", "domain_n", "phone_n") if c in present]
    if entity == "account" and "name_n" in present:
        deterministic.append(block_on("name_n"))
    if entity == "contact" and {"first_n", "last_n"} <= present:
        deterministic.append(block_on("first_n", "last_n"))
    deterministic = model.get("deterministic") or deterministic
    try:
        train.estimate_probability_two_random_records_match(deterministic, recall=0.8)
    except Exception as exc:  # too few pairs: the prior set above stays
        log.debug("prior not estimated: %s", exc)
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.execute("SET threads=1")  # a seeded DuckDB sample is repeatable only on one thread
    try:
        train.estimate_u_using_random_sampling(max_pairs=1e6, seed=seed)
    finally:
        con.execute(f"SET threads={int(threads)}")
    # EM sessions: each trains every comparison but the one it blocks on; two cover them all
    order = ("domain_n", "name_n", "email_n", "phone_n") if entity == "account" else ("name_n", "email_n", "phone_n")
    order = model.get("em") or order
    sessions = 0
    for col in order:
        if col not in present or sessions == 2:
            continue
        try:
            train.estimate_parameters_using_expectation_maximisation(block_on(col))
            sessions += 1
        except Exception as exc:  # no pairs under that rule, or EM found nothing: next rule
            log.debug("EM on %s skipped: %s", col, exc)
    _floor_m(linker)
    pred = linker.inference.predict(threshold_match_probability=min(PREDICT_THRESHOLD, threshold))
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, threshold_match_probability=threshold)
    cl_rows = con.execute(f"SELECT rk, cluster_id FROM {clusters.physical_name}").fetchall()
    best: dict[str, float] = {}
    pair_rows = con.execute(
        f"SELECT rk_l, rk_r, round(match_probability, 6) FROM {pred.physical_name} "
        f"WHERE match_probability >= {float(threshold)}").fetchall()
    for a, b, p in pair_rows:
        for k in (a, b):
            if p > best.get(k, -1.0):
                best[k] = float(p)
    for t in (clusters, pred):
        try:
            t.drop_table_from_database_and_remove_from_cache()
        except Exception:  # pragma: no cover - cleanup only
            pass
    return {str(k): str(c) for k, c in cl_rows}, best, len(pair_rows)


# -- overrides, ids ---------------------------------------------------------------------------
def apply_overrides(clusters: dict[str, str], overrides: Iterable[dict[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
    """Apply forced merges and splits, oldest first, to ``clusters`` (record key → cluster).

    A split detaches each of its keys into a cluster of its own; a merge joins the clusters of
    all its keys. Keys no longer present are ignored. Returns (clusters, key → override kind)."""
    out = dict(clusters)
    touched: dict[str, str] = {}
    for o in overrides:
        keys = [k for k in o["keys"] if k in out]
        if o["kind"] == "split":
            for k in keys:
                out[k] = f"split:{k}"
                touched[k] = "split"
        elif o["kind"] == "merge" and len(keys) > 1:
            target = out[keys[0]]
            joined = {out[k] for k in keys}
            for k, c in out.items():
                if c in joined:
                    out[k] = target
                    touched[k] = "merge"
    return out, touched


def golden_id(entity: str, key: str) -> str:
    prefix = {"account": "GA", "contact": "GC"}.get(entity, "G")
    return prefix + hashlib.sha1(f"{entity}|{key}".encode()).hexdigest()[:14]


def assign_ids(entity: str, clusters: dict[str, str], previous: dict[str, str]) -> dict[str, str]:
    """cluster → golden id: the previous id most of its members had (so ids survive re-runs,
    new members and merges), else one derived from its smallest member key."""
    members: dict[str, list[str]] = defaultdict(list)
    for k, c in clusters.items():
        members[c].append(k)
    claims = []
    for c, keys in members.items():
        votes = Counter(previous[k] for k in keys if k in previous)
        for gid, n in votes.items():
            claims.append((-n, min(keys), gid, c))
    claims.sort()
    ids: dict[str, str] = {}
    used: set[str] = set()
    for _, _, gid, c in claims:
        if c not in ids and gid not in used:
            ids[c] = gid
            used.add(gid)
    for c in sorted(members, key=lambda c: min(members[c])):
        if c in ids:
            continue
        for k in sorted(members[c]):
            gid = golden_id(entity, k)
            if gid not in used:
                break
        ids[c] = gid
        used.add(gid)
    return ids


# -- survivorship -----------------------------------------------------------------------------
def _order(rules: Iterable[str], field: str, has_ts: bool) -> str:
    keys = []
    for r in rules:
        if r == "priority":
            keys.append("_src_rank ASC")
        elif r == "recent" and has_ts:
            keys.append("_ts DESC NULLS LAST")
        elif r == "earliest" and has_ts:
            keys.append(f"{qi(field)} ASC" if field in ("created_at", "updated_at") else "_ts ASC NULLS LAST")
        elif r == "frequent":
            keys.append(f"{qi('_freq_' + field)} DESC")
    if field == "updated_at" and "recent" in rules:
        keys.insert(0, f"{qi(field)} DESC")
    return ", ".join(keys + ["rk ASC"])


def survivorship_sql(members: str, fields: list[str], rules: dict[str, tuple[str, ...]], has_ts: bool,
                     extra: dict[str, str] | None = None) -> str:
    """One golden row per ``golden_id`` of ``members`` (records with ``golden_id``, ``_source``,
    ``_src_rank``, ``_ts``, ``rk`` and the fields): each field's winner by its rule chain, and
    ``_field_sources`` (field → winning source)."""
    freq = ", ".join(f"count(*) OVER (PARTITION BY golden_id, {qi(f)}) AS {qi('_freq_' + f)}" for f in fields)
    sel, srcs = [], []
    for f in fields:
        chain = rules.get(f) or FIELD_RULES.get(f) or DEFAULT_RULES
        order = _order(chain, f, has_ts)
        sel.append(f"first({qi(f)} ORDER BY {order}) FILTER (WHERE {qi(f)} IS NOT NULL) AS {qi(f)}")
        srcs.append(f"struct_pack(k := {ql(f)}, v := first(_source ORDER BY {order}) "
                    f"FILTER (WHERE {qi(f)} IS NOT NULL))")
    for name, sql in (extra or {}).items():
        sel.append(f"{sql} AS {qi(name)}")
    field_sources = (f"map_from_entries(list_filter([{', '.join(srcs)}], x -> x.v IS NOT NULL))"
                     if srcs else "MAP {}")
    return (f"SELECT golden_id, {', '.join(sel)}{', ' if sel else ''}count(*) AS _members, "
            f"list_sort(list_distinct(list(_source))) AS _sources, {field_sources} AS _field_sources "
            f"FROM (SELECT *{', ' + freq if freq else ''} FROM {members}) GROUP BY golden_id")


# -- the stage --------------------------------------------------------------------------------
def resolve_entity(con: Any, entity: str, source_sql: str, fields: list[str], settings: ResolveSettings,
                   source_order: list[str], overrides: list[dict[str, Any]], previous: dict[str, str],
                   extra: dict[str, str] | None = None) -> tuple[EntityResult | None, str | None]:
    """Resolve one entity into temp tables ``er_golden_<entity>`` and ``er_xref_<entity>``;
    returns (result, reason it was skipped)."""
    started = time.monotonic()
    feat = f"er_feat_{entity}"
    counts = build_features(con, entity, source_sql, fields, feat)
    n = con.execute(f"SELECT count(*) FROM {qi(feat)}").fetchone()[0]
    why = resolvable(entity, counts)
    if why:
        return None, why
    if n > 1:
        clusters, best, pairs = link(con, feat, entity, counts, settings.threshold)
    else:
        rows = con.execute(f"SELECT rk FROM {qi(feat)}").fetchall()
        clusters, best, pairs = {r[0]: r[0] for r in rows}, {}, 0
    clusters, touched = apply_overrides(clusters, overrides)
    ids = assign_ids(entity, clusters, previous)
    size = Counter(clusters.values())
    con.execute(f"CREATE OR REPLACE TEMP TABLE er_map_{entity} (rk VARCHAR, golden_id VARCHAR, cluster_size BIGINT, "
                "match_probability DOUBLE, override VARCHAR)")
    rows = [(k, ids[c], size[c], best.get(k) if size[c] > 1 else None, touched.get(k))
            for k, c in sorted(clusters.items())]
    con.executemany(f"INSERT INTO er_map_{entity} VALUES (?, ?, ?, ?, ?)", rows)
    rank = {s: i for i, s in enumerate(list(settings.source_priority) + [s for s in source_order
                                                                        if s not in settings.source_priority])}
    rank_sql = ("CASE _source " + " ".join(f"WHEN {ql(s)} THEN {i}" for s, i in rank.items())
                + f" ELSE {len(rank)} END") if rank else "0"
    ts = [c for c in ("updated_at", "created_at") if c in fields]
    ts_sql = f"coalesce({', '.join(qi(c) for c in ts)})" if ts else "NULL"
    con.execute(f"CREATE OR REPLACE TEMP TABLE er_members_{entity} AS SELECT m.golden_id, f.*, "
                f"{rank_sql} AS _src_rank, {ts_sql} AS _ts FROM {qi(feat)} f JOIN er_map_{entity} m USING (rk)")
    survive = [f for f in fields if f not in NOT_SURVIVED]
    con.execute(f"CREATE OR REPLACE TEMP TABLE er_golden_{entity} AS "
                + survivorship_sql(f"er_members_{entity}", survive, settings.rules, bool(ts), extra)
                + " ORDER BY golden_id")
    con.execute(f"CREATE OR REPLACE TEMP TABLE er_xref_{entity} AS SELECT {ql(entity)} AS entity, m.golden_id, "
                "f._source AS source, f._source_table AS source_table, f._source_id AS source_id, f.rk AS record_key, "
                "m.cluster_size, m.match_probability, m.override "
                f"FROM {qi(feat)} f JOIN er_map_{entity} m USING (rk)")
    golden = len(ids)
    return EntityResult(entity, n, golden, pairs, round(time.monotonic() - started, 3)), None


# -- the stage: from a manifest to its golden file ----------------------------------------------
def settings_from(raw: Any) -> ResolveSettings:
    """``mapping.golden`` (a ResolveSettings, a dict from YAML or the stored spec, or None)."""
    if isinstance(raw, ResolveSettings):
        return raw
    raw = dict(raw or {})
    rules = {k: (v,) if isinstance(v, str) else tuple(v) for k, v in (raw.get("rules") or {}).items()}
    return ResolveSettings(enabled=bool(raw.get("enabled", True)),
                           entities=tuple(raw.get("entities") or ENTITIES),
                           threshold=float(raw.get("threshold", CLUSTER_THRESHOLD)),
                           source_priority=tuple(raw.get("source_priority") or ()), rules=rules)


def _fields(con: Any, entity: str) -> list[str]:
    rows = con.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = 'unified' "
                       f"AND table_name = {ql(entity)} ORDER BY ordinal_position").fetchall()
    return [r[0] for r in rows if not r[0].startswith("_")]


def _content(con: Any, entity: str) -> list[Any]:
    """Row count and an order-free hash of the entity's rows (load times and batch ids left out),
    so a re-run that loaded the same data again resolves nothing."""
    cols = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                                      f"'unified' AND table_name = {ql(entity)} ORDER BY ordinal_position").fetchall()
            if r[0] not in ("_loaded_at", "_batch_id")]
    n, h = con.execute(f"SELECT count(*), sum(hash({', '.join(qi(c) for c in cols)})::HUGEINT) "
                       f"FROM unified.{qi(entity)}").fetchone()
    return [n, str(h)]


def _digest(con: Any, entities: list[str], settings: ResolveSettings, order: list[str],
            overrides: list[dict[str, Any]]) -> str:
    payload = [RESOLVE_VERSION, {e: _content(con, e) for e in entities}, attrs.asdict(settings),
               order, [(o["id"], o["kind"], o["keys"]) for o in overrides]]
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:32]


def resolve_manifest(catalog: Any, manifest: dict[str, Any], settings: Any = None,
                     source_order: list[str] | None = None) -> dict[str, Any] | None:
    """Resolve the entities of ``manifest`` (not yet published) and name the golden file in it
    (``manifest["golden"]``); returns the summary (also kept in the manifest), or None when
    nothing is resolvable. Inputs unchanged since the published golden file: that file is kept."""
    settings = settings_from(settings)
    entities = [e for e in ENTITIES if e in settings.entities and e in manifest.get("entities", {})]
    # golden records join what several systems say of one customer: an entity fed by one table
    # has nothing to resolve across systems (and a small run would pay Splink's ~1.5 s for it)
    feeding = Counter(m.get("entity") for m in (manifest.get("mapped") or {}).values())
    entities = [e for e in entities if feeding[e] >= MIN_TABLES]
    if not settings.enabled or not entities:
        return None
    order = list(source_order or [])
    overrides = catalog.meta.golden_overrides()
    started = time.monotonic()
    from autonomos.core import guard

    con = guard.watch(catalog.open_manifest(manifest))  # a stopped run interrupts Splink's SQL
    try:
        digest = _digest(con, entities, settings, order, overrides)
        prev = (catalog.current_manifest() or {}).get("golden")
        prev_path = catalog.root / "tables" / prev["file"] if prev else None
        if prev and prev.get("digest") == digest and prev_path and prev_path.exists():
            manifest["golden"] = dict(prev, reused=True)
            return manifest["golden"]
        previous: dict[str, dict[str, str]] = defaultdict(dict)
        if prev_path and prev_path.exists():
            con.execute(f"ATTACH {ql(str(prev_path))} AS er_prev (READ_ONLY)")
            have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                             "WHERE table_catalog = 'er_prev'").fetchall()}
            if "golden_xref" in have:
                for ent, rk, gid in con.execute("SELECT entity, record_key, golden_id FROM er_prev.golden_xref").fetchall():
                    previous[ent][rk] = gid
            con.execute("DETACH er_prev")
        results: dict[str, Any] = {}
        skipped: dict[str, str] = {}
        resolved: list[str] = []
        for entity in entities:
            fields = _fields(con, entity)
            source_sql = f"SELECT * FROM unified.{qi(entity)}"
            if entity == "contact" and "account" in resolved and "account_id" in fields:
                source_sql = ("SELECT c.*, x.golden_id AS account_golden_id FROM unified.contact c LEFT JOIN "
                              "(SELECT source, source_id, min(golden_id) AS golden_id FROM er_xref_account "
                              "GROUP BY ALL) x ON x.source = c._source AND x.source_id = CAST(c.account_id AS VARCHAR)")
                fields = fields + ["account_golden_id"]
            mine = [o for o in overrides if o["entity"] == entity]
            res, why = resolve_entity(con, entity, source_sql, fields, settings, order, mine, previous[entity])
            if res is None:
                skipped[entity] = why or "not resolvable"
                continue
            resolved.append(entity)
            results[entity] = {"records": res.records, "golden": res.golden, "pairs": res.linked_pairs,
                               "seconds": res.seconds}
        if not resolved:
            return None
        file_id, path = catalog.new_table_file()
        con.execute(f"ATTACH {ql(str(path))} AS er_out")
        try:
            tables = []
            for entity in resolved:
                con.execute(f"CREATE TABLE er_out.{entity}_golden AS SELECT * FROM er_golden_{entity} ORDER BY golden_id")
                tables.append(f"{entity}_golden")
            con.execute("CREATE TABLE er_out.golden_xref AS " + " UNION ALL BY NAME ".join(
                f"SELECT * FROM er_xref_{e}" for e in resolved) + " ORDER BY entity, record_key")
            tables.append("golden_xref")
        finally:
            con.execute("DETACH er_out")
    finally:
        con.close()
    manifest["golden"] = {"file": path.name, "digest": digest, "tables": tables, "entities": results,
                          "skipped": skipped, "threshold": settings.threshold,
                          "seconds": round(time.monotonic() - started, 3)}
    return manifest["golden"]


def summary_note(golden: dict[str, Any] | None) -> str | None:
    if not golden:
        return None
    parts = [f"{e}: {r['records']:,} records → {r['golden']:,} golden" for e, r in golden.get("entities", {}).items()]
    parts += [f"{e} not resolved ({why})" for e, why in (golden.get("skipped") or {}).items()]
    if not parts:
        return None
    how = "unchanged since the last run, kept" if golden.get("reused") else f"threshold {golden.get('threshold')}"
    return f"golden records ({how}): " + "; ".join(parts)


def resolve_stage(catalog: Any, manifest: dict[str, Any], spec: Any, stats: dict[str, Any]) -> None:
    """The run's Resolve stage (after Unify, before publish): golden records into ``manifest``,
    their counts into ``stats`` (``golden``) and a line into ``stats["notes"]``."""
    from autonomos.core import guard

    manifest["golden"] = None  # a run says what its golden records are, even none
    try:
        golden = resolve_manifest(catalog, manifest, getattr(spec.mapping, "golden", None),
                                  [s.name for s in spec.sources])
    except guard.RunCancelled:
        raise
    except Exception as exc:  # the views publish without golden records rather than not at all
        guard.check()
        log.warning("resolve failed", exc_info=True)
        manifest["golden"] = None
        stats.setdefault("notes", []).append(f"golden records not built: {type(exc).__name__}: {exc}")
        return
    if golden:
        stats["golden"] = {e: {"records": r["records"], "golden": r["golden"]}
                           for e, r in golden.get("entities", {}).items()}
        note = summary_note(golden)
        if note:
            stats.setdefault("notes", []).append(note)


# -- a person's overrides (CLI, API) -------------------------------------------------------------
def _published(catalog: Any) -> tuple[Any, dict[str, Any]]:
    manifest = catalog.current_manifest()
    if not manifest or not manifest.get("golden"):
        from autonomos.core.errors import AutonomosError

        raise AutonomosError("no golden records published yet for this tenant: run a pipeline with accounts "
                             "or contacts first")
    return catalog.reader(), manifest


def members(catalog: Any, ref: str) -> tuple[str, str, list[str]] | None:
    """(entity, golden id, member record keys) of a golden id or a record key, or None."""
    con, _ = _published(catalog)
    try:
        row = con.execute("SELECT entity, golden_id FROM unified.golden_xref WHERE golden_id = ? OR record_key = ? "
                          "ORDER BY golden_id = ? DESC LIMIT 1", [ref, ref, ref]).fetchone()
        if row is None:
            return None
        keys = [r[0] for r in con.execute("SELECT record_key FROM unified.golden_xref WHERE golden_id = ? "
                                          "ORDER BY record_key", [row[1]]).fetchall()]
        return row[0], row[1], keys
    finally:
        con.close()


def force_merge(catalog: Any, refs: list[str], actor: str | None = None) -> dict[str, Any]:
    """Store a forced merge of golden records (ids or record keys) of one entity; applied on
    every later run (and by :func:`reresolve`)."""
    found = [(r, members(catalog, r)) for r in refs]
    missing = [r for r, m in found if m is None]
    if missing:
        raise KeyError(", ".join(missing))
    entities = {m[0] for _, m in found if m}
    if len(entities) != 1:
        raise ValueError(f"cannot merge records of different entities ({', '.join(sorted(entities))})")
    keys = sorted({k for _, m in found if m for k in m[2]})
    ids = [m[1] for _, m in found if m]
    oid = catalog.meta.add_golden_override(entities.pop(), "merge", keys, ids, actor)
    return {"id": oid, "kind": "merge", "golden_ids": ids, "records": len(keys)}


def force_split(catalog: Any, ref: str, actor: str | None = None) -> dict[str, Any]:
    """Store a forced split: a golden id → every member record stands alone; a record key → that
    record leaves its golden record."""
    m = members(catalog, ref)
    if m is None:
        raise KeyError(ref)
    entity, gid, keys = m
    keys = keys if ref == gid else [ref]
    oid = catalog.meta.add_golden_override(entity, "split", keys, [gid], actor)
    return {"id": oid, "kind": "split", "golden_ids": [gid], "records": len(keys)}


def reresolve(catalog: Any) -> dict[str, Any] | None:
    """Resolve the published views again (after an override) and publish, under the writer lock;
    the settings and source order are those of the last stored pipeline."""
    lock = catalog.writer_lock()
    lock.acquire(timeout=30)
    try:
        manifest = catalog.current_manifest()
        if not manifest:
            return None
        manifest = {k: v for k, v in manifest.items() if k not in ("version", "published_at", "golden")}
        stored = (catalog.meta.get("pipeline") or {}).get("spec") or {}
        order = [s.get("name") for s in stored.get("sources") or [] if isinstance(s, dict)]
        raw = (stored.get("mapping") or {}).get("golden") if isinstance(stored.get("mapping"), dict) else None
        golden = resolve_manifest(catalog, manifest, raw, order)
        manifest["golden"] = golden
        catalog.publish(manifest)
        return golden
    finally:
        lock.release()
