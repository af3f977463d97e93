import { Alert, Badge, Group, Paper, Select, Text, Title } from '@mantine/core';
import classes from './settings.module.css';
import { useQueryClient } from '@tanstack/react-query';
import { ROLES, useMembers, useRemoveMember, useRole, useUpdateMember, type Role } from './useSettings';
import { ConfirmButton } from './ConfirmButton';
import { problemMessage } from '../auth/problemMessage';

/**
 * Members and their roles. Admins change roles and remove members; the server decides what is
 * allowed (no one grants above their own role, an organization keeps an owner) and its problem
 * message is shown as is, so the console never disagrees with the API.
 */
export function MembersPanel() {
  const members = useMembers();
  const { isAdmin, userId } = useRole();
  const update = useUpdateMember();
  const remove = useRemoveMember();
  const qc = useQueryClient();
  // a change to one's own membership changes what the console may show: ask /me again
  const mine = (memberUserId: string) => () => { if (memberUserId === userId) void qc.invalidateQueries({ queryKey: ['auth', 'me'] }); };
  const error = update.error ?? remove.error;
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="members-title">
      <Title order={3} id="members-title" mb="sm">Members</Title>
      {error && <Alert color="red" mb="sm" role="alert" data-testid="members-error">{problemMessage(error)}</Alert>}
      <ul className={classes.rows} data-testid="members" aria-label="Members">
        {(members.data?.items ?? []).map((m) => {
          const you = m.user_id === userId;
          return (
            <li key={m.id} className={classes.row} data-testid={`member-${m.email}`}>
              <div className={classes.who}>
                <Text size="sm" fw={500}>{m.email}{you && <Text span size="sm" c="dimmed"> (you)</Text>}</Text>
                <Text size="xs" c="dimmed">member since {new Date(m.created_at).toLocaleDateString()}</Text>
              </div>
              {isAdmin ? (
                <Group gap="xs" wrap="nowrap">
                  <Select aria-label={`Role of ${m.email}`} data={ROLES} value={m.role} allowDeselect={false} size="md" w={130}
                    disabled={update.isPending && update.variables?.id === m.id}
                    onChange={(role) => role && role !== m.role && update.mutate({ id: m.id, role: role as Role }, { onSuccess: mine(m.user_id) })} />
                  <ConfirmButton size="xs" variant="light" aria-label={`Remove ${m.email}`} loading={remove.isPending && remove.variables === m.id}
                    title={you ? 'Leave this organization?' : `Remove ${m.email}?`}
                    message={you ? 'You will lose access to this organization at once.' : 'Their account stays; they lose access to this organization at once.'}
                    onConfirm={() => remove.mutate(m.id, { onSuccess: mine(m.user_id) })}>Remove</ConfirmButton>
                </Group>
              ) : <Badge variant="light" size="lg">{m.role}</Badge>}
            </li>
          );
        })}
      </ul>
      {members.isError && <Text c="red" size="sm">{problemMessage(members.error)}</Text>}
      {!isAdmin && <Group mt="sm"><Text size="sm" c="dimmed">Only owners and admins change roles or remove members.</Text></Group>}
    </Paper>
  );
}
