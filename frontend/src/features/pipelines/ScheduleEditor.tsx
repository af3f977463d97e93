import { Alert, Autocomplete, Badge, Button, Group, Paper, SegmentedControl, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { ApiError } from '../../api/problem';
import { problemMessage } from '../auth/problemMessage';
import { previewSchedule, useDeleteSchedule, usePauseSchedule, useSaveSchedule, useSchedule, type Schedule } from './useSchedules';

const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const ZONES: string[] = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
})();

/** `Thu, 4 Dec 2026, 06:00` in `zone`. */
export function formatIn(iso: string, zone: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric',
      hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone }).format(new Date(iso));
  } catch {
    return iso;
  }
}

/** The time in the schedule's zone, and in the browser's when that differs. */
function When({ iso, zone }: { iso: string; zone: string }) {
  return (
    <span>
      {formatIn(iso, zone)} {zone}
      {zone !== BROWSER_ZONE && <Text span size="xs" c="dimmed"> ({formatIn(iso, BROWSER_ZONE)} your time)</Text>}
    </span>
  );
}

const STATUS_COLOR: Record<string, string> = { success: 'green', failed: 'red', cancelled: 'gray', queued: 'blue', in_progress: 'blue' };

function LastResult({ s }: { s: Schedule }) {
  if (!s.last_tick_at) return <Text size="sm" c="dimmed">No scheduled run yet.</Text>;
  return (
    <Stack gap={2} data-testid="schedule-last">
      <Group gap="xs">
        <Text size="sm">Last tick <When iso={s.last_tick_at} zone={s.timezone} /></Text>
        {s.last_status && <Badge color={STATUS_COLOR[s.last_status] ?? 'gray'}>{s.last_status.replace('_', ' ')}</Badge>}
        {!s.last_status && <Badge color="gray">not run</Badge>}
      </Group>
      {s.last_error && <Text size="sm" c="red" style={{ overflowWrap: 'anywhere' }}>{s.last_error}</Text>}
      {s.last_message && <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>{s.last_message}</Text>}
    </Stack>
  );
}

/** A stored pipeline's schedule: cron + time zone + catch-up, the next ticks, pause/resume, last result. */
export function ScheduleEditor({ pipelineId }: { pipelineId: string }) {
  const query = useSchedule(pipelineId);
  const save = useSaveSchedule();
  const pause = usePauseSchedule();
  const remove = useDeleteSchedule();
  const current = query.data ?? null;
  const [cron, setCron] = useState('0 6 * * *');
  const [zone, setZone] = useState(BROWSER_ZONE);
  const [catchUp, setCatchUp] = useState<'once' | 'skip'>('once');
  const [preview, setPreview] = useState<string[]>([]);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});

  // the form shows the stored schedule when it loads (or changes elsewhere)
  useEffect(() => {
    if (current) {
      setCron(current.cron);
      setZone(current.timezone);
      setCatchUp(current.catch_up === 'skip' ? 'skip' : 'once');
    }
  }, [current?.id, current?.cron, current?.timezone, current?.catch_up]); // eslint-disable-line react-hooks/exhaustive-deps

  // check the expression and zone 400 ms after the last keystroke: the next ticks, or the field's error
  useEffect(() => {
    const ctl = new AbortController();
    const t = setTimeout(() => {
      previewSchedule(cron, zone, ctl.signal)
        .then((p) => { setPreview(p.upcoming); setFieldErrors({}); })
        .catch((e) => {
          if (ctl.signal.aborted) return;
          setPreview([]);
          setFieldErrors(errorsOf(e));
        });
    }, 400);
    return () => { clearTimeout(t); ctl.abort(); };
  }, [cron, zone]);

  const zones = useMemo(() => {
    const q = zone.toLowerCase();
    return (q ? ZONES.filter((z) => z.toLowerCase().includes(q)) : ZONES).slice(0, 50);
  }, [zone]);

  const onSave = () =>
    save.mutate({ id: pipelineId, arg: { cron, timezone: zone, catch_up: catchUp, paused: current?.paused ?? false } },
      { onError: (e) => setFieldErrors(errorsOf(e)) });
  const busy = save.isPending || pause.isPending || remove.isPending;
  const error = save.error ?? pause.error ?? remove.error;

  return (
    <Paper withBorder radius="md" p="md" data-testid="schedule-editor" aria-labelledby="schedule-title">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={3} id="schedule-title" size="h4">Schedule</Title>
          {current && <Badge color={current.paused ? 'yellow' : 'green'} size="lg">{current.paused ? 'paused' : 'active'}</Badge>}
          {!current && query.isSuccess && <Badge color="gray" size="lg">not scheduled</Badge>}
        </Group>
        <Group align="flex-start" gap="sm" wrap="wrap">
          <TextInput label="Cron" description="minute hour day month weekday, or @daily" value={cron}
            onChange={(e) => setCron(e.currentTarget.value)} error={fieldErrors.cron} w={240} size="md"
            styles={{ input: { fontFamily: 'monospace' } }} />
          <Autocomplete label="Time zone" description="ticks follow its daylight saving time" value={zone}
            onChange={setZone} data={zones} error={fieldErrors.timezone} w={240} size="md" />
          <Stack gap={4}>
            <Text size="sm" fw={500} id="catch-up-label">Missed while down</Text>
            <SegmentedControl aria-labelledby="catch-up-label" value={catchUp} onChange={(v) => setCatchUp(v as 'once' | 'skip')}
              data={[{ value: 'once', label: 'Run once' }, { value: 'skip', label: 'Skip' }]} />
          </Stack>
        </Group>
        {preview.length > 0 && (
          <Text size="sm" c="dimmed" data-testid="schedule-preview">
            Next: {preview.slice(0, 3).map((t) => formatIn(t, zone)).join(' · ')}
          </Text>
        )}
        <Group gap="sm">
          <Button mih={44} onClick={onSave} loading={save.isPending} disabled={busy || Object.keys(fieldErrors).length > 0}>
            {current ? 'Save schedule' : 'Schedule'}
          </Button>
          {current && (
            <Button mih={44} variant="light" loading={pause.isPending} disabled={busy}
              onClick={() => pause.mutate({ id: pipelineId, arg: !current.paused })}>
              {current.paused ? 'Resume' : 'Pause'}
            </Button>
          )}
          {current && (
            <Button mih={44} variant="subtle" color="red" loading={remove.isPending} disabled={busy}
              onClick={() => remove.mutate({ id: pipelineId, arg: null })}>Remove</Button>
          )}
        </Group>
        {current && (
          <Stack gap={4}>
            <Text size="sm" data-testid="schedule-next">
              {current.next_run_at ? <>Next run <When iso={current.next_run_at} zone={current.timezone} /></> : 'No next run while paused.'}
            </Text>
            <LastResult s={current} />
            <Text size="xs" c="dimmed">{current.runs_started} scheduled run{current.runs_started === 1 ? '' : 's'} started</Text>
          </Stack>
        )}
        {error && !Object.keys(fieldErrors).length && <Alert color="red">{problemMessage(error)}</Alert>}
        {query.isError && <Alert color="red">{problemMessage(query.error)}</Alert>}
      </Stack>
    </Paper>
  );
}

function errorsOf(e: unknown): Record<string, string> {
  if (e instanceof ApiError) {
    const errs = (e.problem.errors ?? []) as { field: string; message: string }[];
    if (errs.length) return Object.fromEntries(errs.map((x) => [x.field, x.message]));
    return { cron: problemMessage(e) };
  }
  return {};
}
