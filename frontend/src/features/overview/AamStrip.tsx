import { Group, Paper, SimpleGrid, Text, ThemeIcon, Title, Tooltip } from '@mantine/core';
import { IconArrowRight, IconPlugConnected, IconTransform, IconHexagons } from '@tabler/icons-react';
import type { DclState } from '../../api/types';
import { SourceIcon } from '../graph/SourceIcon';

/** The iPaaS-style strip Connect → Normalize → Unify, with live counts per stage. */
export function AamStrip({ state }: { state: DclState }) {
  const s = state.summary;
  const sources = state.graph.nodes.filter((n) => n.kind === 'source');
  const fmt = (n: number | undefined) => (n ?? 0).toLocaleString('en');
  const stages = [
    { title: 'Connect', icon: IconPlugConnected, color: 'blue', figures: [[fmt(s.sources), 'sources'], [fmt(s.tables), 'tables']] },
    { title: 'Normalize', icon: IconTransform, color: 'teal', figures: [[fmt(s.rows), 'rows'], [fmt(s.rejected), 'rejected']] },
    { title: 'Unify', icon: IconHexagons, color: 'indigo', figures: [[fmt(s.mapped_fields), 'mapped fields'], [fmt(s.entities), 'entities'], [fmt(s.review), 'to review']] },
  ];
  return (
    <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm" component="section" aria-label="Connect, normalize, unify">
      {stages.map((st, i) => (
        <Paper key={st.title} withBorder p="sm" radius="md" pos="relative" data-testid={`aam-${st.title.toLowerCase()}`}>
          <Group gap="xs" mb={6} wrap="nowrap">
            <ThemeIcon variant="light" color={st.color} radius="md"><st.icon size={18} aria-hidden /></ThemeIcon>
            <Title order={4}>{st.title}</Title>
            {i < stages.length - 1 && <IconArrowRight size={18} style={{ marginLeft: 'auto', opacity: 0.5 }} aria-hidden />}
          </Group>
          <Group gap="lg">
            {st.figures.map(([v, k]) => (
              <div key={k}>
                <Text fw={700} size="xl" style={{ fontVariantNumeric: 'tabular-nums' }}>{v}</Text>
                <Text size="xs" c="dimmed">{k}</Text>
              </div>
            ))}
          </Group>
          {st.title === 'Connect' && sources.length > 0 && (
            <Group gap={6} mt={8}>
              {sources.slice(0, 12).map((n) => (
                <Tooltip key={n.id} label={n.label}>
                  <span aria-label={n.label} role="img"><SourceIcon icon={n.icon} size={20} /></span>
                </Tooltip>
              ))}
              {sources.length > 12 && <Text size="xs" c="dimmed">+{sources.length - 12} more</Text>}
            </Group>
          )}
        </Paper>
      ))}
    </SimpleGrid>
  );
}
