import { Alert, Badge, Button, Paper, Progress, Stack, Table, Text, Title } from '@mantine/core';
import { useCancelTask, useRuns, useTasks } from './useRuns';
import { problemMessage } from '../auth/problemMessage';

const COLOR: Record<string, string> = { success: 'green', failed: 'red', cancelled: 'gray', running: 'blue', in_progress: 'blue', queued: 'yellow' };
const n = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en') : '—');
const when = (ts: number | string | null | undefined) => (ts == null ? '—' : new Date(typeof ts === 'number' ? ts * 1000 : ts).toLocaleString());

/** Runs with per-stage figures and rejected rows; tasks with progress and cancel. */
export function RunsPage() {
  const runs = useRuns();
  const tasks = useTasks();
  const cancel = useCancelTask();
  return (
    <Stack gap="md">
      <Title order={2}>Runs and tasks</Title>
      <Paper withBorder radius="md" component="section" aria-label="Runs">
        <Table.ScrollContainer minWidth={760}>
          <Table verticalSpacing="sm" striped>
            <Table.Thead>
              <Table.Tr><Table.Th>Run</Table.Th><Table.Th>Pipeline</Table.Th><Table.Th>Status</Table.Th><Table.Th>Started</Table.Th><Table.Th>Seconds</Table.Th><Table.Th>Sources</Table.Th><Table.Th>Tables</Table.Th><Table.Th>Rows</Table.Th><Table.Th>Rejected</Table.Th><Table.Th>Mapped</Table.Th><Table.Th>Review</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(runs.data?.items ?? []).map((r) => {
                const s = (r.stats ?? {}) as Record<string, unknown>;
                return (
                  <Table.Tr key={r.id}>
                    <Table.Td><code>{r.id}</code></Table.Td>
                    <Table.Td>{r.pipeline ?? '—'}</Table.Td>
                    <Table.Td><Badge color={COLOR[r.status] ?? 'gray'}>{r.status}</Badge>{r.error && <Text size="xs" c="red">{r.error}</Text>}</Table.Td>
                    <Table.Td>{when(r.started_at)}</Table.Td>
                    <Table.Td>{n(s.seconds)}</Table.Td>
                    <Table.Td>{n(s.sources)}</Table.Td>
                    <Table.Td>{n(s.tables)}</Table.Td>
                    <Table.Td>{n(s.rows)}</Table.Td>
                    <Table.Td>{n(s.rejected)}</Table.Td>
                    <Table.Td>{n(s.mapped_fields)}</Table.Td>
                    <Table.Td>{n(s.review)}</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {runs.data && runs.data.items.length === 0 && <Text p="md" c="dimmed">No runs yet.</Text>}
        {runs.isError && <Alert color="red">{problemMessage(runs.error)}</Alert>}
      </Paper>
      <Title order={3}>Tasks</Title>
      <Paper withBorder radius="md" component="section" aria-label="Tasks">
        <Table.ScrollContainer minWidth={640}>
          <Table verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr><Table.Th>Kind</Table.Th><Table.Th>Status</Table.Th><Table.Th>Progress</Table.Th><Table.Th>Attempts</Table.Th><Table.Th>Created</Table.Th><Table.Th /></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(tasks.data?.items ?? []).map((t) => {
                const active = t.status === 'queued' || t.status === 'in_progress';
                return (
                  <Table.Tr key={t.id}>
                    <Table.Td>{t.kind}</Table.Td>
                    <Table.Td><Badge color={COLOR[t.status] ?? 'gray'}>{t.status}</Badge>{t.error && <Text size="xs" c="red">{t.error}</Text>}</Table.Td>
                    <Table.Td miw={160}>
                      <Progress value={Math.round((t.progress <= 1 ? t.progress * 100 : t.progress))} aria-label={`${t.kind} progress`} />
                      {t.progress_message && <Text size="xs" c="dimmed">{t.progress_message}</Text>}
                    </Table.Td>
                    <Table.Td>{t.attempts} / {t.max_attempts}</Table.Td>
                    <Table.Td>{when(t.created_at)}</Table.Td>
                    <Table.Td>{active && <Button size="xs" mih={44} variant="light" color="red" loading={cancel.isPending && cancel.variables === t.id} onClick={() => cancel.mutate(t.id)}>Cancel</Button>}</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {cancel.isError && <Alert color="red">{problemMessage(cancel.error)}</Alert>}
      </Paper>
    </Stack>
  );
}
