import { CloseButton, TextInput } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';

/** Type a field, table, entity or agent: its path through the graph stays lit, the rest dims. */
export function LineageSearch({ value, onChange, matches }: { value: string; onChange: (v: string) => void; matches: number | null }) {
  return (
    <TextInput
      aria-label="Lineage search"
      placeholder="Lineage: account.domain, companies, revops…"
      leftSection={<IconSearch size={16} aria-hidden />}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      rightSection={value ? <CloseButton aria-label="Clear lineage search" onClick={() => onChange('')} /> : null}
      description={matches === null ? undefined : matches === 0 ? 'Nothing matches' : `${matches} nodes on the path`}
      size="md"
      maw={420}
      data-testid="lineage-search"
    />
  );
}
