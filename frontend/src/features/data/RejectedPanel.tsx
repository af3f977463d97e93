import { Alert, Code, Group, Paper, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { problemMessage } from '../auth/problemMessage';
import { Pager } from './Pager';
import { useTableRejected, type Relation, type RejectedRow } from './useData';
import classes from './data.module.css';

const PAGE = 50;

/** What one table quarantined: each unreadable cell with its raw value and why, or whole rows a
 *  connector could not parse (their line and raw text). */
export function RejectedPanel({ relation }: { relation: Relation }) {
  const [offset, setOffset] = useState(0);
  const page = useTableRejected(relation.schema, relation.name, offset, PAGE);
  if (page.isError) return <Alert color="red">{problemMessage(page.error)}</Alert>;
  if (!page.data) return <Text c="dimmed">Loading…</Text>;
  const { items, tables } = page.data;
  const from = tables.length ? tables.map((t) => `${t.source}.${t.table}`).join(', ') : null;
  return (
    <Stack gap="sm" data-testid="rejected">
      {relation.kind === 'unified' && (
        <Text size="sm" c="dimmed">{from ? `What the tables feeding this view quarantined: ${from}.` : 'No source table feeds this view.'}</Text>
      )}
      {items.length === 0 ? (
        <Text data-testid="nothing-rejected">Nothing rejected: every value of {relation.schema}.{relation.name} could be read.</Text>
      ) : (
        <Paper withBorder radius="md">
          <div className={classes.grid} tabIndex={0} role="region" aria-label="Rejected values">
            <Table fz="sm" striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Table</Table.Th>
                  <Table.Th>Row / line</Table.Th>
                  <Table.Th>Column</Table.Th>
                  <Table.Th>Raw value</Table.Th>
                  <Table.Th>Reason</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>{items.flatMap((item, i) => lines(item, i))}</Table.Tbody>
            </Table>
          </div>
          <Pager total={page.data.total} offset={offset} limit={PAGE} nextOffset={page.data.next_offset} onOffset={setOffset} noun="rejected rows" />
        </Paper>
      )}
    </Stack>
  );
}

/** One line per unreadable cell; a row without cells (a connector's reject) as one line. */
function lines(item: RejectedRow, i: number) {
  const where = `${item.source}.${item.table}`;
  const row = item.row == null ? '—' : String(item.row);
  const kept = item.kept ? <Text span fz="xs" c="dimmed" fs="italic"> (row kept, value set to null)</Text> : null;
  if (item.cells.length === 0) {
    return [
      <Table.Tr key={i} data-testid="rejected-row">
        <Table.Td>{where}</Table.Td>
        <Table.Td>{row}</Table.Td>
        <Table.Td c="dimmed">whole row</Table.Td>
        <Table.Td><Code>{item.raw ?? 'withheld'}</Code></Table.Td>
        <Table.Td style={{ whiteSpace: 'normal', minWidth: 220 }}>{item.reason}{kept}</Table.Td>
      </Table.Tr>,
    ];
  }
  return item.cells.map((c, j) => (
    <Table.Tr key={`${i}.${j}`} data-testid="rejected-row">
      <Table.Td>{where}</Table.Td>
      <Table.Td>{row}</Table.Td>
      <Table.Td><Group gap={4} wrap="nowrap"><span>{c.column}</span><Text span c="dimmed" fz="xs">{c.expected_type}</Text></Group></Table.Td>
      <Table.Td><Code data-testid="raw-value">{c.value}</Code></Table.Td>
      <Table.Td style={{ whiteSpace: 'normal', minWidth: 220 }}>{c.reason}{kept}</Table.Td>
    </Table.Tr>
  ));
}
