import { Alert, Button, Center, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useMemo, useState } from 'react';
import { useBulkApprove, useReviewQueue } from './useReview';
import { ReviewCard } from './ReviewCard';
import { useDclState } from '../graph/useDclState';
import { problemMessage } from '../auth/problemMessage';

/** Intelligence Review: the mappings below the accept threshold, with bulk approve. */
export function ReviewPage() {
  const queue = useReviewQueue();
  const state = useDclState();
  const bulk = useBulkApprove();
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const fieldsOf = useMemo(() => {
    const out = new Map<string, string[]>();
    for (const n of state.data?.graph.nodes ?? []) if (n.kind === 'entity' && Array.isArray(n.fields)) out.set(n.label, n.fields);
    return out;
  }, [state.data]);
  const items = queue.data ?? [];
  const toggle = (id: number, on: boolean) => setSelected((s) => { const n = new Set(s); if (on) n.add(id); else n.delete(id); return n; });
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={2}>Intelligence Review</Title>
        <Group gap="sm">
          <Button variant="default" mih={44} onClick={() => setSelected(new Set(items.map((i) => i.id)))} disabled={!items.length}>Select all</Button>
          <Button mih={44} color="green" disabled={!selected.size} loading={bulk.isPending}
            onClick={() => bulk.mutate([...selected], { onSuccess: () => setSelected(new Set()) })}>
            Approve {selected.size || ''} selected
          </Button>
        </Group>
      </Group>
      {bulk.isError && <Alert color="red" role="alert">{problemMessage(bulk.error)}</Alert>}
      {queue.isPending && <Center h={200}><Loader aria-label="Loading the review queue" /></Center>}
      {queue.isError && <Alert color="red">{problemMessage(queue.error)}</Alert>}
      {queue.data && items.length === 0 && <Text c="dimmed">Nothing to review: every mapping is above the accept threshold or decided.</Text>}
      {items.map((item) => (
        <ReviewCard key={item.id} item={item} fields={fieldsOf.get(item.entity ?? '') ?? []} selected={selected.has(item.id)} onSelect={(v) => toggle(item.id, v)} />
      ))}
    </Stack>
  );
}
