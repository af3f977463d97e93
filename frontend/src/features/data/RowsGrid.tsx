import { Table, Text } from '@mantine/core';
import classes from './data.module.css';

/** A value as one line of text: nested values as JSON, null as an empty cell. */
export const cellText = (v: unknown) => (v == null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** Rows under column names (and types when known) that scroll inside their own box. */
export function RowsGrid({ columns, types, rows, label, testId }: {
  columns: string[];
  types?: string[];
  rows: unknown[][];
  label: string;
  testId?: string;
}) {
  return (
    <div className={classes.grid} tabIndex={0} role="region" aria-label={label}>
      <Table striped highlightOnHover fz="sm" data-testid={testId}>
        <Table.Thead>
          <Table.Tr>
            {columns.map((c, i) => (
              <Table.Th key={i}>
                {c}
                {types?.[i] && <Text span c="dimmed" fz="xs" fw={400} ml={6}>{types[i]}</Text>}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r, i) => (
            <Table.Tr key={i}>
              {r.map((v, j) => {
                const text = cellText(v);
                return <Table.Td key={j} title={text.length > 40 ? text : undefined} c={v == null ? 'dimmed' : undefined}>{v == null ? 'null' : text}</Table.Td>;
              })}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}

/** Dict rows (as the rows endpoints answer) in column order. */
export const asArrays = (columns: string[], rows: Record<string, unknown>[]) => rows.map((r) => columns.map((c) => r[c]));
