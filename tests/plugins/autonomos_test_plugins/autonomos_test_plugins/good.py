"""A well-behaved third-party plugin: one connector and one event observer."""

import os

import attrs
import pyarrow as pa

from autonomos import Connector, Field, FieldMapping, TableMapping, TableSchema, hookimpl


class InventoryConnector(Connector):
    name = "inventory"
    title = "Inventory (test plugin)"

    @attrs.define
    class Config:
        items: int = 3

    def check(self) -> None:
        pass

    def discover(self) -> list[TableSchema]:
        return [TableSchema("items", [Field("sku", "VARCHAR", ["A-1"]), Field("qty", "BIGINT", [1])], primary_key=["sku"])]

    def read(self, table, state):
        yield pa.RecordBatch.from_pylist([{"sku": f"A-{i}", "qty": i} for i in range(self.config.items)])


@hookimpl
def register_connectors(register):
    register(InventoryConnector)


@hookimpl
def on_event(event):
    path = os.environ.get("AUTONOMOS_TEST_EVENT_LOG")
    if path:
        with open(path, "a") as fh:
            fh.write(event.type + "\n")


class EchoProvider:
    """An LLM provider that answers locally (returns the schema's keys with the prompt's length)."""

    name = "echo-llm"

    def models(self):
        return ["echo-1"]

    def complete(self, prompt, schema):
        return {key: len(prompt) for key in (schema or {}).get("properties", {})}


@hookimpl
def register_llm_providers(register):
    register(EchoProvider())


class CountAgent:
    name = "count_accounts"
    title = "Count accounts"
    consumes = ["account"]

    def run(self, con):
        n = con.execute("SELECT count(*) FROM unified.account").fetchall()[0][0]
        return {"summary": f"{n} accounts", "accounts": n}


@hookimpl
def register_agents(register):
    register(CountAgent())


class SkuMapper:
    """Maps any field called sku to usage.metric (a deliberately odd rule, to be visible in tests)."""

    name = "sku_mapper"

    def map_table(self, table, ontology):
        fields = [FieldMapping(f.name, "metric" if f.name == "sku" else None, 0.99 if f.name == "sku" else 0.0,
                               mapper=self.name, reason="sku rule") for f in table.fields]
        return TableMapping(table.name, "usage", 0.99, fields, reason="sku rule", mapper=self.name)


@hookimpl
def register_mappers(register):
    register(SkuMapper())
