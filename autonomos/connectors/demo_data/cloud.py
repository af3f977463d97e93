"""The AWS part of the demo dataset: a Cost and Usage Report (CUR) and a resource inventory.

January 2025, daily line items for ~70 resources across three linked accounts, plus two
incidents the FinOps agent should find: GPU instances left running for the ``ml-training``
project on 2025-01-17, and a NAT gateway data-processing surge on 2025-01-24.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

PAYER = "123456789012"
ACCOUNTS = {"prod": "210987654321", "staging": "345678901234", "data": "456789012345"}
START = datetime(2025, 1, 1, tzinfo=timezone.utc)
DAYS = 30
SPIKE_GPU_DAY = 16  # 2025-01-17
SPIKE_NAT_DAY = 23  # 2025-01-24

CUR_COLUMNS = [
    "identity/LineItemId", "identity/TimeInterval", "bill/PayerAccountId",
    "bill/BillingPeriodStartDate", "lineItem/UsageAccountId", "lineItem/LineItemType",
    "lineItem/UsageStartDate", "lineItem/UsageEndDate", "lineItem/ProductCode",
    "lineItem/UsageType", "lineItem/Operation", "lineItem/ResourceId", "lineItem/UsageAmount",
    "lineItem/CurrencyCode", "lineItem/UnblendedRate", "lineItem/UnblendedCost",
    "product/region", "product/instanceType", "pricing/unit", "resourceTags/user:Project",
    "resourceTags/user:Environment",
]

# (product code, usage type, operation, unit, hourly-ish rate, resource type, id prefix)
_KINDS: dict[str, tuple[str, str, str, str, float, str, str]] = {
    "ec2": ("AmazonEC2", "BoxUsage:m5.xlarge", "RunInstances", "Hrs", 0.192, "AWS::EC2::Instance", "i-"),
    "ec2_big": ("AmazonEC2", "BoxUsage:c5.4xlarge", "RunInstances", "Hrs", 0.68, "AWS::EC2::Instance", "i-"),
    "gpu": ("AmazonEC2", "BoxUsage:p3.8xlarge", "RunInstances", "Hrs", 12.24, "AWS::EC2::Instance", "i-"),
    "ebs": ("AmazonEC2", "EBS:VolumeUsage.gp3", "CreateVolume-Gp3", "GB-Mo", 0.08 / 30, "AWS::EC2::Volume", "vol-"),
    "rds": ("AmazonRDS", "InstanceUsage:db.r6g.large", "CreateDBInstance", "Hrs", 0.26, "AWS::RDS::DBInstance", "db-"),
    "s3": ("AmazonS3", "TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", 0.023 / 30, "AWS::S3::Bucket", ""),
    "lambda": ("AWSLambda", "Lambda-GB-Second", "Invoke", "Lambda-GB-Second", 0.0000166667, "AWS::Lambda::Function", ""),
    "nat": ("AmazonEC2", "NatGateway-Bytes", "NatGateway", "GB", 0.045, "AWS::EC2::NatGateway", "nat-"),
    "ddb": ("AmazonDynamoDB", "ReadRequestUnits", "PayPerRequest", "ReadRequestUnits", 0.00000025, "AWS::DynamoDB::Table", ""),
    "cf": ("AmazonCloudFront", "DataTransfer-Out-Bytes", "GET", "GB", 0.085, "AWS::CloudFront::Distribution", "E"),
}

_PLAN = [  # (kind, count, project, environment, account, daily usage (mean))
    ("ec2", 14, "web", "prod", "prod", 24), ("ec2", 6, "web", "staging", "staging", 24),
    ("ec2_big", 6, "api", "prod", "prod", 24), ("ec2", 4, "data-pipeline", "prod", "data", 24),
    ("ec2_big", 2, None, "dev", "staging", 24), ("ebs", 10, "web", "prod", "prod", 200),
    ("rds", 3, "api", "prod", "prod", 24), ("rds", 1, "data-pipeline", "prod", "data", 24),
    ("s3", 6, "data-pipeline", "prod", "data", 5000), ("s3", 2, None, "prod", "prod", 900),
    ("lambda", 6, "api", "prod", "prod", 400000), ("nat", 2, "web", "prod", "prod", 300),
    ("ddb", 2, "api", "prod", "prod", 8000000), ("cf", 1, "web", "prod", "prod", 1200),
    ("ec2", 2, "ml-training", "dev", "data", 24),
]
_REGIONS = ["us-east-1", "us-east-1", "us-east-1", "us-west-2", "eu-west-1"]


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _resources(rng: random.Random) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for kind, count, project, env, account, usage in _PLAN:
        prefix = _KINDS[kind][6]
        for n in range(count):
            if kind == "s3":
                rid = f"acme-{project or 'misc'}-{env}-{n:02d}"
            elif kind == "lambda":
                rid = f"arn:aws:lambda:us-east-1:{ACCOUNTS[account]}:function:{project}-fn-{n}"
            elif kind == "ddb":
                rid = f"arn:aws:dynamodb:us-east-1:{ACCOUNTS[account]}:table/{project}-table-{n}"
            elif kind == "cf":
                rid = prefix + _hex(rng, 13).upper()
            else:
                rid = prefix + _hex(rng, 17)
            out.append({"kind": kind, "id": rid, "project": project, "env": env, "account": account,
                        "usage": usage, "region": rng.choice(_REGIONS), "running": True,
                        "name": f"{project or 'untagged'}-{env}-{kind}-{n}",
                        "created": START - timedelta(days=rng.randint(20, 700))})
    for n in range(8):  # the forgotten GPU fleet: launched on the 17th, terminated on the 18th
        out.append({"kind": "gpu", "id": "i-" + _hex(rng, 17), "project": "ml-training", "env": "dev",
                    "account": "data", "usage": 0, "region": "us-east-1", "running": False,
                    "name": f"ml-training-gpu-{n}",
                    "created": START + timedelta(days=SPIKE_GPU_DAY, hours=rng.randint(1, 3))})
    return out


def _fmt(x: float) -> str:
    return f"{x:.10f}"


def write_aws(root: Path, rng: random.Random) -> None:
    """Write ``aws/cur_2025_01.csv.gz`` and ``aws/resources.json`` (AWS Config style)."""
    resources = _resources(rng)
    lines: list[list[str]] = []
    for day in range(DAYS):
        start = START + timedelta(days=day)
        end = start + timedelta(days=1)
        interval = f"{start:%Y-%m-%dT%H:%M:%SZ}/{end:%Y-%m-%dT%H:%M:%SZ}"
        for r in resources:
            product, utype, op, unit, rate, _, _ = _KINDS[r["kind"]]
            if r["kind"] == "gpu":
                if day != SPIKE_GPU_DAY:
                    continue
                usage = float(24 - rng.randint(1, 4))
            else:
                usage = r["usage"] * rng.uniform(0.9, 1.1) if r["usage"] != 24 else 24.0
                if r["kind"] == "nat" and day == SPIKE_NAT_DAY:
                    usage = 21000 + rng.uniform(0, 2000)
                if r["kind"] in ("lambda", "ddb", "cf", "nat") and start.weekday() >= 5:
                    usage *= 0.6  # weekend traffic
            cost = usage * rate
            region = r["region"]
            lines.append([
                _hex(rng, 52), interval, PAYER, "2025-01-01T00:00:00Z", ACCOUNTS[r["account"]],
                "Usage", f"{start:%Y-%m-%dT%H:%M:%SZ}", f"{end:%Y-%m-%dT%H:%M:%SZ}", product,
                ("USE1-" if region == "us-east-1" else "USW2-" if region == "us-west-2" else "EU-") + utype,
                op, r["id"], _fmt(usage), "USD", _fmt(rate), _fmt(cost), region,
                utype.split(":")[1] if utype.startswith("BoxUsage") or utype.startswith("Instance") else "",
                unit, r["project"] or "", r["env"],
            ])
        if day % 7 == 6:  # weekly support charge, not tied to a resource
            lines.append([_hex(rng, 52), interval, PAYER, "2025-01-01T00:00:00Z", ACCOUNTS["prod"],
                          "Fee", f"{start:%Y-%m-%dT%H:%M:%SZ}", f"{end:%Y-%m-%dT%H:%M:%SZ}",
                          "AWSSupportBusiness", "Dollar", "", "", "1.0000000000", "USD",
                          "", _fmt(41.5), "global", "", "", "", ""])
    # A promotional credit on the last day: negative cost, as AWS writes them.
    last = START + timedelta(days=DAYS - 1)
    lines.append([_hex(rng, 52), f"{last:%Y-%m-%dT%H:%M:%SZ}/{last + timedelta(days=1):%Y-%m-%dT%H:%M:%SZ}",
                  PAYER, "2025-01-01T00:00:00Z", ACCOUNTS["prod"], "Credit",
                  f"{last:%Y-%m-%dT%H:%M:%SZ}", f"{last + timedelta(days=1):%Y-%m-%dT%H:%M:%SZ}",
                  "AmazonEC2", "", "", "", "0.0000000000", "USD", "", _fmt(-250.0), "us-east-1",
                  "", "", "", ""])
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CUR_COLUMNS)
    writer.writerows(lines)
    (root / "aws").mkdir(parents=True, exist_ok=True)
    with open(root / "aws" / "cur_2025_01.csv.gz", "wb") as raw:
        # filename='' and mtime=0 keep the gzip header byte-identical from run to run
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(buf.getvalue().encode("utf-8"))

    inventory = []
    for r in resources:
        tags: dict[str, str] = {"Name": r["name"], "Environment": r["env"]}
        if r["project"]:
            tags["Project"] = r["project"]
        config: dict[str, Any] = {}
        if r["kind"] in ("ec2", "ec2_big", "gpu"):
            config = {"instanceType": _KINDS[r["kind"]][1].split(":")[1],
                      "state": {"name": "running" if r["running"] else "terminated"}}
        elif r["kind"] == "rds":
            config = {"dBInstanceClass": "db.r6g.large", "engine": "postgres"}
        inventory.append({
            "resourceType": _KINDS[r["kind"]][5], "resourceId": r["id"],
            "resourceName": r["name"], "awsRegion": r["region"], "accountId": ACCOUNTS[r["account"]],
            "resourceCreationTime": f"{r['created']:%Y-%m-%dT%H:%M:%S.000Z}",
            "configurationItemStatus": "OK" if r["running"] else "ResourceDeleted",
            "tags": tags, "configuration": config or None,
        })
    (root / "aws" / "resources.json").write_text(
        json.dumps(inventory, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
