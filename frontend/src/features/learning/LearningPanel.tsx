import { Code, Paper, Stack, Text, Title } from '@mantine/core';
import { sourceName } from '../live/narration';
import { useLearned } from './useLearned';

/**
 * What review decisions taught the mappers, and their effect: a decided field is remembered and
 * mapped that way (confidence 1.00) on every later run; a rejected one is never proposed again.
 */
export function LearningPanel() {
  const learned = useLearned();
  const items = learned.data ?? [];
  return (
    <Paper withBorder p="sm" radius="md" component="section" aria-labelledby="learning-title">
      <Title order={4} id="learning-title" mb="xs">Learning</Title>
      {items.length === 0 && <Text size="sm" c="dimmed">No review decisions yet. Approve, edit or reject in Intelligence Review and the mappers remember it.</Text>}
      <Stack gap={6} data-testid="learning">
        {items.slice(0, 12).map(({ mapping: m, kind, target }) => (
          <Text key={m.id} size="sm" style={{ overflowWrap: 'anywhere', minWidth: 0 }}>
            {sourceName(m.source)} <Code style={{ whiteSpace: 'normal', overflowWrap: 'anywhere' }}>{m.table}.{m.field}</Code>{' '}
            {kind === 'rejected'
              ? <>will not map to <Code style={{ whiteSpace: 'normal', overflowWrap: 'anywhere' }}>{target}</Code> again</>
              : <>now maps to <Code style={{ whiteSpace: 'normal', overflowWrap: 'anywhere' }}>{target}</Code> at 1.00 on every run</>}
          </Text>
        ))}
      </Stack>
    </Paper>
  );
}
