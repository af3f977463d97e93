/**
 * One stored source: its masked config (a stored secret reads "stored", never a value), and
 * Test connection / Run / Edit / Delete with their outcome inline: the check's tables or error,
 * the run's progress (task polled every 500 ms) ending with links to Runs and Overview.
 */
import { Alert, Anchor, Badge, Button, Group, Paper, Progress, Stack, Text, Title } from '@mantine/core';
import { IconPencil, IconPlayerPlay, IconPlugConnected, IconTrash } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link } from 'react-router';
import type { Schemas } from '../../api/client';
import { problemMessage } from '../auth/problemMessage';
import { isDone, useTask } from '../connect/useConnect';
import { SourceIcon } from '../graph/SourceIcon';
import { MASK } from './schemaForm';
import { SelectionEditor } from './SelectionEditor';
import { useRunSources, useSaveSelection, useTestSource, type Connector, type StoredSource } from './useSources';

interface Props {
  source: StoredSource;
  connector?: Connector;
  connected?: Schemas['DclSourceOut'];
  canWrite: boolean;
  /** the /dcl/connect body that runs this source; null while it cannot be known yet */
  runWith: (() => Schemas['ConnectIn']) | null;
  onEdit: () => void;
  onDelete: () => void;
}

export function StoredSourceCard({ source, connector, connected, canWrite, runWith, onEdit, onDelete }: Props) {
  const test = useTestSource();
  const run = useRunSources();
  const saveSelection = useSaveSelection();
  const task = useTask(run.data?.id);
  const qc = useQueryClient();
  const finished = isDone(task.data);
  const headingId = `source-${source.id}`;

  // a finished run changes the connected tables and the graph
  useEffect(() => {
    if (finished) void qc.invalidateQueries({ queryKey: ['dcl'] });
  }, [finished, qc]);

  return (
    <Paper withBorder radius="md" p="md" component="article" aria-labelledby={headingId} data-testid={`stored-${source.name}`}>
      <Group gap="sm" mb="xs" wrap="wrap">
        <SourceIcon icon={connector?.icon || source.connector} size={24} />
        <Title order={4} id={headingId}>{source.name}</Title>
        <Badge variant="outline">{connector?.title ?? source.connector}</Badge>
        {connected && <Badge color={connected.status === 'ok' || !connected.status ? 'green' : 'red'} variant="light">connected{connected.status && connected.status !== 'ok' ? `: ${connected.status}` : ''}</Badge>}
      </Group>
      <ConfigSummary config={source.config} />
      {source.select && <SelectionSummary select={source.select} />}
      <Group gap="xs" mt="sm" wrap="wrap">
        <Button mih={44} variant="light" leftSection={<IconPlugConnected size={18} aria-hidden />} loading={test.isPending}
          disabled={!canWrite} onClick={() => test.mutate(source.id)}>Test connection</Button>
        <Button mih={44} leftSection={<IconPlayerPlay size={18} aria-hidden />} loading={run.isPending || (!!run.data && !finished)}
          disabled={!canWrite || !runWith} onClick={() => runWith && run.mutate(runWith())}>Run</Button>
        <Button mih={44} variant="default" leftSection={<IconPencil size={18} aria-hidden />} disabled={!canWrite} onClick={onEdit}
          aria-label={`Edit ${source.name}`}>Edit</Button>
        <Button mih={44} variant="subtle" color="red" leftSection={<IconTrash size={18} aria-hidden />} disabled={!canWrite} onClick={onDelete}
          aria-label={`Delete ${source.name}`}>Delete</Button>
      </Group>
      <Stack gap="xs" mt={test.data || test.isError || run.data || run.isError ? 'sm' : 0} aria-live="polite">
        {test.data && (test.data.ok ? (
          <Alert color="green" title="Connection OK" data-testid="test-result">
            <TablesFound tables={test.data.tables ?? []} seconds={test.data.seconds} />
            {test.data.select_error && <Text size="sm" c="red.8" mt={4}>The saved selection no longer fits: {test.data.select_error}</Text>}
          </Alert>
        ) : (
          <Alert color="red" title="Connection failed" data-testid="test-result">
            <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{test.data.error}</Text>
          </Alert>
        ))}
        {test.data?.ok && !!test.data.discovered?.length && (
          <SelectionEditor key={test.data.seconds} tables={test.data.discovered} value={source.select}
            saving={saveSelection.isPending}
            error={saveSelection.isError ? problemMessage(saveSelection.error) : null}
            onSave={(select) => saveSelection.mutate({ id: source.id, select })} />
        )}
        {saveSelection.isSuccess && !saveSelection.isPending && <Text size="sm" c="green.8">Selection saved; the next run loads it.</Text>}
        {test.isError && <Alert color="red" title="Could not test" data-testid="test-result">{problemMessage(test.error)}</Alert>}
        {run.isError && <Alert color="red" title="Could not start the run">{problemMessage(run.error)}</Alert>}
        {run.data && <RunProgress task={task.data ?? run.data} />}
      </Stack>
    </Paper>
  );
}

