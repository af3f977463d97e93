import { Alert, Button, Checkbox, Grid, Group, Paper, Progress, Stack, Text, Title, Center, Loader } from '@mantine/core';
import { IconPlugConnected } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { useConnect, useConnectChoices, useTask, isDone } from './useConnect';
import { stageProgress } from './stageProgress';
import { useLiveEvents } from '../live/useLiveEvents';
import { NarrationPanel } from '../live/NarrationPanel';
import { useDclState } from '../graph/useDclState';
import { problemMessage } from '../auth/problemMessage';

const DclGraph = lazy(() => import('../graph/DclGraph'));

/** Choose sources and agents, connect, and watch it happen: timer, stage bars, log, graph. */
export function ConnectPage() {
  const { sources, agents } = useConnectChoices();
  const [demo, setDemo] = useState(true);
  const [picked, setPicked] = useState<string[]>([]);
  const [pickedAgents, setPickedAgents] = useState<string[] | null>(null);
  const connect = useConnect();
  const task = useTask(connect.data?.id);
  const { events } = useLiveEvents();
  const stages = useMemo(() => stageProgress(events), [events]);
  const state = useDclState();
  const [now, setNow] = useState(Date.now());
  const running = !!connect.data && !isDone(task.data);
  const qc = useQueryClient();
  const finished = isDone(task.data);
  // the graph refetches on events; this covers a run whose events this page did not see
  useEffect(() => {
    if (finished) void qc.invalidateQueries({ queryKey: ['dcl'] });
  }, [finished, qc]);
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, [running]);
  const startedAt = connect.submittedAt || 0;
  const finishedAt = task.data?.finished_at ? Date.parse(task.data.finished_at) : null;
  const elapsed = startedAt ? ((finishedAt ?? now) - startedAt) / 1000 : 0;

  const submit = () =>
    connect.mutate({ demo, sources: picked, agents: pickedAgents ?? undefined, exclusive: false, full_refresh: false }); // connected sources not picked stay

  return (
    <Stack gap="md">
      <Title order={2}>Connect</Title>
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 5, lg: 4 }}>
          <Stack gap="md">
            <Paper withBorder p="md" radius="md" component="section" aria-labelledby="choose-title">
              <Title order={4} id="choose-title" mb="sm">Sources and agents</Title>
              <Stack gap="xs">
                <Checkbox size="md" label="Demo: Salesforce, HubSpot, Stripe, ERP, billing DB, AWS" checked={demo} onChange={(e) => setDemo(e.currentTarget.checked)} />
                {(sources.data?.items ?? []).map((s) => (
                  <Checkbox key={s.id} size="md" label={`${s.name} (${s.connector})`} checked={picked.includes(s.name)}
                    onChange={(e) => setPicked((p) => (e.currentTarget.checked ? [...p, s.name] : p.filter((x) => x !== s.name)))} />
                ))}
                {sources.isError && <Text size="sm" c="dimmed">Stored sources unavailable: {problemMessage(sources.error)}</Text>}
                <Text size="sm" fw={500} mt="xs">Agents</Text>
                {(agents.data ?? []).map((a) => (
                  <Checkbox key={a.name} size="md" label={a.title || a.name} checked={pickedAgents ? pickedAgents.includes(a.name) : true}
                    onChange={(e) => {
                      const all = (agents.data ?? []).map((x) => x.name);
                      const cur = pickedAgents ?? all;
                      setPickedAgents(e.currentTarget.checked ? [...cur, a.name] : cur.filter((x) => x !== a.name));
                    }} />
                ))}
              </Stack>
              <Button mt="md" size="md" fullWidth leftSection={<IconPlugConnected size={18} />} onClick={submit}
                loading={connect.isPending || running} disabled={!demo && picked.length === 0}>
                Connect
              </Button>
              {connect.isError && <Alert mt="sm" color="red" role="alert">{problemMessage(connect.error)}</Alert>}
            </Paper>
            {connect.data && (
              <Paper withBorder p="md" radius="md" component="section" aria-label="Connection progress" data-testid="connect-progress">
                <Group justify="space-between" mb="xs">
                  <Text fw={600}>{task.data?.status ?? connect.data.status}</Text>
                  <Text ff="monospace" aria-label="Connection timer">{elapsed.toFixed(1)} s</Text>
                </Group>
                {task.data?.progress_message && <Text size="sm" c="dimmed" mb="xs">{task.data.progress_message}</Text>}
                <Stack gap={8}>
                  {stages.map((s) => (
                    <div key={s.key}>
                      <Group justify="space-between"><Text size="sm">{s.label}</Text><Text size="xs" c="dimmed">{s.done} / {s.total || '…'}</Text></Group>
                      <Progress value={s.total ? (100 * s.done) / s.total : 0} aria-label={`${s.label} progress`} animated={running && s.done < s.total} />
                    </div>
                  ))}
                </Stack>
                {task.data?.error && <Alert mt="sm" color="red">{task.data.error}</Alert>}
              </Paper>
            )}
            <NarrationPanel height={320} />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7, lg: 8 }}>
          {state.data && state.data.graph.nodes.length > 0 ? (
            <Suspense fallback={<Center h={420}><Loader aria-label="Loading the graph" /></Center>}>
              <DclGraph state={state.data} />
            </Suspense>
          ) : (
            <Paper withBorder p="xl" radius="md"><Text c="dimmed">Nothing connected yet: the graph appears here as sources connect.</Text></Paper>
          )}
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
