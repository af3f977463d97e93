import { Button, Group, Text } from '@mantine/core';

/** "1–50 of 1,234" with Previous/Next, for the offset pages the /dcl endpoints answer. */
export function Pager({ total, offset, limit, nextOffset, onOffset, noun = 'rows' }: {
  total: number;
  offset: number;
  limit: number;
  nextOffset: number | null | undefined;
  onOffset: (offset: number) => void;
  noun?: string;
}) {
  return (
    <Group justify="space-between" p="sm" gap="xs">
      <Text size="sm" c="dimmed" data-testid="pager">
        {total ? `${(offset + 1).toLocaleString('en')}–${Math.min(offset + limit, total).toLocaleString('en')} of ${total.toLocaleString('en')} ${noun}` : `no ${noun}`}
      </Text>
      <Group gap="xs">
        <Button variant="default" mih={44} disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - limit))}>Previous</Button>
        <Button variant="default" mih={44} disabled={nextOffset == null} onClick={() => onOffset(nextOffset ?? offset)}>Next</Button>
      </Group>
    </Group>
  );
}
