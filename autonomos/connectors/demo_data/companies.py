"""The fictional companies behind the demo dataset, and how each system spells them.

Kept apart from ``generate.py`` so the generator reads as "one writer per system". Every
name here is invented; the domains use real-looking TLDs but belong to no one we know of.
"""

from __future__ import annotations

import random
from typing import Any

# (official name, domain, industry, city, ISO country, invoice currency)
CORE: list[tuple[str, str, str, str, str, str]] = [
    ("Acme Corporation", "acme-corp.com", "Manufacturing", "Chicago", "US", "USD"),
    ("Globex Industries Inc.", "globex-ind.com", "Energy", "Houston", "US", "USD"),
    ("Initech Software LLC", "initech.io", "Technology", "Austin", "US", "USD"),
    ("Umbrella Health Systems", "umbrellahealth.com", "Healthcare", "Boston", "US", "USD"),
    ("Stark Analytics", "starkanalytics.ai", "Technology", "New York", "US", "USD"),
    ("Wayne Logistics Co.", "waynelogistics.com", "Transportation", "Newark", "US", "USD"),
    ("Hooli Cloud Inc.", "hooli.cloud", "Technology", "Palo Alto", "US", "USD"),
    ("Vandelay Imports", "vandelay-imports.com", "Retail", "New York", "US", "USD"),
    ("Soylent Foods Corp.", "soylentfoods.com", "Food & Beverage", "Portland", "US", "USD"),
    ("Cyberdyne Robotics", "cyberdyne-robotics.com", "Manufacturing", "Sunnyvale", "US", "USD"),
    ("Tyrell Biotech Inc.", "tyrellbio.com", "Biotechnology", "San Diego", "US", "USD"),
    ("Pied Piper Data", "piedpiperdata.com", "Technology", "San Francisco", "US", "USD"),
    ("Dunder Mifflin Paper", "dundermifflin-paper.com", "Retail", "Scranton", "US", "USD"),
    ("Oscorp Materials", "oscorp-materials.com", "Chemicals", "New York", "US", "USD"),
    ("Massive Dynamic LLC", "massivedynamic.io", "Technology", "Seattle", "US", "USD"),
    ("Nakatomi Trading", "nakatomi-trading.com", "Finance", "Los Angeles", "US", "USD"),
    ("Gringotts Capital Partners", "gringotts-capital.com", "Finance", "Charlotte", "US", "USD"),
    ("Monarch Solutions", "monarchsolutions.com", "Consulting", "Denver", "US", "USD"),
    ("Bluth Property Group", "bluthproperty.com", "Real Estate", "Newport Beach", "US", "USD"),
    ("Prestige Worldwide", "prestigeworldwide.co", "Media", "Los Angeles", "US", "USD"),
    ("Sterling Cooper Media", "sterlingcoopermedia.com", "Media", "New York", "US", "USD"),
    ("Wonka Confections Inc.", "wonkaconfections.com", "Food & Beverage", "Milwaukee", "US", "USD"),
    ("Aperture Labs", "aperturelabs.io", "Biotechnology", "Cleveland", "US", "USD"),
    ("Black Mesa Research", "blackmesa-research.org", "Education", "Albuquerque", "US", "USD"),
    ("Rekall Travel Inc.", "rekalltravel.com", "Hospitality", "Las Vegas", "US", "USD"),
    ("Cogswell Cogs", "cogswellcogs.com", "Manufacturing", "Detroit", "US", "USD"),
    ("Spacely Sprockets", "spacelysprockets.com", "Manufacturing", "Pittsburgh", "US", "USD"),
    ("Northwind Traders", "northwindtraders.com", "Wholesale", "Minneapolis", "US", "USD"),
    ("Contoso Pharmaceuticals", "contosopharma.com", "Healthcare", "Raleigh", "US", "USD"),
    ("Fabrikam Systems", "fabrikam-systems.com", "Technology", "Toronto", "CA", "USD"),
    ("Maple Leaf Freight", "mapleleaffreight.ca", "Transportation", "Vancouver", "CA", "USD"),
    ("Kangaroo Mining Ltd", "kangaroomining.com.au", "Mining", "Perth", "AU", "USD"),
    ("Thames Analytics Ltd", "thamesanalytics.co.uk", "Technology", "London", "GB", "GBP"),
    ("Brompton Insurance plc", "brompton-insurance.co.uk", "Insurance", "Manchester", "GB", "GBP"),
    ("Highland Distillers Ltd", "highlanddistillers.co.uk", "Food & Beverage", "Glasgow", "GB", "GBP"),
    ("Oxbridge Learning Ltd", "oxbridgelearning.co.uk", "Education", "Oxford", "GB", "GBP"),
    ("Müller Präzisionstechnik GmbH", "mueller-praezision.de", "Manufacturing", "Stuttgart", "DE", "EUR"),
    ("Schwarzwald Energie AG", "schwarzwald-energie.de", "Energy", "Freiburg", "DE", "EUR"),
    ("Berliner Datenwerk GmbH", "datenwerk.berlin", "Technology", "Berlin", "DE", "EUR"),
    ("Société Lumière SA", "societe-lumiere.fr", "Energy", "Lyon", "FR", "EUR"),
    ("Café Crème Distribution SARL", "cafecreme-distribution.fr", "Food & Beverage", "Paris", "FR", "EUR"),
    ("Hollandse Haven Logistiek BV", "hollandsehaven.nl", "Transportation", "Rotterdam", "NL", "EUR"),
    ("Tulip Fintech BV", "tulipfintech.nl", "Finance", "Amsterdam", "NL", "EUR"),
    ("Señor Frío Refrigeración SL", "senorfrio.es", "Manufacturing", "Valencia", "ES", "EUR"),
    ("Björk Design AB", "bjorkdesign.se", "Design", "Stockholm", "SE", "EUR"),
    ("Nørrebro Bryghus ApS", "norrebro-bryghus.dk", "Food & Beverage", "Copenhagen", "DK", "EUR"),
    ("Zürich Risk Data AG", "zurichriskdata.ch", "Insurance", "Zürich", "CH", "EUR"),
    ("Milano Moda SpA", "milanomoda.it", "Retail", "Milan", "IT", "EUR"),
    ("Dublin Digital Ltd", "dublindigital.ie", "Technology", "Dublin", "IE", "EUR"),
    ("Lisboa Telecom SA", "lisboatelecom.pt", "Telecommunications", "Lisbon", "PT", "EUR"),
]

