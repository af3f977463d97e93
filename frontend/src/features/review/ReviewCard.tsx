import { Autocomplete, Badge, Button, Checkbox, Code, Group, Paper, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { confidenceTextColor } from '../graph/edgeStyle';
import { sourceName } from '../live/narration';
import type { ReviewItem } from './useReview';
import { useDecide } from './useReview';
import { problemMessage } from '../auth/problemMessage';

// long field names and samples break anywhere instead of widening the page (431 px on a 390 px phone)
const WRAP = { whiteSpace: 'normal', overflowWrap: 'anywhere', maxWidth: '100%' } as const;

/** One proposed mapping: where it comes from, where it would go, why, samples; decide. */
export function ReviewCard({ item, fields, selected, onSelect }: { item: ReviewItem; fields: string[]; selected: boolean; onSelect: (v: boolean) => void }) {
  const decide = useDecide();
  const [editing, setEditing] = useState(false);
  const [target, setTarget] = useState<string>(item.canonical ?? '');
  const conf = item.confidence ?? 0;
  const title = `${sourceName(item.source)} ${item.table}.${item.field}`;
  return (
    <Paper withBorder p="md" radius="md" component="article" aria-label={title} data-testid={`review-${item.id}`}>
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Group gap="sm" align="flex-start" wrap="nowrap" style={{ minWidth: 0, flex: 1 }}>
          <Checkbox size="md" aria-label={`Select ${title}`} checked={selected} onChange={(e) => onSelect(e.currentTarget.checked)} mt={4} />
          <Stack gap={4} style={{ minWidth: 0, overflowWrap: 'anywhere' }}>
            <Text fw={600}>
              <Code style={WRAP}>{item.table}.{item.field}</Code> → <Code style={WRAP}>{item.entity}.{item.canonical ?? '?'}</Code>
            </Text>
            <Text size="sm" c="dimmed">{sourceName(item.source)}{item.field_type ? ` · ${item.field_type}` : ''}{item.mapper ? ` · ${item.mapper}` : ''}</Text>
            {item.reason && <Text size="sm">{item.reason}</Text>}
          </Stack>
        </Group>
        <Badge size="lg" variant="outline" color="gray" style={{ color: confidenceTextColor(conf), flexShrink: 0, overflow: 'visible' }} aria-label={`confidence ${conf.toFixed(2)}`}>{conf.toFixed(2)}</Badge>
      </Group>
      {item.samples.length > 0 && (
        <Group gap={6} mt="sm" aria-label="Sample values">
          {item.samples.slice(0, 6).map((s, i) => <Code key={i} style={WRAP}>{typeof s === 'string' ? s : JSON.stringify(s)}</Code>)}
        </Group>
      )}
      {item.alternatives.length > 0 && (
        <Text size="sm" mt="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>Alternatives: {item.alternatives.map(alternative).join(', ')}</Text>
      )}
      <Group mt="md" gap="sm">
        <Button size="sm" mih={44} color="green" loading={decide.isPending && decide.variables?.decision === 'approve'} onClick={() => decide.mutate({ id: item.id, decision: 'approve' })}>Approve</Button>
        {!editing ? (
          <Button size="sm" mih={44} variant="default" onClick={() => setEditing(true)}>Edit</Button>
        ) : (
          <Group gap="xs">
            <Autocomplete aria-label="Canonical field" data={fields} value={target} onChange={setTarget} size="sm" w={200} placeholder="field or entity.field" />
            <Button size="sm" mih={44} disabled={!target} loading={decide.isPending && decide.variables?.decision === 'edit'}
              onClick={() => target && decide.mutate({ id: item.id, decision: 'edit', canonical: target.includes('.') ? target : `${item.entity}.${target}` })}>Save</Button>
          </Group>
        )}
        <Button size="sm" mih={44} color="red" variant="light" loading={decide.isPending && decide.variables?.decision === 'reject'} onClick={() => decide.mutate({ id: item.id, decision: 'reject' })}>Reject</Button>
      </Group>
      {decide.isError && <Text c="red" size="sm" mt="xs" role="alert">{problemMessage(decide.error)}</Text>}
    </Paper>
  );
}

function alternative(a: unknown): string {
  if (a && typeof a === 'object' && 'canonical' in a) {
    const { canonical, confidence } = a as { canonical: unknown; confidence?: unknown };
    return typeof confidence === 'number' ? `${canonical} (${confidence.toFixed(2)})` : String(canonical);
  }
  return typeof a === 'string' ? a : JSON.stringify(a);
}
