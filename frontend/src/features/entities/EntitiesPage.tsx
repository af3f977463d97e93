import { Badge, Group, Paper, SimpleGrid, Text, Title } from '@mantine/core';
import { Pending } from '../../app/Pending';
import { useDclState } from '../graph/useDclState';

/** Unified entities (from /dcl/state); paginated rows wait for /dcl/views/{entity}. */
export function EntitiesPage() {
  const state = useDclState();
  const entities = (state.data?.graph.nodes ?? []).filter((n) => n.kind === 'entity');
  return (
    <Pending title="Entities" endpoints={['GET /dcl/views/{entity}?page=&size= (paginated rows)', 'GET /aoa/agents (agents and their last results)']}>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        {entities.map((e) => (
          <Paper key={e.id} withBorder p="sm" radius="md">
            <Group justify="space-between"><Title order={4}>{e.label}</Title><Text size="sm" c="dimmed">{(e.rows ?? 0).toLocaleString('en')} rows</Text></Group>
            <Group gap={4} mt={6}>{Array.isArray(e.fields) && e.fields.map((f) => <Badge key={f} variant="light" radius="xl" size="sm">{f}</Badge>)}</Group>
          </Paper>
        ))}
      </SimpleGrid>
    </Pending>
  );
}
