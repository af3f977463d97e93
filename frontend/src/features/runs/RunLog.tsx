import { Alert, Badge, Box, Group, Loader, SegmentedControl, Text } from '@mantine/core';
import { useEffect, useMemo, useRef, useState } from 'react';
import { problemMessage } from '../auth/problemMessage';
import { useRunLog, type LogLine } from './useRunLog';

export const LEVEL_COLOR: Record<LogLine['level'], string> = { info: 'gray', warning: 'yellow', error: 'red' };
const RANK: Record<LogLine['level'], number> = { info: 0, warning: 1, error: 2 };
type Filter = 'all' | 'warning' | 'error';

const time = (ts: number) => new Date(ts * 1000).toLocaleTimeString();

/**
 * A run's log in its drawer: each line's time, level (coloured), stage, table and message;
 * live while the run is in progress (the socket, or polling while it is down), filterable by
 * level. The list is one focusable, scrollable region (arrow keys and Page Up/Down scroll it)
 * announced politely to screen readers as lines arrive.
 */
export function RunLog({ id, pollMs }: { id: string; pollMs?: number }) {
  const log = useRunLog(id, pollMs);
  const [filter, setFilter] = useState<Filter>('all');
  const counts = useMemo(() => {
    const c = { info: 0, warning: 0, error: 0 };
    for (const l of log.lines) c[l.level] += 1;
    return c;
  }, [log.lines]);
  const shown = filter === 'all' ? log.lines : log.lines.filter((l) => RANK[l.level] >= RANK[filter]);

  // follow the end while the reader is at it; leave the scroll alone once they scrolled up
  const box = useRef<HTMLDivElement>(null);
  const atEnd = useRef(true);
  useEffect(() => {
    const el = box.current;
    if (el && atEnd.current) el.scrollTop = el.scrollHeight;
  }, [shown.length]);

  return (
    <Box mt="md" data-testid="run-log">
      <Group justify="space-between" mb={6} wrap="wrap" gap="xs">
        <Group gap="xs">
          <Text size="sm" fw={600} id={`run-log-${id}`}>Log</Text>
          <Text size="xs" c="dimmed" data-testid="run-log-mode">
            {log.mode === 'live' ? 'following live' : log.mode === 'polling' ? 'in progress, checking every few seconds' : `${log.lines.length} lines`}
          </Text>
          {log.mode !== 'done' && !log.loading && <Loader size={12} aria-hidden />}
        </Group>
        <SegmentedControl size="xs" value={filter} onChange={(v) => setFilter(v as Filter)} aria-label="Show log lines"
          data={[
            { value: 'all', label: `All ${log.lines.length}` },
            { value: 'warning', label: `Warnings ${counts.warning + counts.error}` },
            { value: 'error', label: `Errors ${counts.error}` },
          ]} />
      </Group>
      {log.error != null && <Alert color="red" mb="xs">{problemMessage(log.error)}</Alert>}
      {log.loading && <Loader size="sm" aria-label="Loading the run's log" />}
      {!log.loading && shown.length === 0 && (
        <Text size="sm" c="dimmed">{log.lines.length ? 'No line at this level.' : 'No log lines yet.'}</Text>
      )}
      {shown.length > 0 && (
        <Box ref={box} role="log" aria-live="polite" aria-labelledby={`run-log-${id}`} tabIndex={0}
          onScroll={(e) => {
            const el = e.currentTarget;
            atEnd.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
          }}
          style={{ maxHeight: 360, overflowY: 'auto', border: '1px solid var(--mantine-color-default-border)', borderRadius: 4 }}>
          <Box component="ol" m={0} p={0} style={{ listStyle: 'none' }}>
            {shown.map((l) => <Line key={l.seq} line={l} />)}
          </Box>
        </Box>
      )}
    </Box>
  );
}

/** Badge colours with readable text (WCAG AA): black on yellow, white on a dark red. */
const BADGE: Record<LogLine['level'], { color: string; variant: string; autoContrast?: boolean }> = {
  info: { color: 'gray', variant: 'outline' },
  warning: { color: 'yellow.4', variant: 'filled', autoContrast: true },
  error: { color: 'red.9', variant: 'filled' },
};

function Line({ line }: { line: LogLine }) {
  const where = [line.source, line.table].filter(Boolean).join('.');
  const edge = `var(--mantine-color-${LEVEL_COLOR[line.level]}-${line.level === 'info' ? 3 : 6})`;
  return (
    <Box component="li" data-testid="log-line" data-level={line.level} px={6} py={3}
      style={{ borderBottom: '1px solid var(--mantine-color-default-border)', borderLeft: `3px solid ${edge}`, display: 'flex',
        flexWrap: 'wrap', gap: '2px 8px', alignItems: 'baseline',
        background: line.level === 'error' ? 'var(--mantine-color-red-light)' : undefined }}>
      <Text span size="xs" c="dimmed" ff="monospace">{time(line.ts)}</Text>
      <Badge size="xs" {...BADGE[line.level]}>{line.level}</Badge>
      <Text span size="xs" c="dimmed">{line.stage}</Text>
      {where && <Text span size="xs" fw={600} style={{ overflowWrap: 'anywhere' }}>{where}</Text>}
      <Text span size="sm" c={line.level === 'error' ? 'red.9' : undefined}
        style={{ flex: '1 1 16rem', minWidth: 0, overflowWrap: 'anywhere' }}>{line.message}</Text>
    </Box>
  );
}
