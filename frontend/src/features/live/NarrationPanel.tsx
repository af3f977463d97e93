import { Paper, ScrollArea, Stack, Text, Title, ThemeIcon, Group, Spoiler } from '@mantine/core';
import { IconAlertTriangle, IconCircleCheck, IconInfoCircle, IconX } from '@tabler/icons-react';
import { useMemo } from 'react';
import { narrate, type Narration, type Tone } from './narration';
import { useLiveEvents } from './useLiveEvents';
import { demoStateParam, useDclState } from '../graph/useDclState';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';

/** The newest run, for the empty panel: the socket replays nothing from before the page opened,
 * so "waiting for the engine" after six runs would be untrue. */
function useLastRun() {
  return useQuery({
    queryKey: ['runs', 'latest'],
    enabled: !demoStateParam(),
    queryFn: async () => (await unwrap(api.GET('/api/v1/runs'))).items[0] ?? null,
    refetchInterval: 30_000,
  });
}

/** `The last run succeeded 5 min ago: 6 sources, 3,774 rows.` */
export function lastRunSentence(run: Schemas['RunOut'], now = Date.now()): string {
  const at = (run.finished_at ?? run.started_at) * 1000;
  const minutes = Math.max(0, Math.round((now - at) / 60_000));
  const ago = minutes < 1 ? 'just now' : minutes < 60 ? `${minutes} min ago` : minutes < 48 * 60
    ? `${Math.round(minutes / 60)} h ago` : `${Math.round(minutes / 1440)} days ago`;
  const verb = run.status === 'success' ? 'succeeded' : run.status === 'running' ? 'started' : run.status;
  const stats = (run.stats ?? {}) as Record<string, unknown>;
  const figures = (['sources', 'rows'] as const).filter((k) => typeof stats[k] === 'number')
    .map((k) => `${(stats[k] as number).toLocaleString('en-US')} ${k}`);
  return `The last run ${verb} ${ago}${figures.length ? `: ${figures.join(', ')}` : ''}.`;
}

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
  const lastRun = useLastRun().data;
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
              {lastRun
                ? `${lastRunSentence(lastRun)} What the engine does next appears here live.`
                : status === 'open' ? 'Waiting for the engine… run a connection to see it work.' : 'No live events yet. They appear here as the engine works.'}
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
