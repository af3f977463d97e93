import { Badge, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';

/**
 * Renders any agent's JSON result without knowing the agent: each top-level section becomes a
 * titled block; scalars become figures, lists of records become tables (first rows), lists of
 * scalars become badges. Agents are plugins, so the console cannot hard-code their shapes.
 */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const SKIP = new Set(['agent', 'summary', 'available']);
const MAX_ROWS = 8;

export const humanize = (key: string) => key.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

export function formatValue(key: string, v: Json): string {
  if (v == null) return '—';
  if (typeof v === 'number') {
    if (/(^|_)(rate|share|ratio)$/.test(key) && Math.abs(v) <= 1) return `${(v * 100).toFixed(1)} %`;
    return Number.isInteger(v) ? v.toLocaleString('en') : v.toLocaleString('en', { maximumFractionDigits: 2 });
  }
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x))).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return v;
}

const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isRecordList = (v: Json): v is Obj[] => Array.isArray(v) && v.length > 0 && v.every(isObj);

function RecordTable({ name, rows }: { name: string; rows: Obj[] }) {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((c) => !isRecordList(rows[0][c] ?? null));
  return (
    <Table.ScrollContainer minWidth={420}>
      <Table fz="xs" verticalSpacing={4} aria-label={humanize(name)}>
        <Table.Thead><Table.Tr>{columns.map((c) => <Table.Th key={c}>{humanize(c)}</Table.Th>)}</Table.Tr></Table.Thead>
        <Table.Tbody>
          {rows.slice(0, MAX_ROWS).map((r, i) => (
            <Table.Tr key={i}>{columns.map((c) => <Table.Td key={c}>{formatValue(c, r[c] ?? null)}</Table.Td>)}</Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {rows.length > MAX_ROWS && <Text size="xs" c="dimmed">and {rows.length - MAX_ROWS} more</Text>}
    </Table.ScrollContainer>
  );
}

function Section({ name, value }: { name: string; value: Json }) {
  if (isObj(value) && value.available === false) {
    return (
      <Stack gap={2}>
        <Title order={5}>{humanize(name)}</Title>
        <Text size="sm" c="dimmed">Not available{typeof value.reason === 'string' ? `: ${value.reason}` : ''}</Text>
      </Stack>
    );
  }
  const body: Obj = isObj(value) ? value : { [name]: value };
  const entries = Object.entries(body).filter(([k]) => !SKIP.has(k));
  const scalars = entries.filter(([, v]) => !isRecordList(v) && !isObj(v) && !(Array.isArray(v) && v.length > 0));
  const lists = entries.filter(([, v]) => Array.isArray(v) && v.length > 0 && !isRecordList(v));
  const tables = entries.filter(([, v]) => isRecordList(v)) as [string, Obj[]][];
  const nested = entries.filter(([, v]) => isObj(v));
  return (
    <Stack gap={6}>
      <Title order={5}>{humanize(name)}</Title>
      {scalars.length > 0 && (
        <SimpleGrid cols={{ base: 2, sm: 3 }} spacing="xs">
          {scalars.map(([k, v]) => (
            <div key={k}>
              <Text size="xs" c="dimmed">{humanize(k)}</Text>
              <Text size="sm" fw={600}>{formatValue(k, v)}</Text>
            </div>
          ))}
        </SimpleGrid>
      )}
      {lists.map(([k, v]) => (
        <Group key={k} gap={4}>
          <Text size="xs" c="dimmed">{humanize(k)}:</Text>
          {(v as Json[]).slice(0, 20).map((x, i) => <Badge key={i} variant="light" size="sm">{formatValue(k, x)}</Badge>)}
        </Group>
      ))}
      {tables.map(([k, rows]) => <RecordTable key={k} name={k} rows={rows} />)}
      {nested.map(([k, v]) => <Section key={k} name={k} value={v} />)}
    </Stack>
  );
}

/** ``showSummary=false`` when the caller already shows the one-line summary (e.g. as a heading). */
export function AgentResult({ result, showSummary = true }: { result: Record<string, unknown>; showSummary?: boolean }) {
  const sections = Object.entries(result as Obj).filter(([k]) => !SKIP.has(k));
  return (
    <Stack gap="md" data-testid="agent-result">
      {showSummary && typeof result.summary === 'string' && <Text size="sm">{result.summary}</Text>}
      {sections.map(([k, v]) => <Section key={k} name={k} value={v} />)}
    </Stack>
  );
}
