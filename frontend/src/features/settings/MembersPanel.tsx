import { Badge, Paper, Table, Text, Title } from '@mantine/core';
import { useMembers } from './useSettings';
import { problemMessage } from '../auth/problemMessage';

export function MembersPanel() {
  const members = useMembers();
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="members-title">
      <Title order={3} id="members-title" mb="sm">Members</Title>
      <Table verticalSpacing="sm">
        <Table.Tbody>
          {(members.data?.items ?? []).map((m) => (
            <Table.Tr key={m.id}><Table.Td>{m.email}</Table.Td><Table.Td><Badge variant="light">{m.role}</Badge></Table.Td></Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {members.isError && <Text c="red" size="sm">{problemMessage(members.error)}</Text>}
    </Paper>
  );
}