# Prospects: only in the CRMs (Salesforce and HubSpot), never billed yet.
PROSPECTS: list[tuple[str, str, str, str, str, str]] = [
    ("Quantum Leap Ventures", "quantumleap.vc", "Finance", "Miami", "US", "USD"),
    ("Ironclad Security Inc.", "ironclad-sec.com", "Technology", "Arlington", "US", "USD"),
    ("Evergreen Farms Co-op", "evergreenfarms.coop", "Agriculture", "Des Moines", "US", "USD"),
    ("Polaris Aerospace", "polaris-aero.com", "Aerospace", "Huntsville", "US", "USD"),
    ("Crimson Tide Apparel", "crimsontideapparel.com", "Retail", "Birmingham", "US", "USD"),
    ("Atlas Freight Lines", "atlasfreight.com", "Transportation", "Memphis", "US", "USD"),
    ("Sapphire Hotels Group", "sapphirehotels.com", "Hospitality", "Orlando", "US", "USD"),
    ("Nordic Wind Power AS", "nordicwind.no", "Energy", "Oslo", "NO", "EUR"),
    ("Kyoto Precision KK", "kyoto-precision.jp", "Manufacturing", "Kyoto", "JP", "USD"),
    ("Andes Copper SA", "andescopper.cl", "Mining", "Santiago", "CL", "USD"),
]

COUNTRY_NAMES = {
    "US": ["United States", "USA", "US", "United States of America"],
    "CA": ["Canada", "CA"], "AU": ["Australia", "AU"], "GB": ["United Kingdom", "UK", "GB"],
    "DE": ["Germany", "Deutschland", "DE"], "FR": ["France", "FR"], "NL": ["Netherlands", "NL"],
    "ES": ["Spain", "ES"], "SE": ["Sweden", "SE"], "DK": ["Denmark", "DK"],
    "CH": ["Switzerland", "CH"], "IT": ["Italy", "IT"], "IE": ["Ireland", "IE"],
    "PT": ["Portugal", "PT"], "NO": ["Norway", "NO"], "JP": ["Japan", "JP"], "CL": ["Chile", "CL"],
}

