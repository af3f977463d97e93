import { Paper, ScrollArea, Stack, Text, Title, ThemeIcon, Group, Spoiler } from '@mantine/core';
import { IconAlertTriangle, IconCircleCheck, IconInfoCircle, IconX } from '@tabler/icons-react';
import { useMemo } from 'react';
import { narrate, type Narration, type Tone } from './narration';
import { useLiveEvents } from './useLiveEvents';
import { useDclState } from '../graph/useDclState';

const TONE: Record<Tone, { color: string; icon: typeof IconInfoCircle }> = {
  info: { color: 'blue', icon: IconInfoCircle },
  success: { color: 'green', icon: IconCircleCheck },
  warning: { color: 'orange', icon: IconAlertTriangle },
  error: { color: 'red', icon: IconX },
};

/** The plain-language stream of what the engine is doing, newest first. */
export function NarrationPanel({ labels, height = 420 }: { labels?: Record<string, string>; height?: number }) {
  const { events, status } = useLiveEvents();
  const state = useDclState();
  // agents and sources by their display names (RevOps, not revops)
  const names = useMemo(() => {
    const out: Record<string, string> = { ...labels };
    for (const n of state.data?.graph.nodes ?? []) if (n.kind === 'agent' && n.name) out[n.name] = n.label;
    return out;
  }, [state.data, labels]);
  const lines = useMemo(() => {
    const out: Narration[] = [];
    for (let i = events.length - 1; i >= 0 && out.length < 150; i--) {
      const n = narrate(events[i], names);
      if (n) out.push(n);
    }
    return out;
  }, [events, names]);
  return (
    <Paper withBorder p="sm" radius="md">
      <Title order={4} mb="xs">Narration</Title>
      <ScrollArea.Autosize mah={height} type="auto" scrollbars="y" role="log" aria-live="polite" aria-label="What the engine is doing" tabIndex={0}>
        <Stack gap={8} component="ol" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
          {lines.length === 0 && (
            <Text size="sm" c="dimmed" component="li">
              {status === 'open' ? 'Waiting for the engine… run a connection to see it work.' : 'No live events yet. They appear here as the engine works.'}
            </Text>
          )}
          {lines.map((l) => {
            const t = TONE[l.tone];
            return (
              <Group key={l.id} gap={8} wrap="nowrap" align="flex-start" component="li">
                <ThemeIcon size={20} radius="xl" variant="light" color={t.color}><t.icon size={14} aria-hidden /></ThemeIcon>
                <div style={{ minWidth: 0, overflowWrap: 'anywhere' }}>
                  <Text size="sm">{l.text}</Text>
                  {l.details && l.details.length > 0 && (
                    <Spoiler maxHeight={0} showLabel={`${l.details.length} field${l.details.length === 1 ? '' : 's'}`} hideLabel="hide" styles={{ control: { fontSize: 12 } }}>
                      {l.details.map((d) => <Text key={d} size="xs" c="dimmed">{d}</Text>)}
                    </Spoiler>
                  )}
                </div>
              </Group>
            );
          })}
        </Stack>
      </ScrollArea.Autosize>
    </Paper>
  );
}
