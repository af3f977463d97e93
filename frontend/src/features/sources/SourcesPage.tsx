import { Paper, Table, Text } from '@mantine/core';
import { Pending } from '../../app/Pending';
import { useDclState } from '../graph/useDclState';
import { SourceIcon } from '../graph/SourceIcon';

/** Connected sources (from /dcl/state for now); add/test/run waits for /api/v1/sources. */
export function SourcesPage() {
  const state = useDclState();
  const nodes = state.data?.graph.nodes ?? [];
  const sources = nodes.filter((n) => n.kind === 'source');
  return (
    <Pending title="Sources" endpoints={['GET/POST /api/v1/sources (+ connector config JSON schema)', 'POST /api/v1/sources/{id}/test', 'POST /dcl/connect']}>
      {sources.length > 0 && (
        <Paper withBorder radius="md">
          <Table.ScrollContainer minWidth={480}>
            <Table verticalSpacing="sm">
              <Table.Thead><Table.Tr><Table.Th>Source</Table.Th><Table.Th>Connector</Table.Th><Table.Th>Tables</Table.Th><Table.Th>Rows</Table.Th><Table.Th>Status</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {sources.map((s) => {
                  const tables = nodes.filter((n) => n.kind === 'table' && n.source === s.name);
                  return (
                    <Table.Tr key={s.id}>
                      <Table.Td><SourceIcon icon={s.icon ?? s.connector} size={18} /> {s.label}</Table.Td>
                      <Table.Td>{s.connector}</Table.Td>
                      <Table.Td>{tables.length}</Table.Td>
                      <Table.Td>{tables.reduce((a, t) => a + (t.rows ?? 0), 0).toLocaleString('en')}</Table.Td>
                      <Table.Td><Text size="sm" c={s.status === 'ok' ? 'green' : 'red'}>{s.status}</Text></Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
    </Pending>
  );
}
