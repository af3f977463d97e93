import { Alert, Button, Group, Paper, SegmentedControl, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { AgentsPanel } from './AgentsPanel';
import { useViewRows, useViews } from './useViews';
import { problemMessage } from '../auth/problemMessage';

const PAGE = 50;
const cell = (v: unknown) => (v == null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** Unified views, browsed a page at a time, and what the agents concluded. */
export function EntitiesPage() {
  const views = useViews();
  const [entity, setEntity] = useState<string | null>(null);
  const [offset, setOffset] = useState(0);
  const current = entity ?? views.data?.[0]?.entity ?? null;
  const rows = useViewRows(current, offset, PAGE);
  return (
    <Stack gap="md">
      <Title order={2}>Entities</Title>
      {views.isError && <Alert color="red">{problemMessage(views.error)}</Alert>}
      {views.data && views.data.length === 0 && <Text c="dimmed">No unified views yet: connect sources first.</Text>}
      {views.data && views.data.length > 0 && (
        <>
          <SegmentedControl
            aria-label="Unified view"
            value={current ?? ''}
            onChange={(v) => { setEntity(v); setOffset(0); }}
            data={views.data.map((v) => ({ value: v.entity, label: `${v.entity} (${v.rows.toLocaleString('en')})` }))}
            style={{ flexWrap: 'wrap' }}
          />
          <Paper withBorder radius="md">
            <Table.ScrollContainer minWidth={600} scrollAreaProps={{ viewportProps: { tabIndex: 0, 'aria-label': 'View rows' } }}>
              <Table striped highlightOnHover fz="sm" data-testid="view-rows">
                <Table.Thead><Table.Tr>{(rows.data?.columns ?? []).map((c) => <Table.Th key={c}>{c}</Table.Th>)}</Table.Tr></Table.Thead>
                <Table.Tbody>
                  {(rows.data?.rows ?? []).map((r, i) => (
                    <Table.Tr key={i}>{rows.data!.columns.map((c) => <Table.Td key={c} style={{ whiteSpace: 'nowrap' }}>{cell(r[c])}</Table.Td>)}</Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            {rows.data && (
              <Group justify="space-between" p="sm">
                <Text size="sm" c="dimmed">{rows.data.total ? `${offset + 1}–${Math.min(offset + PAGE, rows.data.total)} of ${rows.data.total.toLocaleString('en')}` : 'no rows'}</Text>
                <Group gap="xs">
                  <Button variant="default" mih={44} disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Previous</Button>
                  <Button variant="default" mih={44} disabled={rows.data.next_offset == null} onClick={() => setOffset(rows.data!.next_offset ?? offset)}>Next</Button>
                </Group>
              </Group>
            )}
            {rows.isError && <Alert color="red">{problemMessage(rows.error)}</Alert>}
          </Paper>
        </>
      )}
      <AgentsPanel />
    </Stack>
  );
}
