import { Alert, Badge, Button, Group, Table, Text, Tooltip } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useDeliveries, type Delivery } from './useWebhooks';
import classes from './settings.module.css';
import { problemMessage } from '../auth/problemMessage';

const COLOR: Record<Delivery['status'], string> = { pending: 'yellow', sending: 'blue', delivered: 'green', failed: 'red', refused: 'orange' };

const when = (d: Delivery) => new Date(d.finished_at ?? d.started_at ?? d.created_at).toLocaleString();

/** Every delivery attempt, oldest first (the API's order); "Load more" follows next_cursor. */
export function DeliveryLog() {
  const log = useDeliveries();
  const items = log.data?.pages.flatMap((p) => p.items) ?? [];
  const phone = useMediaQuery('(max-width: 48em)');
  return (
    <>
      {phone ? (
        <ul className={classes.rows} data-testid="deliveries" aria-label="Webhook deliveries">
          {items.map((d) => (
            <li key={d.id} className={classes.row}>
              <div className={classes.who}>
                <Group gap={6}>
                  <Badge color={COLOR[d.status]} variant="light">{d.status}</Badge>
                  <Text size="sm">{d.status_code ?? '—'} · attempt {d.attempt} / {d.max_attempts} · {d.duration_ms == null ? '—' : `${Math.round(d.duration_ms)} ms`}</Text>
                </Group>
                <Text size="sm">{d.event_type} · {when(d)}</Text>
                <Text size="xs" c="dimmed">{d.url}</Text>
                {d.error && <Text size="xs" c="red">{d.error}</Text>}
              </div>
            </li>
          ))}
        </ul>
      ) : (
        <Table.ScrollContainer minWidth={720} scrollAreaProps={{ viewportProps: { tabIndex: 0, 'aria-label': 'Webhook deliveries' } }}>
          <Table verticalSpacing="xs" striped data-testid="deliveries">
            <Table.Thead>
              <Table.Tr><Table.Th>Time</Table.Th><Table.Th>Status</Table.Th><Table.Th>Code</Table.Th><Table.Th>Attempt</Table.Th><Table.Th>Duration</Table.Th><Table.Th>Event and URL</Table.Th><Table.Th>Error</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((d) => (
                <Table.Tr key={d.id}>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{when(d)}</Table.Td>
                  <Table.Td><Badge color={COLOR[d.status]} variant="light">{d.status}</Badge></Table.Td>
                  <Table.Td>{d.status_code ?? '—'}</Table.Td>
                  <Table.Td>{d.attempt} / {d.max_attempts}</Table.Td>
                  <Table.Td>{d.duration_ms == null ? '—' : `${Math.round(d.duration_ms)} ms`}</Table.Td>
                  <Table.Td>
                    <Text size="sm">{d.event_type}</Text>
                    <Tooltip label={d.url}><Text size="xs" c="dimmed" lineClamp={1} maw={260}>{d.url}</Text></Tooltip>
                  </Table.Td>
                  <Table.Td><Text size="xs" c={d.error ? 'red' : 'dimmed'}>{d.error ?? '—'}</Text></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {log.data && items.length === 0 && (
        <Text size="sm" c="dimmed" mt="xs">No deliveries yet. Tasks started with a callback_url post their result here.</Text>
      )}
      {log.isError && <Alert color="red" mt="xs">{problemMessage(log.error)}</Alert>}
      <Group mt="xs" gap="sm">
        {log.hasNextPage && <Button mih={44} variant="default" loading={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()}>Load more</Button>}
        <Button mih={44} variant="subtle" loading={log.isRefetching && !log.isFetchingNextPage} onClick={() => void log.refetch()}>Refresh</Button>
      </Group>
    </>
  );
}
