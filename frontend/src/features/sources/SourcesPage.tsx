import { Alert, Badge, Button, Center, Group, Loader, Modal, Paper, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { IconPlus } from '@tabler/icons-react';
import { lazy, Suspense, useState } from 'react';
import { problemMessage } from '../auth/problemMessage';
import { useMe } from '../auth/useAuth';
import { ConnectedSources } from './ConnectedSources';
import { StoredSourceCard } from './StoredSourceCard';
import { runBody, useConnectors, useDclSources, useDeleteSource, useStoredSources, type StoredSource } from './useSources';

// the form generator, file picker and connector cards load on the first Add / Edit
const loadEditor = () => import('./SourceEditor');
const SourceEditor = lazy(loadEditor);

/**
 * Stored sources (add with a form generated from the connector's config schema, edit, delete,
 * test the connection, run), then the connected data: each source's tables with rows, rejected
 * rows and fields.
 */
export function SourcesPage() {
  const me = useMe();
  const canWrite = !!me.data && me.data.role !== 'viewer';
  const stored = useStoredSources();
  const dcl = useDclSources();
  const connectors = useConnectors();
  const del = useDeleteSource();
  const [editing, setEditing] = useState<StoredSource | null | undefined>(undefined); // undefined = closed, null = new
  const [deleting, setDeleting] = useState<StoredSource | null>(null);
  const [saved, setSaved] = useState<{ name: string; created: boolean } | null>(null);
  const items = stored.data?.items ?? [];
  const connected = dcl.data ?? [];
  // connected by the demo or a pipeline, not stored here: still the organization's sources
  const elsewhere = connected.filter((c) => !items.some((s) => s.name === c.name));

  return (
    <Stack gap="lg">
      <Group justify="space-between" wrap="wrap" gap="sm">
        <Title order={2}>Sources</Title>
        <Button mih={44} leftSection={<IconPlus size={18} aria-hidden />} disabled={!canWrite}
          onMouseEnter={() => void loadEditor()} onFocus={() => void loadEditor()}
          onClick={() => { setSaved(null); setEditing(null); }}>Add source</Button>
      </Group>
      {me.data?.role === 'viewer' && <Text size="sm" c="dimmed">Viewers can see sources; adding, testing and running them needs a member role.</Text>}

      <Stack gap="sm" component="section" aria-labelledby="stored-title">
        <Group justify="space-between" wrap="wrap" gap="sm">
          <Title order={3} id="stored-title">Your sources</Title>
        </Group>
        {saved && (
          <Alert color="green" withCloseButton closeButtonLabel="Dismiss" onClose={() => setSaved(null)} data-testid="saved-alert">
            {saved.created ? 'Added' : 'Saved'} {saved.name}. Test the connection, then run it to load its tables.
          </Alert>
        )}
        {stored.isError && <Alert color="red">{problemMessage(stored.error)}</Alert>}
        {stored.isLoading && <Center h={80}><Loader aria-label="Loading sources" /></Center>}
        {stored.data && items.length === 0 && elsewhere.length === 0 && (
          <Paper withBorder radius="md" p="lg">
            <Text>No sources yet.</Text>
            <Text size="sm" c="dimmed">Add one: upload a CSV, JSON or Parquet file, or connect a database. The demo needs none (Connect page).</Text>
          </Paper>
        )}
        {items.map((s) => (
          <StoredSourceCard key={s.id} source={s} canWrite={canWrite}
            connector={connectors.data?.find((c) => c.name === s.connector)}
            connected={connected.find((c) => c.name === s.name)}
            runWith={() => runBody(s)}
            onEdit={() => { setSaved(null); setEditing(s); }}
            onDelete={() => { del.reset(); setDeleting(s); }} />
        ))}
        {elsewhere.length > 0 && (
          <Paper withBorder radius="md" p="md" data-testid="sources-elsewhere">
            <Text fw={500}>{elsewhere.length} connected by the demo or a pipeline</Text>
            <Group gap={6} my="xs">
              {elsewhere.map((c) => (
                <Badge key={c.name} variant="light" size="lg" tt="none" data-testid={`elsewhere-${c.name}`}
                  title={`${c.connector} connector, ${c.tables.length} table${c.tables.length === 1 ? '' : 's'}`}>
                  {c.title && c.title.toLowerCase() !== c.name.toLowerCase() ? c.title : c.name}
                </Badge>
              ))}
            </Group>
            <Text size="sm" c="dimmed">
              Their definitions live in a pipeline&apos;s YAML (<Link to="/pipelines">Pipelines</Link>) or the demo
              (<Link to="/connect">Connect</Link>); their tables are under Connected data below.
            </Text>
          </Paper>
        )}
      </Stack>

      <ConnectedSources />

      {editing !== undefined && (
        <Suspense fallback={<Center h={80}><Loader aria-label="Loading the source form" /></Center>}>
          <SourceEditor opened source={editing} onClose={() => setEditing(undefined)}
            onSaved={(s, created) => { setEditing(undefined); setSaved({ name: s.name, created }); }} />
        </Suspense>
      )}

      <Modal opened={!!deleting} onClose={() => setDeleting(null)} closeButtonProps={{ 'aria-label': 'Close' }} title={`Delete ${deleting?.name ?? 'source'}?`} centered>
        <Text size="sm">
          The stored definition and its secrets are removed
          {deleting && connected.some((c) => c.name === deleting.name) ? ', and its tables leave the catalog and the views now.' : '.'}
        </Text>
        {del.isError && <Alert color="red" mt="sm" role="alert">{problemMessage(del.error)}</Alert>}
        <Group justify="flex-end" mt="lg" gap="sm">
          <Button mih={44} variant="default" onClick={() => setDeleting(null)}>Cancel</Button>
          <Button mih={44} color="red" data-autofocus loading={del.isPending}
            onClick={() => deleting && del.mutate({ source: deleting, connected: connected.some((c) => c.name === deleting.name) },
              { onSuccess: () => setDeleting(null) })}>Delete</Button>
        </Group>
      </Modal>
    </Stack>
  );
}
