import { Accordion, Alert, Badge, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { problemMessage } from '../auth/problemMessage';
import { isDone, useTask } from '../connect/useConnect';
import { AgentResult } from './AgentResult';
import { useAgents } from './useViews';

/** Agents, what they last concluded (rendered generically), and a "Run now" that shows its task. */
export function AgentsPanel() {
  const agents = useAgents();
  return (
    <Stack gap="sm">
      <Title order={3}>Agents</Title>
      {agents.isError && <Alert color="red">{problemMessage(agents.error)}</Alert>}
      {(agents.data ?? []).map((a) => <AgentCard key={a.name} agent={a} />)}
    </Stack>
  );
}

type Agent = NonNullable<ReturnType<typeof useAgents>['data']>[number];

function AgentCard({ agent }: { agent: Agent }) {
  const qc = useQueryClient();
  const [taskId, setTaskId] = useState<string | null>(null);
  const run = useMutation({
    mutationFn: () => unwrap(api.POST('/aoa/agents/{name}/run', { params: { path: { name: agent.name } }, body: {} })),
    onSuccess: (task) => setTaskId(task.id),
  });
  const task = useTask(taskId);
  const done = isDone(task.data);
  useEffect(() => {
    if (done) void qc.invalidateQueries({ queryKey: ['aoa', 'agents'] });
  }, [done, qc]);
  const running = run.isPending || (!!taskId && !done);
  const finished = agent.last_finished_at ? new Date(agent.last_finished_at * 1000).toLocaleString() : null;
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-label={`Agent ${agent.title || agent.name}`} data-testid={`agent-${agent.name}`}>
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="xs">
        <div>
          <Title order={4}>{agent.title || agent.name}</Title>
          <Text size="sm" c="dimmed">{agent.description}</Text>
          <Text size="xs" c="dimmed">reads {agent.consumes.join(', ')}{finished ? ` · last run ${finished}` : ''}</Text>
        </div>
        <Group gap="xs">
          {!agent.enabled && <Badge color="gray" variant="light">needs {agent.consumes.join(' / ')} data</Badge>}
          {task.data && <Badge color={task.data.status === 'success' ? 'green' : task.data.status === 'failed' ? 'red' : 'blue'}>{task.data.status}</Badge>}
          <Button mih={44} variant="light" loading={running} disabled={!agent.enabled} onClick={() => run.mutate()}>Run now</Button>
        </Group>
      </Group>
      {run.isError && <Alert color="red" mt="xs">{problemMessage(run.error)}</Alert>}
      {task.data?.status === 'failed' && <Alert color="red" mt="xs">{task.data.error ?? 'the agent failed'}</Alert>}
      {agent.last_result ? (
        <Accordion mt="xs" variant="contained" defaultValue={null}>
          <Accordion.Item value="result">
            <Accordion.Control>
              <Text size="sm">{typeof agent.last_result.summary === 'string' ? agent.last_result.summary : 'Results'}</Text>
            </Accordion.Control>
            <Accordion.Panel><AgentResult result={agent.last_result} showSummary={typeof agent.last_result.summary !== 'string'} /></Accordion.Panel>
          </Accordion.Item>
        </Accordion>
      ) : (
        <Text size="sm" mt="xs" c="dimmed">No results yet.</Text>
      )}
    </Paper>
  );
}
