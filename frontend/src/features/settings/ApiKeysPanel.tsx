import { Alert, Badge, Button, Checkbox, Code, CopyButton, Group, Paper, Text, TextInput, Title } from '@mantine/core';
import classes from './settings.module.css';
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
  const items = keys.data?.items ?? [];
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
          <Group gap="sm"><Code style={{ overflowWrap: 'anywhere' }}>{create.data.key}</Code>
            <CopyButton value={create.data.key}>{({ copied, copy }) => <Button size="xs" mih={44} variant="light" onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
          </Group>
        </Alert>
      )}
      {create.isError && <Alert mt="sm" color="red">{problemMessage(create.error)}</Alert>}
      {items.length > 0 && (
        <ul className={classes.rows} aria-label="API keys" data-testid="api-keys" style={{ marginTop: 'var(--mantine-spacing-md)' }}>
          {items.map((k) => (
            <li key={k.id} className={classes.row} data-testid={`api-key-${k.name}`}>
              <div className={classes.who}>
                <Group gap={6}>
                  <Text size="sm" fw={500}>{k.name}</Text>
                  <Code>{k.prefix}…</Code>
                  {k.scopes.map((sc) => <Badge key={sc} variant="light">{sc}</Badge>)}
                </Group>
                <Text size="xs" c="dimmed">last used {k.last_used_at ? new Date(k.last_used_at).toLocaleString() : 'never'}</Text>
              </div>
              {k.revoked_at ? <Text size="sm" c="dimmed">revoked {new Date(k.revoked_at).toLocaleDateString()}</Text> : (
                <ConfirmButton size="xs" variant="light" aria-label={`Revoke key ${k.name}`} loading={revoke.isPending && revoke.variables === k.id}
                  title="Revoke this API key?" message={`Clients using ${k.name} (${k.prefix}…) stop authenticating at once.`} onConfirm={() => revoke.mutate(k.id)}>Revoke</ConfirmButton>
              )}
            </li>
          ))}
        </ul>
      )}
      {keys.data && items.length === 0 && <Text size="sm" c="dimmed" mt="md">No API keys yet.</Text>}
      {revoke.isError && <Alert mt="sm" color="red">{problemMessage(revoke.error)}</Alert>}
      {keys.isError && <Text c="red" size="sm">{problemMessage(keys.error)}</Text>}
    </Paper>
  );
}
