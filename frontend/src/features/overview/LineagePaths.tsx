import { Code, Group, Stack, Text } from '@mantine/core';
import type { Schemas } from '../../api/client';
import { confidenceTextColor } from '../graph/edgeStyle';
import { sourceName } from '../live/narration';

/** The matching paths in words: HubSpot companies.properties__domain → account.domain (0.97) → revops. */
export function LineagePaths({ paths }: { paths: Schemas['LineagePath'][] }) {
  if (!paths.length) return null;
  return (
    <Stack gap={2} aria-label="Lineage paths" data-testid="lineage-paths">
      {paths.slice(0, 8).map((p) => (
        <Group key={`${p.source}.${p.table}.${p.field}`} gap={6} wrap="wrap">
          <Text size="sm">{sourceName(p.source)}</Text>
          <Code>{p.table}.{p.field}</Code>
          <Text size="sm">→</Text>
          <Code>{p.entity}.{p.canonical ?? '?'}</Code>
          {p.confidence != null && <Text size="xs" style={{ color: confidenceTextColor(p.confidence) }}>{p.confidence.toFixed(2)}</Text>}
          {p.status !== 'accepted' && <Text size="xs" c="dimmed">({p.status})</Text>}
          {p.agents.length > 0 && <Text size="sm">→ {p.agents.join(', ')}</Text>}
        </Group>
      ))}
      {paths.length > 8 && <Text size="xs" c="dimmed">and {paths.length - 8} more</Text>}
    </Stack>
  );
}