FIRST_NAMES = ["Ava", "Liam", "Olivia", "Noah", "Emma", "Mateo", "Sophia", "Lucas", "Mia", "Ethan",
               "Isabella", "Aiden", "Amara", "Kenji", "Priya", "Omar", "Fatima", "Lars", "Ingrid",
               "Chloé", "Jürgen", "Sofía", "Niamh", "Giulia", "Pieter", "Astrid", "Rafael", "Grace",
               "Hannah", "Daniel", "Zoe", "Marcus", "Elena", "Tomás", "Yuki", "Leah", "Samuel"]
LAST_NAMES = ["Smith", "Johnson", "Garcia", "Chen", "Patel", "Müller", "Dubois", "Rossi", "Jansen",
              "Andersson", "O'Brien", "Nakamura", "Kowalski", "Silva", "Nguyen", "Brown", "Schmidt",
              "Martínez", "Lindqvist", "Murphy", "Okafor", "Haddad", "Kim", "Novak", "Fischer",
              "Walker", "Costa", "Hughes", "Bianchi", "Larsen"]
TITLES = ["CFO", "VP Finance", "Head of Data", "CTO", "Director of Operations", "Procurement Manager",
          "Controller", "VP Engineering", "IT Manager", "Accounts Payable Specialist", "CEO",
          "Head of Revenue Operations", None]

_SUFFIXES = (" Corporation", " Corp.", " Inc.", " LLC", " Ltd", " plc", " GmbH", " AG", " SA",
             " SARL", " BV", " SL", " AB", " ApS", " SpA", " Co.", " KK", " AS", " Co-op")


def brand(name: str) -> str:
    """The name without its legal suffix: what sales people type into HubSpot."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def build_companies(rng: random.Random) -> list[dict[str, Any]]:
    """Attributes shared by every system: size, tier, where each company is present, health."""
    companies: list[dict[str, Any]] = []
    rows = [(c, True) for c in CORE] + [(p, False) for p in PROSPECTS]
    for i, ((name, domain, industry, city, country, currency), customer) in enumerate(rows):
        employees = rng.choice([12, 25, 48, 80, 150, 240, 420, 900, 1800, 5200, 12000])
        tier = "Enterprise" if employees >= 1800 else "Mid-Market" if employees >= 150 else "SMB"
        c: dict[str, Any] = {
            "idx": i, "name": name, "brand": brand(name), "domain": domain, "industry": industry,
            "city": city, "country": country, "currency": currency, "customer": customer,
            "employees": employees, "tier": tier,
            "revenue": employees * rng.randint(90, 400) * 1000,
            "seats": max(3, employees // rng.choice([8, 12, 20, 40])),
        }
        if customer:
            missing = ("", "hubspot", "stripe", "erp", "billing")[i % 5]  # at most one per company
            for system in ("hubspot", "stripe", "erp", "billing"):
                c[f"in_{system}"] = system != missing
        else:
            c["in_hubspot"] = i % 2 == 0
            c["in_stripe"] = c["in_erp"] = c["in_billing"] = False
        # Accounts whose health score falls to red over the last three months.
        c["at_risk"] = customer and i in (2, 9, 15, 20, 27, 33, 41, 47)
        if c["at_risk"]:
            c["in_billing"] = True
        companies.append(c)
    for c in companies:
        if c["customer"]:
            n = 1 + c["in_hubspot"] + c["in_stripe"] + c["in_erp"] + c["in_billing"]
            if n < 4:
                raise ValueError(f"{c['name']} is in only {n} sources")
    return companies


def phone(rng: random.Random, country: str) -> str | None:
    """Phone numbers in the formats people actually type."""
    if rng.random() < 0.1:
        return None
    a, b, c = rng.randint(201, 989), rng.randint(200, 999), rng.randint(1000, 9999)
    if country in ("US", "CA"):
        return rng.choice([f"({a}) {b}-{c}", f"+1 {a} {b} {c}", f"{a}.{b}.{c}", f"{a}-{b}-{c}"])
    code = {"GB": 44, "DE": 49, "FR": 33, "NL": 31, "ES": 34, "SE": 46, "DK": 45, "CH": 41,
            "IT": 39, "IE": 353, "PT": 351, "AU": 61, "NO": 47, "JP": 81, "CL": 56}.get(country, 1)
    return rng.choice([f"+{code} {a} {b}{c}", f"00{code}-{a}-{b}-{c}", f"0{a} {b} {c}"])
