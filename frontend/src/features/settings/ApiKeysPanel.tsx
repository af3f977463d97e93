import { Alert, Badge, Button, Checkbox, Code, CopyButton, Group, Paper, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useApiKeys, useCreateApiKey, useRevokeApiKey, useRole } from './useSettings';
import { AdminNote } from './AdminNote';
import { ConfirmButton } from './ConfirmButton';
import { problemMessage } from '../auth/problemMessage';

const SCOPES = ['read', 'write', 'admin'] as const;

/** Scoped API keys for machine clients; a new key is shown once, then only its prefix. */
export function ApiKeysPanel() {
  const { isAdmin, loading } = useRole();
  if (loading) return null;
  if (!isAdmin) {
    return (
      <Paper withBorder p="md" radius="md" component="section" aria-labelledby="keys-title">
        <Title order={3} id="keys-title" mb="sm">API keys</Title>
        <AdminNote>API keys can give admin access, so only admins see and create them.</AdminNote>
      </Paper>
    );
  }
  return <ApiKeysAdmin />;
}

function ApiKeysAdmin() {
  const keys = useApiKeys();
  const create = useCreateApiKey();
  const revoke = useRevokeApiKey();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['read']);
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="keys-title">
      <Title order={3} id="keys-title" mb="sm">API keys</Title>
      <Group align="flex-end" gap="sm">
        <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} size="md" w={{ base: '100%', xs: 240 }} />
        <Checkbox.Group label="Scopes" value={scopes} onChange={setScopes}>
          <Group gap="md" mt={6}>{SCOPES.map((s) => <Checkbox key={s} value={s} label={s} size="md" />)}</Group>
        </Checkbox.Group>
        <Button mih={44} disabled={!name || !scopes.length} loading={create.isPending}
          onClick={() => create.mutate({ name, scopes: scopes as (typeof SCOPES)[number][] }, { onSuccess: () => setName('') })}>Create key</Button>
      </Group>
      {create.data && (
        <Alert mt="sm" color="yellow" title="Copy the key now: it is not shown again">
          <Group gap="sm"><Code>{create.data.key}</Code>
            <CopyButton value={create.data.key}>{({ copied, copy }) => <Button size="xs" mih={44} variant="light" onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
          </Group>
        </Alert>
      )}
      {create.isError && <Alert mt="sm" color="red">{problemMessage(create.error)}</Alert>}
      <Table.ScrollContainer minWidth={560} mt="md" scrollAreaProps={{ viewportProps: { tabIndex: 0, 'aria-label': 'API keys' } }}>
        <Table verticalSpacing="sm">
          <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>Prefix</Table.Th><Table.Th>Scopes</Table.Th><Table.Th>Last used</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {(keys.data?.items ?? []).map((k) => (
              <Table.Tr key={k.id}>
                <Table.Td>{k.name}</Table.Td>
                <Table.Td><Code>{k.prefix}…</Code></Table.Td>
                <Table.Td><Group gap={4}>{k.scopes.map((s) => <Badge key={s} variant="light">{s}</Badge>)}</Group></Table.Td>
                <Table.Td>{k.last_used_at ? new Date(k.last_used_at).toLocaleString() : 'never'}</Table.Td>
                <Table.Td>{k.revoked_at ? <Text size="sm" c="dimmed">revoked</Text> : (
                  <ConfirmButton size="xs" variant="light" aria-label={`Revoke key ${k.name}`} loading={revoke.isPending && revoke.variables === k.id}
                    title="Revoke this API key?" message={`Clients using ${k.name} (${k.prefix}…) stop authenticating at once.`} onConfirm={() => revoke.mutate(k.id)}>Revoke</ConfirmButton>
                )}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {revoke.isError && <Alert mt="sm" color="red">{problemMessage(revoke.error)}</Alert>}
      {keys.isError && <Text c="red" size="sm">{problemMessage(keys.error)}</Text>}
    </Paper>
  );
}
