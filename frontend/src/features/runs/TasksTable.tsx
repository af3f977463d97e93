import { Alert, Badge, Button, Group, Paper, Progress, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import type { UseMutationResult } from '@tanstack/react-query';
import { isActive, isRetryable, useCancelTask, useRetryTask, useTasks, type Task } from './useRuns';
import { STATUS_COLOR, percent, shortId, when } from './format';
import { problemMessage } from '../auth/problemMessage';
import { useRole } from '../settings/useSettings';

interface Props {
  onOpenRun: (id: string) => void;
}

type Mutation = UseMutationResult<unknown, Error, string>;

/**
 * Tasks newest first: progress, attempts, error; cancel while queued or running, retry once
 * failed or cancelled. A table on wide screens, one card per task on a phone.
 */
export function TasksTable({ onOpenRun }: Props) {
  const tasks = useTasks();
  const cancel = useCancelTask();
  const retry = useRetryTask();
  const phone = useMediaQuery('(max-width: 62em)');
  const { role } = useRole();
  const viewer = role === 'viewer'; // read-only: the server answers 403, so offer no actions
  const items = tasks.data?.items ?? [];
  const retriedAs = new Map<string, Task>();
  for (const t of items) if (t.retry_of && !retriedAs.has(t.retry_of)) retriedAs.set(t.retry_of, t);
  const row = (t: Task) => ({
    t,
    next: retriedAs.get(t.id),
    runId: typeof t.result?.run_id === 'string' ? t.result.run_id : null,
    // a task is retried once (the server answers 409 after that): offer Retry on the newest of the chain
    actions: viewer ? null : <Actions t={t} retried={retriedAs.has(t.id)} cancel={cancel as Mutation} retry={retry as Mutation} />,
  });
  return (
    <Paper withBorder radius="md" component="section" aria-labelledby="tasks-title" p="xs">
      <Text component="h3" id="tasks-title" fw={700} size="lg" px="xs" m={0}>Tasks</Text>
      {retry.data && (
        <Alert color="blue" my="xs" role="status" data-testid="retry-queued" withCloseButton closeButtonLabel="Dismiss" onClose={() => retry.reset()}>
          Retry queued as task {shortId(retry.data.id)}.
        </Alert>
      )}
      {(cancel.isError || retry.isError) && <Alert color="red" my="xs" role="alert">{problemMessage(cancel.error ?? retry.error)}</Alert>}
      {phone ? (
        <Stack gap="xs" mt="xs" data-testid="tasks">
          {items.map((t) => <TaskCard key={t.id} {...row(t)} onOpenRun={onOpenRun} />)}
        </Stack>
      ) : (
        <Table.ScrollContainer minWidth={860} scrollAreaProps={{ viewportProps: { tabIndex: 0, 'aria-label': 'Tasks table' } }}>
        <Table verticalSpacing="sm" data-testid="tasks" layout="fixed">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={150}>Task</Table.Th><Table.Th>Status</Table.Th><Table.Th w={110}>Action</Table.Th>
              <Table.Th w={200}>Progress</Table.Th><Table.Th w={90}>Attempts</Table.Th><Table.Th w={170}>Created</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((t) => {
              const r = row(t);
              return (
                <Table.Tr key={t.id} data-testid={`task-${t.id}`} data-status={t.status}>
                  <Table.Td><TaskName {...r} /></Table.Td>
                  <Table.Td><TaskStatus {...r} onOpenRun={onOpenRun} /></Table.Td>
                  <Table.Td>{r.actions}</Table.Td>
                  <Table.Td><TaskProgress t={t} /></Table.Td>
                  <Table.Td>{t.attempts} / {t.max_attempts}</Table.Td>
                  <Table.Td>{when(t.created_at)}</Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
        </Table.ScrollContainer>
      )}
      {tasks.data && items.length === 0 && <Text p="md" c="dimmed">No tasks yet.</Text>}
      {tasks.data?.truncated && <Text p="xs" size="xs" c="dimmed">Showing the newest 200 tasks.</Text>}
      {tasks.isError && <Alert color="red">{problemMessage(tasks.error)}</Alert>}
    </Paper>
  );
}

interface RowProps {
  t: Task;
  next?: Task;
  runId: string | null;
  actions: React.ReactNode;
}

function TaskCard({ onOpenRun, ...r }: RowProps & { onOpenRun: (id: string) => void }) {
  const { t } = r;
  return (
    <Paper withBorder radius="sm" p="sm" data-testid={`task-${t.id}`} data-status={t.status}>
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <TaskName {...r} />
        {r.actions}
      </Group>
      <TaskStatus {...r} onOpenRun={onOpenRun} />
      <TaskProgress t={t} />
      <SimpleGrid cols={2} mt={4}>
        <Text size="xs" c="dimmed">attempts {t.attempts} / {t.max_attempts}</Text>
        <Text size="xs" c="dimmed" ta="right">{when(t.created_at)}</Text>
      </SimpleGrid>
    </Paper>
  );
}

function TaskName({ t, next }: RowProps) {
  return (
    <div>
      <Text size="sm" fw={500}>{t.kind}</Text>
      <Text size="xs" c="dimmed" ff="monospace">{shortId(t.id)}</Text>
      {t.retry_of && <Text size="xs" c="dimmed" data-testid="retry-of">retry of {shortId(t.retry_of)}</Text>}
      {next && <Text size="xs" c="dimmed">retried as {shortId(next.id)}</Text>}
    </div>
  );
}

function TaskStatus({ t, runId, onOpenRun }: RowProps & { onOpenRun: (id: string) => void }) {
  return (
    <div>
      <Badge color={STATUS_COLOR[t.status] ?? 'gray'}>{t.status}</Badge>
      {t.cancel_requested && isActive(t) && <Text size="xs" c="dimmed">cancelling…</Text>}
      {t.error && <Text size="xs" c="red" style={{ overflowWrap: 'anywhere' }} data-testid="task-error">{t.error}</Text>}
      {runId && (
        <Button size="xs" mih={44} px={4} variant="subtle" display="block" onClick={() => onOpenRun(runId)} aria-haspopup="dialog">run {runId}</Button>
      )}
    </div>
  );
}

function TaskProgress({ t }: { t: Task }) {
  return (
    <div>
      <Progress value={percent(t.progress)} aria-label={`${t.kind} ${shortId(t.id)} progress`} color={STATUS_COLOR[t.status]} mt={4} />
      <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>{percent(t.progress)} %{t.progress_message ? ` · ${t.progress_message}` : ''}</Text>
    </div>
  );
}

function Actions({ t, retried, cancel, retry }: { t: Task; retried: boolean; cancel: Mutation; retry: Mutation }) {
  if (!isActive(t) && (!isRetryable(t) || retried)) return null;
  return isActive(t) ? (
    <Button size="xs" mih={44} variant="light" color="red" disabled={t.cancel_requested}
      loading={cancel.isPending && cancel.variables === t.id} onClick={() => cancel.mutate(t.id)}
      aria-label={`Cancel task ${shortId(t.id)}`}>Cancel</Button>
  ) : (
    <Button size="xs" mih={44} variant="light" loading={retry.isPending && retry.variables === t.id}
      onClick={() => retry.mutate(t.id)} aria-label={`Retry task ${shortId(t.id)}`}>Retry</Button>
  );
}