function TablesFound({ tables, seconds }: { tables: string[]; seconds: number }) {
  const list = tables.length ? `: ${tables.slice(0, 12).join(', ')}${tables.length > 12 ? '…' : ''}` : '';
  return <>{tables.length} table{tables.length === 1 ? '' : 's'} found{list} ({seconds.toFixed(2)} s)</>;
}

const STATUS_COLOR: Record<string, string> = { success: 'green', failed: 'red', cancelled: 'gray', in_progress: 'blue', queued: 'gray' };

function RunProgress({ task }: { task: Schemas['TaskOut'] }) {
  const done = isDone(task);
  const stats = (task.result?.stats ?? {}) as Record<string, unknown>;
  const pct = Math.round((done && task.status === 'success' ? 1 : task.progress) * 100);
  return (
    <Paper withBorder radius="sm" p="sm" data-testid="run-progress" data-status={task.status}>
      <Group gap="xs" justify="space-between" wrap="wrap">
        <Group gap="xs">
          <Badge color={STATUS_COLOR[task.status] ?? 'gray'}>{task.status.replace('_', ' ')}</Badge>
          <Text size="sm" c="dimmed">{task.progress_message ?? (task.status === 'queued' ? 'waiting for a worker' : '')}</Text>
        </Group>
        <Text size="sm" ff="monospace">{pct}%</Text>
      </Group>
      <Progress value={pct} mt={6} size="sm" color={STATUS_COLOR[task.status] ?? 'blue'} animated={!done} aria-label="Run progress" />
      {task.status === 'success' && (
        <Text size="sm" mt={6}>
          Connected {String(stats.tables ?? '?')} table{stats.tables === 1 ? '' : 's'}, {Number(stats.rows ?? 0).toLocaleString('en')} rows
          {Number(stats.rejected ?? 0) > 0 ? `, ${Number(stats.rejected).toLocaleString('en')} rejected` : ''}.
        </Text>
      )}
      {task.status === 'failed' && task.error && <Text size="sm" c="red.8" mt={6} style={{ overflowWrap: 'anywhere' }}>{task.error}</Text>}
      {done && (
        <Group gap="md" mt={6}>
          <Anchor component={Link} to="/runs" size="sm" py={10}>See it in Runs</Anchor>
          <Anchor component={Link} to="/" size="sm" py={10}>Overview</Anchor>
        </Group>
      )}
    </Paper>
  );
}

function SelectionSummary({ select }: { select: NonNullable<StoredSource['select']> }) {
  const parts = [
    select.tables ? `tables: ${select.tables.join(', ')}` : '',
    select.exclude_tables?.length ? `not: ${select.exclude_tables.join(', ')}` : '',
    ...Object.entries(select.exclude_columns ?? {}).map(([t, cols]) => `${t} without ${cols.join(', ')}`),
  ].filter(Boolean);
  return <Text size="sm" mt={4} style={{ overflowWrap: 'anywhere' }}>Selection: {parts.join('; ')}</Text>;
}

/** The masked config as a description list; stored secrets read "stored (hidden)". */
export function ConfigSummary({ config }: { config: Record<string, unknown> }) {
  const entries = Object.entries(config ?? {});
  if (!entries.length) return <Text size="sm" c="dimmed">No settings.</Text>;
  return (
    <dl className="source-config" style={{ display: 'grid', gridTemplateColumns: 'max-content minmax(0, 1fr)', gap: '2px 12px', margin: 0, fontSize: 'var(--mantine-font-size-sm)' }}>
      {entries.map(([k, v]) => (
        <div key={k} style={{ display: 'contents' }}>
          <dt style={{ color: 'var(--mantine-color-dimmed)' }}>{k}</dt>
          <dd style={{ margin: 0, fontFamily: 'ui-monospace, monospace', overflowWrap: 'anywhere' }}>{show(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

function show(v: unknown): string {
  if (v === MASK) return 'stored (hidden)';
  if (typeof v === 'string') return v;
  const s = JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 160)}…` : s;
}
