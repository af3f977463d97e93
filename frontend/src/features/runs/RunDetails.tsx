import { Alert, Badge, Drawer, Group, Loader, SimpleGrid, Table, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useRun } from './useRuns';
import { STATUS_COLOR, num, when } from './format';
import { problemMessage } from '../auth/problemMessage';
import { RunLog } from './RunLog';

interface Props {
  id: string | null;
  onClose: () => void;
}

/** One run in a drawer, stage by stage (connect → normalize → map → agents) and per table, with rejected,
 * deduplicated and unchanged counts, the run's notes (a key not used, ragged rows kept, a column left as text) and its log. */
export function RunDrawer({ id, onClose }: Props) {
  const isPhone = useMediaQuery('(max-width: 36em)');
  return (
    <Drawer opened={id !== null} onClose={onClose} position={isPhone ? 'bottom' : 'right'} size={isPhone ? '90%' : 'xl'}
      title={id ? `Run ${id}` : ''}>
      {id && <RunDetails id={id} />}
    </Drawer>
  );
}

function RunDetails({ id }: { id: string }) {
  const run = useRun(id);
  const stats = (run.data?.stats ?? {}) as Record<string, unknown>;
  const tables = run.data?.tables ?? [];
  const loaded = tables.reduce((sum, t) => sum + (t.loaded ?? 0), 0);
  const agents = (stats.agents && typeof stats.agents === 'object' ? stats.agents : {}) as Record<string, string>;
  const notes = Array.isArray(stats.notes) ? stats.notes.filter((n): n is string => typeof n === 'string') : [];
  const normalize = [`${num(stats.rows)} rows kept`, `${num(stats.rejected)} rejected`, `${num(stats.deduplicated)} deduplicated`,
    `${num(stats.bad_cells ?? 0)} unreadable cells set to null`];
  if (Number(stats.unchanged ?? 0) > 0) normalize.push(`${num(stats.unchanged)} tables unchanged, not read again`);
  return (
    <div data-testid="run-details">
      {run.data && (
        <Group gap="xs" mb="sm">
          <Badge color={STATUS_COLOR[run.data.status] ?? 'gray'}>{run.data.status}</Badge>
          <Text size="sm">{run.data.pipeline ?? '—'} · started {when(run.data.started_at)}{typeof stats.seconds === 'number' ? ` · ${num(stats.seconds)} s` : ''}</Text>
        </Group>
      )}
      {run.data?.error && <Alert color="red" mb="sm">{run.data.error}</Alert>}
      <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm" mb="sm">
        <Stage title="Connect" lines={[`${num(stats.sources)} sources, ${num(stats.tables)} tables`, `${run.data ? num(loaded) : '…'} rows read`]} />
        <Stage title="Normalize" lines={normalize} />
        <Stage title="Map" lines={[`${num(stats.mapped_fields)} fields mapped`, `${num(stats.review)} to review`, `${num(stats.entities)} entities`]} />
        <Stage title="Agents" lines={Object.keys(agents).length ? Object.entries(agents).map(([a, s]) => `${a}: ${s}`) : ['none']} />
      </SimpleGrid>
      {notes.length > 0 && (
        <Alert color="yellow" variant="light" mb="sm" title="Notes" data-testid="run-notes">
          <ul style={{ margin: 0, paddingLeft: '1.2em' }}>{notes.map((n) => <li key={n}><Text size="sm">{n}</Text></li>)}</ul>
        </Alert>
      )}
      {run.isLoading && <Loader size="sm" aria-label="Loading the run's tables" />}
      {run.isError && <Alert color="red">{problemMessage(run.error)}</Alert>}
      {tables.length > 0 && (
        <Table.ScrollContainer minWidth={620} scrollAreaProps={{ viewportProps: { tabIndex: 0, 'aria-label': `Tables of run ${id}` } }}>
          <Table verticalSpacing={4} fz="sm" withTableBorder>
            <Table.Thead>
              <Table.Tr><Table.Th>Table</Table.Th><Table.Th ta="right">Read</Table.Th><Table.Th ta="right">Kept</Table.Th><Table.Th ta="right">Rejected</Table.Th><Table.Th>Entity</Table.Th><Table.Th ta="right">Mapped</Table.Th><Table.Th ta="right">Review</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {tables.map((t) => (
                <Table.Tr key={`${t.source}.${t.table}`}>
                  <Table.Td>{t.source}.{t.table}</Table.Td>
                  <Table.Td ta="right">{num(t.loaded)}</Table.Td>
                  <Table.Td ta="right">{num(t.rows)}</Table.Td>
                  <Table.Td ta="right">{t.rejected ? <Badge color="red" variant="light">{num(t.rejected)}</Badge> : num(t.rejected)}</Table.Td>
                  <Table.Td>{t.entity ?? '—'}</Table.Td>
                  <Table.Td ta="right">{num(t.mapped)}</Table.Td>
                  <Table.Td ta="right">{num(t.review)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {run.data && tables.length === 0 && <Text size="sm" c="dimmed">No table reached a stage in this run.</Text>}
      {tables.some((t) => t.rejected === undefined) && (
        <Group mt={4}><Text size="xs" c="dimmed">Rejected rows per table are kept for a source's latest load only (— for older runs).</Text></Group>
      )}
      <RunLog key={id} id={id} />
    </div>
  );
}

function Stage({ title, lines }: { title: string; lines: string[] }) {
  return (
    <div>
      <Text size="sm" fw={600}>{title}</Text>
      {lines.map((l) => <Text key={l} size="sm">{l}</Text>)}
    </div>
  );
}
