import { Alert, Badge, Button, Code, Group, NumberInput, Paper, Stack, Text, Textarea } from '@mantine/core';
import { useRef } from 'react';
import { ApiError } from '../../api/problem';
import { problemMessage } from '../auth/problemMessage';
import { RowsGrid } from './RowsGrid';
import { sqlErrorPosition, type SqlErrorPosition } from './sqlError';
import { useRunQuery } from './useData';
import classes from './data.module.css';

export const MAX_ROWS = 10_000;
export const DEFAULT_ROWS = 100;

/** The limit typed (the field may be empty while editing) as the rows to ask for. */
export const rowLimit = (v: number | string) => (typeof v === 'number' && v >= 1 ? Math.min(Math.floor(v), MAX_ROWS) : DEFAULT_ROWS);

/** Read-only SQL over /dcl/query: Ctrl/Cmd+Enter runs; errors show DuckDB's excerpt with its caret
 *  and the spot marked in the query. The text and limit live in the page, so tabs keep them. */
export function SqlConsole({ sql, onSql, limit, onLimit }: {
  sql: string;
  onSql: (sql: string) => void;
  limit: number | string;
  onLimit: (limit: number | string) => void;
}) {
  const run = useRunQuery();
  const editor = useRef<HTMLTextAreaElement>(null);
  const submit = () => {
    if (sql.trim()) run.mutate({ sql, limit: rowLimit(limit) });
  };
  const detail = run.error instanceof ApiError ? run.error.problem.detail ?? '' : '';
  const ranSql = run.variables?.sql ?? sql;
  const position = detail ? sqlErrorPosition(detail, ranSql) : null;
  const showInEditor = (at: SqlErrorPosition) => {
    const el = editor.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(at.offset, Math.min(at.offset + 1, el.value.length));
  };
  return (
    <Stack gap="sm" data-testid="sql-console">
      <Textarea
        ref={editor}
        label="Read-only SQL"
        description="One SELECT over unified.<entity>, src_<source>.<table> and the _rejected views. Ctrl+Enter (⌘+Enter) runs it."
        value={sql}
        onChange={(e) => onSql(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            submit();
          }
        }}
        rows={6}
        resize="vertical"
        spellCheck={false}
        classNames={{ input: classes.sql }}
        data-testid="sql-input"
      />
      <Group align="flex-end" gap="sm">
        <NumberInput label="Row limit" value={limit} min={1} max={MAX_ROWS} step={100} clampBehavior="strict" allowDecimal={false}
          onChange={onLimit} w={140} styles={{ input: { minHeight: 44 } }} />
        <Button onClick={submit} loading={run.isPending} disabled={!sql.trim()} mih={44}>Run</Button>
      </Group>
      {run.isError && (
        <Alert color="red" title={run.error instanceof ApiError && run.error.status === 408 ? 'Query stopped' : 'Query failed'} data-testid="sql-error">
          <Stack gap="xs">
            {detail ? <Code block className={classes.error} data-testid="sql-error-detail">{detail}</Code> : <Text size="sm">{problemMessage(run.error)}</Text>}
            {position && (
              <>
                <Group gap="xs">
                  <Badge color="red" variant="light" data-testid="sql-error-position">line {position.line}, column {position.column}</Badge>
                  <Button size="compact-sm" variant="subtle" onClick={() => showInEditor(position)}>Show in editor</Button>
                </Group>
                <Code block className={classes.echo} data-testid="sql-error-mark">
                  {ranSql.slice(0, position.offset)}
                  <mark>{ranSql.slice(position.offset, position.offset + 1) || ' '}</mark>
                  {ranSql.slice(position.offset + 1)}
                </Code>
              </>
            )}
          </Stack>
        </Alert>
      )}
      {run.data && !run.isError && (
        <Paper withBorder radius="md">
          <Text size="sm" c="dimmed" p="sm" data-testid="sql-summary">
            {run.data.row_count.toLocaleString('en')} {run.data.row_count === 1 ? 'row' : 'rows'} in {run.data.seconds} s
            {run.data.truncated && ` (stopped at the limit of ${(run.variables?.limit ?? rowLimit(limit)).toLocaleString('en')}: raise it to see more)`}
          </Text>
          <RowsGrid columns={run.data.columns} types={run.data.types} rows={run.data.rows} label="Query results" testId="sql-results" />
        </Paper>
      )}
    </Stack>
  );
}
