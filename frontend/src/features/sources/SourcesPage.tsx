import { Alert, Badge, Code, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { SourceIcon } from '../graph/SourceIcon';
import { useDclSources, useStoredSources } from './useSources';
import { problemMessage } from '../auth/problemMessage';

/**
 * Connected sources and their tables (rows, rejected, fields), then stored definitions.
 * Adding a source with a form generated from the connector's schema is still to come.
 */
export function SourcesPage() {
  const dcl = useDclSources();
  const stored = useStoredSources();
  return (
    <Stack gap="md">
      <Title order={2}>Sources</Title>
      {dcl.isError && <Alert color="red">{problemMessage(dcl.error)}</Alert>}
      {dcl.data && dcl.data.length === 0 && <Text c="dimmed">No sources connected yet.</Text>}
      {(dcl.data ?? []).map((s) => (
        <Paper key={s.name} withBorder radius="md" p="md" component="section" aria-label={s.title || s.name}>
          <Group gap="sm" mb="sm">
            <SourceIcon icon={s.icon || s.connector} size={24} />
            <Title order={4}>{s.title || s.name}</Title>
            <Badge variant="outline">{s.connector}</Badge>
            {s.status && <Badge color={s.status === 'ok' ? 'green' : 'red'}>{s.status}</Badge>}
          </Group>
          <Table.ScrollContainer minWidth={480}>
            <Table verticalSpacing={6} fz="sm">
              <Table.Thead><Table.Tr><Table.Th>Table</Table.Th><Table.Th>Rows</Table.Th><Table.Th>Rejected</Table.Th><Table.Th>Fields</Table.Th><Table.Th>Primary key</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {s.tables.map((t) => (
                  <Table.Tr key={t.name}>
                    <Table.Td><Code>{t.name}</Code></Table.Td>
                    <Table.Td>{t.rows.toLocaleString('en')}</Table.Td>
                    <Table.Td c={t.rejected ? 'red' : undefined}>{t.rejected}</Table.Td>
                    <Table.Td>{t.fields}</Table.Td>
                    <Table.Td>{t.primary_key.join(', ')}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      ))}
      <Title order={3}>Stored definitions</Title>
      {stored.isError && <Alert color="red">{problemMessage(stored.error)}</Alert>}
      {stored.data && stored.data.items.length === 0 && <Text c="dimmed">No stored sources (the demo needs none).</Text>}
      {(stored.data?.items ?? []).map((s) => (
        <Paper key={s.id} withBorder radius="md" p="sm">
          <Group gap="sm"><Text fw={600}>{s.name}</Text><Badge variant="outline">{s.connector}</Badge></Group>
          <Code block mt="xs">{JSON.stringify(s.config, null, 2)}</Code>
        </Paper>
      ))}
    </Stack>
  );
}
