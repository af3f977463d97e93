import { NavLink, Paper, Stack, Text } from '@mantine/core';
import { relationKey, type Relation } from './useData';
import classes from './data.module.css';

export interface RelationGroup {
  title: string;
  items: Relation[];
}

// the active item's description in the body's text colour: Mantine's (its blue at 90 % opacity
// on the light blue) is below the 4.5:1 contrast small text needs
const DESCRIPTION = { description: { opacity: 1, color: 'var(--mantine-color-text)' } };

/** Unified views first, then one group per source schema, then the quarantine views. */
export function groupRelations(relations: Relation[]): RelationGroup[] {
  const unified = relations.filter((r) => r.kind === 'unified');
  const bySchema = new Map<string, Relation[]>();
  for (const r of relations.filter((r) => r.kind === 'source')) bySchema.set(r.schema, [...(bySchema.get(r.schema) ?? []), r]);
  const quarantine = relations.filter((r) => r.kind === 'quarantine');
  return [
    ...(unified.length ? [{ title: 'Unified views', items: unified }] : []),
    ...[...bySchema.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([title, items]) => ({ title, items })),
    ...(quarantine.length ? [{ title: 'Quarantine', items: quarantine }] : []),
  ];
}

/** The organization's tables, grouped by schema, with row and rejected counts. */
export function TableList({ relations, selected, onSelect }: {
  relations: Relation[];
  selected: string | null;
  onSelect: (key: string) => void;
}) {
  return (
    <Paper withBorder radius="md" p="xs" className={classes.list} component="nav" aria-label="Tables">
      <Stack gap="sm">
        {groupRelations(relations).map((g) => (
          <div key={g.title} role="group" aria-label={g.title}>
            <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="xs" mb={4}>{g.title}</Text>
            {g.items.map((r) => {
              const key = relationKey(r);
              return (
                <NavLink
                  key={key}
                  component="button"
                  active={key === selected}
                  onClick={() => onSelect(key)}
                  aria-current={key === selected ? 'true' : undefined}
                  data-testid={`table-${key}`}
                  label={r.kind === 'quarantine' ? key : r.name}
                  description={`${r.rows.toLocaleString('en')} rows · ${r.columns.length} columns${r.rejected ? ` · ${r.rejected} rejected` : ''}`}
                  styles={DESCRIPTION}
                  style={{ minHeight: 44, borderRadius: 6 }}
                />
              );
            })}
          </div>
        ))}
      </Stack>
    </Paper>
  );
}
