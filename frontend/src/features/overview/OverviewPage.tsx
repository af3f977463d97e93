import { Alert, Anchor, Button, Center, Grid, Group, Loader, Stack, Title } from '@mantine/core';
import { IconPlayerPlay } from '@tabler/icons-react';
import { Link } from 'react-router';
import { lazy, Suspense, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import { useDclState, demoStateParam } from '../graph/useDclState';
import { lineage } from '../graph/lineage';
import { AamStrip } from './AamStrip';
import { LineageSearch } from './LineageSearch';
import { LineagePaths } from './LineagePaths';
import { useLineage } from './useLineage';
import { NarrationPanel } from '../live/NarrationPanel';
import { LearningPanel } from '../learning/LearningPanel';
import { useLiveStore } from '../live/useLiveEvents';
import { problemMessage } from '../auth/problemMessage';
import { ApiError } from '../../api/problem';

type GraphComponent = typeof import('../graph/DclGraph').default;
/** The graph chunk once loaded: rendered directly, so a chunk that is already here never suspends
 * (React holds revealed Suspense content back up to 300 ms after a fallback). */
let loadedGraph: GraphComponent | null = null;
const loadGraph = () => import('../graph/DclGraph').then((m) => ((loadedGraph = m.default), m));
const LazyGraph = lazy(loadGraph);

export function OverviewPage() {
  const state = useDclState();
  // start the ELK worker and fetch the graph chunk while /dcl/state is on its way (the worker's
  // script load and start-up then overlap the request instead of following it)
  useEffect(() => {
    void import('../graph/elk').then((m) => m.warmElk());
    void loadGraph();
  }, []);
  // chosen when the graph first shows and kept (switching component types would remount it)
  const graphType = useRef<GraphComponent | typeof LazyGraph | null>(null);
  if (state.data && !graphType.current) graphType.current = loadedGraph ?? LazyGraph;
  const DclGraph = graphType.current ?? LazyGraph;
  const [q, setQ] = useState('');
  const dq = useDeferredValue(q);
  const store = useLiveStore();
  const demo = demoStateParam();
  // the server's field-level lineage when it answers; the graph-only walk otherwise (demo preview)
  const remote = useLineage(dq);
  const highlight = useMemo(() => {
    if (!dq.trim()) return null;
    if (remote.data && !remote.isError) return new Set(remote.data.highlight);
    return state.data ? lineage(state.data, dq) : null;
  }, [state.data, dq, remote.data, remote.isError]);
  const labels = useMemo(() => {
    const out: Record<string, string> = {};
    for (const n of state.data?.graph.nodes ?? []) {
      if (n.kind === 'agent' && n.name) out[n.name] = n.label;
    }
    return out;
  }, [state.data]);

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <Title order={2}>Overview</Title>
        {demo && store && (
          <Button leftSection={<IconPlayerPlay size={16} />} variant="light" mih={44} onClick={() => import('../live/demoReplay').then((m) => m.replayDemo(store))}>
            Replay the demo run
          </Button>
        )}
      </Group>
      {state.isPending && <Center h={200}><Loader aria-label="Loading the graph" /></Center>}
      {state.isError && (
        <Alert color={state.error instanceof ApiError && state.error.status === 404 ? 'yellow' : 'red'} title="No graph yet">
          {state.error instanceof ApiError && state.error.status === 404
            ? 'The server does not serve GET /dcl/state yet.'
            : problemMessage(state.error)}
        </Alert>
      )}
      {state.data && (
        <>
          <AamStrip state={state.data} />
          <Grid gap="md">
            <Grid.Col span={{ base: 12, lg: 9 }}>
              <Stack gap="sm">
                <LineageSearch value={q} onChange={setQ} matches={highlight ? highlight.size : null} />
                {dq.trim() && remote.data && <LineagePaths paths={remote.data.paths} />}
                {state.data.graph.nodes.length === 0 ? (
                  <Alert color="blue" title="Nothing connected yet">
                    Connect the demo or your own sources on the <Anchor component={Link} to="/connect">Connect</Anchor> page; the graph draws itself as data flows.
                  </Alert>
                ) : (
                  <Suspense fallback={<Center h={420}><Loader aria-label="Loading the graph" /></Center>}>
                    <DclGraph state={state.data} highlight={highlight} />
                  </Suspense>
                )}
              </Stack>
            </Grid.Col>
            <Grid.Col span={{ base: 12, lg: 3 }}>
              <Stack gap="md">
                <NarrationPanel labels={labels} />
                <LearningPanel />
              </Stack>
            </Grid.Col>
          </Grid>
        </>
      )}
    </Stack>
  );
}
