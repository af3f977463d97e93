import { Alert, Badge, Button, Code, CopyButton, Group, Paper, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import classes from './settings.module.css';
import { useState, type FormEvent } from 'react';
import { ROLES, useCreateInvitation, useInvitations, useRevokeInvitation, useRole, type Role } from './useSettings';
import { AdminNote } from './AdminNote';
import { ConfirmButton } from './ConfirmButton';
import { problemMessage } from '../auth/problemMessage';

/** The link an invitee opens to join (the console's accept page). */
export function acceptLink(token: string): string {
  return `${window.location.origin}/invite/${encodeURIComponent(token)}`;
}

/** Invite by email and role; the accept link is shown once (the server keeps only its hash). */
export function InvitationsPanel() {
  const { isAdmin, loading } = useRole();
  if (loading) return null;
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="invitations-title">
      <Title order={3} id="invitations-title" mb="sm">Invitations</Title>
      {isAdmin ? <Invitations /> : <AdminNote>Only owners and admins invite people.</AdminNote>}
    </Paper>
  );
}

function Invitations() {
  const list = useInvitations();
  const create = useCreateInvitation();
  const revoke = useRevokeInvitation();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ email, role }, { onSuccess: () => setEmail('') });
  };
  const created = create.data;
  const pending = list.data?.items ?? [];
  return (
    <Stack gap="sm">
      <Group component="form" onSubmit={submit} align="flex-end" gap="sm" aria-label="Invite someone">
        <TextInput label="Email" type="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} size="md" w={{ base: '100%', xs: 280 }} />
        <Select label="Role" data={ROLES} value={role} onChange={(v) => v && setRole(v as Role)} allowDeselect={false} size="md" w={140} />
        <Button type="submit" mih={44} loading={create.isPending} disabled={!email}>Invite</Button>
      </Group>
      {create.isError && <Alert color="red" role="alert">{problemMessage(create.error)}</Alert>}
      {created && (
        <Alert color="yellow" title={`Send this link to ${created.email}: it is shown only now`} data-testid="invitation-created">
          <Stack gap={6}>
            <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }} data-testid="invitation-link">{acceptLink(created.token)}</Code>
            <Group gap="sm">
              <CopyButton value={acceptLink(created.token)}>
                {({ copied, copy }) => <Button size="xs" mih={44} variant="light" onClick={copy}>{copied ? 'Copied' : 'Copy link'}</Button>}
              </CopyButton>
              <CopyButton value={created.token}>
                {({ copied, copy }) => <Button size="xs" mih={44} variant="subtle" onClick={copy}>{copied ? 'Copied' : 'Copy token only'}</Button>}
              </CopyButton>
            </Group>
            <Text size="xs">
              Joins as {created.role} until {new Date(created.expires_at).toLocaleString()}. With the API: POST /api/v1/invitations/&lt;token&gt;/accept with a password.
            </Text>
          </Stack>
        </Alert>
      )}
      {pending.length > 0 && <Text size="sm" fw={600} id="pending-title">Pending</Text>}
      {pending.length > 0 && <ul className={classes.rows} data-testid="invitations" aria-labelledby="pending-title">
        {pending.map((inv) => (
          <li key={inv.id} className={classes.row} data-testid={`invitation-${inv.email}`}>
            <div className={classes.who}>
              <Text size="sm" fw={500}>{inv.email} <Badge variant="light" ml={4}>{inv.role}</Badge></Text>
              <Text size="xs" c="dimmed">expires {new Date(inv.expires_at).toLocaleString()}</Text>
            </div>
            <ConfirmButton size="xs" variant="light" aria-label={`Revoke invitation for ${inv.email}`} loading={revoke.isPending && revoke.variables === inv.id}
              title={`Revoke the invitation for ${inv.email}?`} message="Its link stops working at once." onConfirm={() => revoke.mutate(inv.id)}>Revoke</ConfirmButton>
          </li>
        ))}
      </ul>}
      {list.data && pending.length === 0 && <Text size="sm" c="dimmed">No pending invitations.</Text>}
      {revoke.isError && <Alert color="red">{problemMessage(revoke.error)}</Alert>}
      {list.isError && <Text c="red" size="sm">{problemMessage(list.error)}</Text>}
    </Stack>
  );
}
