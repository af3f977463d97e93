import { Alert, Autocomplete, Badge, Button, Group, Paper, PasswordInput, Select, Stack, Text, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useRole } from './useSettings';
import { useLlmProviders, useLlmSettings, useSaveLlmSettings, useTestLlmSettings, type LlmProvider, type LlmSettings, type LlmSettingsIn } from './useLlm';
import { AdminNote } from './AdminNote';
import { problemMessage } from '../auth/problemMessage';

const DEFAULT = 'server-default';  // the Select's value for "use the server default" (provider null)

/**
 * The organization's LLM provider, model and API key (used by the runs the server starts for it).
 * The key is write-only: the API says only whether one is stored, and a blank field keeps it.
 */
export function LlmPanel() {
  const settings = useLlmSettings();
  const providers = useLlmProviders();
  const { isAdmin } = useRole();
  const save = useSaveLlmSettings();
  const test = useTestLlmSettings();
  const stored = settings.data;
  const def = stored?.server_default;
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="llm-title">
      <Title order={3} id="llm-title" mb="xs">LLM</Title>
      <Text size="sm" c="dimmed" mb="sm">
        The model that proposes field mappings in this organization's runs. Server default:{' '}
        <strong data-testid="llm-server-default">{def ? (def.provider ? `${def.provider}${def.model ? ` / ${def.model}` : ''}` : 'none configured') : '…'}</strong>.
      </Text>
      {settings.isError && <Alert color="red" mb="sm">{problemMessage(settings.error)}</Alert>}
      {providers.isError && <Alert color="red" mb="sm">{problemMessage(providers.error)}</Alert>}
      {!isAdmin && stored && (
        <Stack gap="xs">
          <Text size="sm">Provider: <strong>{stored.provider ?? 'server default'}</strong> · Model: <strong>{stored.model ?? 'default'}</strong> · API key: {stored.api_key_set ? 'stored' : 'none'}</Text>
          <AdminNote>Only owners and admins change the LLM settings.</AdminNote>
        </Stack>
      )}
      {/* keyed by the stored version: the form starts from what is stored, again after each save */}
      {isAdmin && stored && providers.data && (
        <LlmForm key={stored.updated_at ?? 'never'} stored={stored} providers={providers.data.items} save={save} test={test} />
      )}
    </Paper>
  );
}

interface FormProps {
  stored: LlmSettings;
  providers: LlmProvider[];
  save: ReturnType<typeof useSaveLlmSettings>;
  test: ReturnType<typeof useTestLlmSettings>;
}

function LlmForm({ stored, providers, save, test }: FormProps) {
  const [provider, setProvider] = useState(stored.provider ?? DEFAULT);
  const [model, setModel] = useState(stored.model ?? '');
  const [key, setKey] = useState('');
  const [removeKey, setRemoveKey] = useState(false);

  const def = stored.server_default;
  const chosen = providers.find((p) => p.name === provider);
  const placeholder = chosen ? `${chosen.default_model} (the provider's default)` : def.model ? `${def.model} (server default)` : 'the provider\'s default';
  const providerOptions = [
    { value: DEFAULT, label: `Server default${def.provider ? ` (${def.provider})` : ' (none)'}` },
    ...providers.map((p) => ({ value: p.name, label: p.name })),
  ];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: LlmSettingsIn = { provider: provider === DEFAULT ? null : provider, model: model.trim() || null };
    if (removeKey) body.api_key = null;
    else if (key) body.api_key = key;
    test.reset();
    save.mutate(body, { onSuccess: () => { setKey(''); setRemoveKey(false); } });
  };

  return (
    <Stack component="form" onSubmit={submit} gap="sm" maw={520} aria-label="LLM settings">
      <Select label="Provider" data={providerOptions} value={provider} allowDeselect={false} size="md"
        onChange={(v) => { if (v && v !== provider) { setProvider(v); setModel(''); } }} />
      <Autocomplete label="Model" description="Pick one of the provider's models or type another name." data={chosen?.models ?? []}
        value={model} onChange={setModel} placeholder={placeholder} size="md" />
      <PasswordInput label="API key" size="md" autoComplete="off" value={key} disabled={removeKey}
        onChange={(e) => setKey(e.currentTarget.value)}
        description={stored.api_key_set ? 'A key is stored. Leave blank to keep it.' : 'No key stored: the server\'s own key (if any) is used.'}
        placeholder={stored.api_key_set ? 'stored — leave blank to keep' : ''} data-testid="llm-key"
        rightSectionWidth={48} visibilityToggleButtonProps={{ size: 'xl', 'aria-label': 'Show or hide the key' }} />
      {stored.api_key_set && (
        <Group gap="sm">
          <Badge color="green" variant="light">key stored</Badge>
          <Button mih={44} size="xs" variant="subtle" color="red" aria-pressed={removeKey} onClick={() => { setRemoveKey((r) => !r); setKey(''); }}>
            {removeKey ? 'Keep the key' : 'Remove key'}
          </Button>
          {removeKey && <Text size="sm" c="red">The key will be removed when you save.</Text>}
        </Group>
      )}
      <Group gap="sm">
        <Button type="submit" mih={44} loading={save.isPending}>Save</Button>
        <Button mih={44} variant="light" loading={test.isPending} onClick={() => test.mutate()}>Test</Button>
      </Group>
      <Text size="xs" c="dimmed">Test makes one small call with the saved settings (save first).</Text>
      {save.isSuccess && <Text size="sm" c="green" role="status">Saved.</Text>}
      {save.isError && <Alert color="red" role="alert">{problemMessage(save.error)}</Alert>}
      {test.isError && <Alert color="red" role="alert">{problemMessage(test.error)}</Alert>}
      {test.data && (
        <Alert color={test.data.ok ? 'green' : 'red'} title={test.data.ok ? 'The model answered' : 'The test call failed'} data-testid="llm-test-result">
          <Text size="sm">{test.data.message}</Text>
          <Text size="xs" mt={4}>{test.data.provider ?? 'no provider'}{test.data.model ? ` / ${test.data.model}` : ''} · {Math.round(test.data.duration_ms)} ms</Text>
        </Alert>
      )}
      {stored.updated_at && <Text size="xs" c="dimmed">Last changed {new Date(stored.updated_at).toLocaleString()}</Text>}
    </Stack>
  );
}
