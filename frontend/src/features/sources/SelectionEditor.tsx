/**
 * Choose which discovered tables a source loads and which columns it leaves out (secrets,
 * personal data), saved as the source's `select` (docs/pipelines.md, "Choosing tables and
 * columns"). Plain checkboxes with labels: keyboard and screen readers work as for any form.
 * Entries written as patterns elsewhere (YAML, API) are kept as they are and shown as such.
 */
import { Alert, Badge, Button, Checkbox, Group, Paper, Stack, Text, UnstyledButton } from '@mantine/core';
import { useMemo, useState } from 'react';
import type { Schemas } from '../../api/client';

export type SourceSelect = Schemas['SourceSelect'];
export type DiscoveredTable = Schemas['DiscoveredTable'];

const isPattern = (s: string) => /[*?[]/.test(s);

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^0-9a-zA-Z]+/g, '_').replace(/^_+|_+$/g, '').toLowerCase();
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else { re += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`; i = end; }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The engine's rule: case-insensitive, as spelled or snake_case; `*`, `?`, `[…]` make a glob. */
export function matches(entry: string, name: string): boolean {
  const forms = [name.toLowerCase(), snake(name)];
  const e = entry.toLowerCase();
  if (!isPattern(e)) return forms.includes(e);
  const re = globToRegExp(e);
  return forms.some((f) => re.test(f));
}

interface Props {
  tables: DiscoveredTable[];
  value?: SourceSelect | null;
  saving?: boolean;
  error?: string | null;
  onSave: (select: SourceSelect) => void;
}

export function SelectionEditor({ tables, value, saving, error, onSave }: Props) {
  const select = value ?? {};
  const tablePatterns = (select.exclude_tables ?? []).filter(isPattern);
  const columnPatterns = useMemo(
    () => Object.entries(select.exclude_columns ?? {}).flatMap(([t, cols]) => cols.filter((c) => isPattern(t) || isPattern(c)).map((c) => [t, c] as const)),
    [select.exclude_columns],
  );
  const byPattern = (table: string) => tablePatterns.find((p) => matches(p, table));
  const columnByPattern = (table: string, col: string) =>
    columnPatterns.find(([t, c]) => matches(t, table) && matches(c, col));

  const [loaded, setLoaded] = useState<Record<string, boolean>>(() => Object.fromEntries(tables.map((t) => [t.name,
    (select.tables == null || select.tables.some((e) => matches(e, t.name)))
    && !(select.exclude_tables ?? []).some((e) => matches(e, t.name))])));
  const [left, setLeft] = useState<Record<string, string[]>>(() => Object.fromEntries(tables.map((t) => {
    const plain = Object.entries(select.exclude_columns ?? {}).filter(([k]) => !isPattern(k) && matches(k, t.name))
      .flatMap(([, cols]) => cols.filter((c) => !isPattern(c)));
    return [t.name, t.columns.filter((c) => plain.some((e) => matches(e, c.name))).map((c) => c.name)];
  })));
  const [open, setOpen] = useState<string | null>(null);

  const save = () => {
    const all = tables.every((t) => loaded[t.name] || byPattern(t.name));
    const exclude_columns: Record<string, string[]> = {};
    for (const [t, c] of columnPatterns) (exclude_columns[t] ??= []).push(c);
    for (const t of tables) if (loaded[t.name] && left[t.name]?.length) exclude_columns[t.name] = [...left[t.name]];
    onSave({
      tables: all ? null : tables.filter((t) => loaded[t.name]).map((t) => t.name),
      exclude_tables: tablePatterns,
      exclude_columns,
    });
  };
  const count = tables.filter((t) => loaded[t.name]).length;

  return (
    <Paper withBorder radius="sm" p="sm" data-testid="selection-editor">
      <fieldset style={{ border: 0, margin: 0, padding: 0, minWidth: 0 }}>
        <legend style={{ fontWeight: 600, marginBottom: 4 }}>Tables and columns to load</legend>
        <Text size="sm" c="dimmed" mb="xs">
          {count} of {tables.length} table{tables.length === 1 ? '' : 's'} selected. A column left out is never stored: not in a table, a view or a log.
        </Text>
        <Stack gap={6}>
          {tables.map((t) => {
            const pattern = byPattern(t.name);
            const keys = new Set([...(t.primary_key ?? []), ...(t.cursor ? [t.cursor] : [])]);
            const panelId = `columns-${t.name}`;
            const leftOut = (left[t.name] ?? []).length + t.columns.filter((c) => columnByPattern(t.name, c.name)).length;
            return (
              <div key={t.name}>
                <Group gap="xs" wrap="wrap">
                  <Checkbox
                    label={t.name}
                    description={pattern ? `left out by pattern ${pattern}` : undefined}
                    checked={!pattern && !!loaded[t.name]}
                    disabled={!!pattern}
                    onChange={(e) => setLoaded({ ...loaded, [t.name]: e.currentTarget.checked })}
                  />
                  {leftOut > 0 && <Badge variant="light" color="orange">{leftOut} column{leftOut === 1 ? '' : 's'} left out</Badge>}
                  {loaded[t.name] && !pattern && (
                    <UnstyledButton aria-expanded={open === t.name} aria-controls={panelId} onClick={() => setOpen(open === t.name ? null : t.name)}
                      style={{ fontSize: 'var(--mantine-font-size-sm)', textDecoration: 'underline', padding: '6px 4px' }}>
                      {open === t.name ? 'Hide' : 'Choose'} columns of {t.name}
                    </UnstyledButton>
                  )}
                </Group>
                {open === t.name && !!loaded[t.name] && (
                  <fieldset id={panelId} style={{ border: 0, margin: '4px 0 0 28px', padding: 0, minWidth: 0 }}>
                    <legend style={{ fontSize: 'var(--mantine-font-size-sm)' }}>Leave out of {t.name}</legend>
                    <Stack gap={4}>
                      {t.columns.map((c) => {
                        const byPat = columnByPattern(t.name, c.name);
                        const key = keys.has(c.name);
                        return (
                          <Checkbox key={c.name} size="sm"
                            label={`${c.name} (${c.type})`}
                            aria-label={`Leave out ${t.name}.${c.name}`}
                            description={byPat ? `left out by pattern ${byPat[0]}: ${byPat[1]}` : key ? 'key or cursor column: always loaded' : undefined}
                            checked={!!byPat || (left[t.name] ?? []).includes(c.name)}
                            disabled={!!byPat || key}
                            onChange={(e) => {
                              const cur = left[t.name] ?? [];
                              setLeft({ ...left, [t.name]: e.currentTarget.checked ? [...cur, c.name] : cur.filter((x) => x !== c.name) });
                            }}
                          />
                        );
                      })}
                    </Stack>
                  </fieldset>
                )}
              </div>
            );
          })}
        </Stack>
      </fieldset>
      {count === 0 && <Alert color="yellow" mt="xs">Select at least one table.</Alert>}
      {error && <Alert color="red" mt="xs" title="Could not save the selection">{error}</Alert>}
      <Button mt="sm" mih={44} onClick={save} loading={saving} disabled={count === 0}>Save selection</Button>
    </Paper>
  );
}
