import { Alert, Badge, Group, Paper, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { problemMessage } from '../auth/problemMessage';
import { Pager } from './Pager';
import { RejectedPanel } from './RejectedPanel';
import { asArrays, RowsGrid } from './RowsGrid';
import { DEFAULT_ROWS, SqlConsole } from './SqlConsole';
import { TableList } from './TableList';
import { relationKey, useTableRows, useTables, type Relation } from './useData';
import classes from './data.module.css';

const PAGE = 50;
const TABS = [
  { value: 'preview', label: 'Preview' },
  { value: 'columns', label: 'Columns' },
  { value: 'rejected', label: 'Rejected' },
  { value: 'sql', label: 'SQL' },
] as const;
type Tab = (typeof TABS)[number]['value'];
const KIND = { unified: 'unified view', source: 'source table', quarantine: 'quarantine' } as const;

/** Everything the organization can query: pick a table to see its columns, rows and what it
 *  rejected, or ask in SQL. The table and tab live in ?table= and ?tab= so they can be linked. */
export function DataPage() {
  const tables = useTables();
  const [params, setParams] = useSearchParams();
  const relations = tables.data ?? [];
  const asked = params.get('table');
  const selected = relations.find((r) => relationKey(r) === asked) ?? relations[0] ?? null;
  const askedTab = params.get('tab');
  const tab: Tab = TABS.some((t) => t.value === askedTab) ? (askedTab as Tab) : 'preview';
  const [sql, setSql] = useState<string | null>(null);
  const [limit, setLimit] = useState<number | string>(DEFAULT_ROWS);
  const set = (next: { table?: string; tab?: Tab }) => {
    const p = new URLSearchParams(params);
    if (next.table) p.set('table', next.table);
    if (next.tab) p.set('tab', next.tab);
    setParams(p, { replace: true });
  };
  return (
    <Stack gap="md">
      <Title order={2}>Data</Title>
      {tables.isError && <Alert color="red">{problemMessage(tables.error)}</Alert>}
      {tables.data && relations.length === 0 && <Text c="dimmed">Nothing to browse yet: connect sources first.</Text>}
      {selected && (
        <div className={classes.layout}>
          <TableList relations={relations} selected={relationKey(selected)} onSelect={(key) => set({ table: key })} />
          <Stack gap="sm" className={classes.detail}>
            <Group gap="xs">
              <Title order={3} fz="h4" style={{ overflowWrap: 'anywhere' }} data-testid="table-title">{relationKey(selected)}</Title>
              <Badge variant="light">{KIND[selected.kind]}</Badge>
              <Badge variant="outline">{selected.rows.toLocaleString('en')} rows</Badge>
              {!!selected.rejected && <Badge color="red" variant="light">{selected.rejected} rejected</Badge>}
            </Group>
            <Tabs value={tab} onChange={(v) => v && set({ tab: v as Tab })} keepMounted={false}>
              <Tabs.List aria-label="Table views" style={{ flexWrap: 'nowrap' }}>
                {TABS.map((t) => <Tabs.Tab key={t.value} value={t.value} className={classes.tab}>{t.label}</Tabs.Tab>)}
              </Tabs.List>
              <Tabs.Panel value="preview" pt="md"><Preview key={relationKey(selected)} relation={selected} /></Tabs.Panel>
              <Tabs.Panel value="columns" pt="md"><Columns relation={selected} /></Tabs.Panel>
              <Tabs.Panel value="rejected" pt="md"><RejectedPanel key={relationKey(selected)} relation={selected} /></Tabs.Panel>
              <Tabs.Panel value="sql" pt="md">
                <SqlConsole sql={sql ?? `SELECT * FROM ${quoted(selected)} LIMIT 100`} onSql={setSql} limit={limit} onLimit={setLimit} />
              </Tabs.Panel>
            </Tabs>
          </Stack>
        </div>
      )}
    </Stack>
  );
}

/** `schema.name`, each part quoted only when SQL needs it. */
export function quoted(r: { schema: string; name: string }) {
  const q = (s: string) => (/^[a-z_][a-z0-9_]*$/.test(s) ? s : `"${s.replaceAll('"', '""')}"`);
  return `${q(r.schema)}.${q(r.name)}`;
}

function Preview({ relation }: { relation: Relation }) {
  const [offset, setOffset] = useState(0);
  const rows = useTableRows(relation.schema, relation.name, offset, PAGE);
  if (rows.isError) return <Alert color="red">{problemMessage(rows.error)}</Alert>;
  if (!rows.data) return <Text c="dimmed">Loading…</Text>;
  return (
    <Paper withBorder radius="md">
      <RowsGrid columns={rows.data.columns} types={rows.data.types} rows={asArrays(rows.data.columns, rows.data.rows)} label={`Rows of ${relationKey(relation)}`} testId="table-rows" />
      <Pager total={rows.data.total} offset={offset} limit={PAGE} nextOffset={rows.data.next_offset} onOffset={setOffset} />
    </Paper>
  );
}

function Columns({ relation }: { relation: Relation }) {
  return (
    <Paper withBorder radius="md">
      <Table fz="sm" data-testid="table-columns">
        <Table.Thead><Table.Tr><Table.Th>Column</Table.Th><Table.Th>Type</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {relation.columns.map((c) => (
            <Table.Tr key={c.name}><Table.Td style={{ overflowWrap: 'anywhere' }}>{c.name}</Table.Td><Table.Td><Text span ff="monospace" fz="sm">{c.type}</Text></Table.Td></Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}
