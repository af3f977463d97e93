import { Alert, Badge, Button, Group, Paper, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useRuns } from './useRuns';
import { STATUS_COLOR, num, when } from './format';
import { problemMessage } from '../auth/problemMessage';
import type { Schemas } from '../../api/client';

type Run = Schemas['RunOut'];

interface Props {
  onOpen: (id: string) => void;
}

const FIGURES = [
  ['rows', 'Rows'],
  ['rejected', 'Rejected'],
  ['mapped_fields', 'Mapped'],
  ['review', 'Review'],
  ['seconds', 'Seconds'],
] as const;

/** Runs newest first with their headline figures; "Stages" opens the per-stage and per-table view. */
export function RunsTable({ onOpen }: Props) {
  const runs = useRuns();
  const phone = useMediaQuery('(max-width: 62em)');
  const items = runs.data?.items ?? [];
  const stagesButton = (r: Run) => (
    <Button size="xs" mih={44} variant="light" aria-haspopup="dialog" aria-label={`Stages of run ${r.id}`} onClick={() => onOpen(r.id)}>Stages</Button>
  );
  return (
    <Paper withBorder radius="md" component="section" aria-labelledby="runs-title" p="xs">
      <Text component="h3" id="runs-title" fw={700} size="lg" px="xs" m={0}>Runs</Text>
      {phone ? (
        <Stack gap="xs" mt="xs" data-testid="runs">
          {items.map((r) => {
            const s = (r.stats ?? {}) as Record<string, unknown>;
            return (
              <Paper key={r.id} withBorder radius="sm" p="sm" data-testid={`run-${r.id}`}>
                <Group justify="space-between" align="flex-start" wrap="nowrap">
                  <RunName r={r} />
                  {stagesButton(r)}
                </Group>
                <RunStatus r={r} />
                <SimpleGrid cols={5} spacing={4} mt={6}>
                  {FIGURES.map(([k, label]) => (
                    <div key={k}><Text size="xs" c="dimmed">{label}</Text><Text size="sm">{num(s[k])}</Text></div>
                  ))}
                </SimpleGrid>
              </Paper>
            );
          })}
        </Stack>
      ) : (
        <Table.ScrollContainer minWidth={860} scrollAreaProps={{ viewportProps: { tabIndex: 0, 'aria-label': 'Runs table' } }}>
          <Table verticalSpacing="sm" data-testid="runs" layout="fixed">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={200}>Run</Table.Th><Table.Th>Status</Table.Th><Table.Th w={100}>Stages</Table.Th>
                {FIGURES.map(([k, label]) => <Table.Th key={k} w={84} ta="right">{label}</Table.Th>)}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((r) => {
                const s = (r.stats ?? {}) as Record<string, unknown>;
                return (
                  <Table.Tr key={r.id} data-testid={`run-${r.id}`}>
                    <Table.Td><RunName r={r} /></Table.Td>
                    <Table.Td><RunStatus r={r} /></Table.Td>
                    <Table.Td>{stagesButton(r)}</Table.Td>
                    {FIGURES.map(([k]) => <Table.Td key={k} ta="right">{num(s[k])}</Table.Td>)}
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {runs.data && items.length === 0 && <Text p="md" c="dimmed">No runs yet. Connect sources or run a pipeline.</Text>}
      {runs.isError && <Alert color="red">{problemMessage(runs.error)}</Alert>}
    </Paper>
  );
}

function RunName({ r }: { r: Run }) {
  return (
    <div>
      <Text size="sm" ff="monospace">{r.id}</Text>
      <Text size="xs" c="dimmed">{r.pipeline ?? '—'} · {when(r.started_at)}</Text>
    </div>
  );
}

function RunStatus({ r }: { r: Run }) {
  return (
    <div>
      <Badge color={STATUS_COLOR[r.status] ?? 'gray'}>{r.status}</Badge>
      {r.error && <Text size="xs" c="red" lineClamp={2} title={r.error} style={{ overflowWrap: 'anywhere' }}>{r.error}</Text>}
    </div>
  );
}
