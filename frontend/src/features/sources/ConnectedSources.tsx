import { Alert, Badge, Code, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { problemMessage } from '../auth/problemMessage';
import { SourceIcon } from '../graph/SourceIcon';
import { useDclSources } from './useSources';

/** What the last successful connect produced: each source's tables with rows, rejected rows and fields. */
export function ConnectedSources() {
  const dcl = useDclSources();
  return (
    <Stack gap="md" component="section" aria-labelledby="connected-title">
      <Title order={3} id="connected-title">Connected data</Title>
      {dcl.isError && <Alert color="red">{problemMessage(dcl.error)}</Alert>}
      {dcl.data && dcl.data.length === 0 && <Text c="dimmed">No sources connected yet: run a source above, or connect the demo on the Connect page.</Text>}
      {(dcl.data ?? []).map((s) => (
        <Paper key={s.name} withBorder radius="md" p="md" component="section" aria-label={heading(s)} data-testid={`connected-${s.name}`}>
          <Group gap="sm" mb="sm">
            <SourceIcon icon={s.icon || s.connector} size={24} />
            <Title order={4}>{heading(s)}</Title>
            {s.title && s.title.toLowerCase() !== s.name.toLowerCase() && <Text size="sm" c="dimmed">{s.title}</Text>}
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
    </Stack>
  );
}

/** The source's name, in its title's casing when they are the same word ("Salesforce"). */
function heading(s: { name: string; title: string }): string {
  return s.title && s.title.toLowerCase() === s.name.toLowerCase() ? s.title : s.name;
}
