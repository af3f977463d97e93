/**
 * Add or edit a source (lazy chunk: loads on the first "Add source" / "Edit"). Adding: pick a
 * connector, then fill the form generated from its config schema. Editing: the stored config
 * with secrets blank ("stored — leave blank to keep"; sent back as "***", which keeps them).
 * Errors: client-side from the schema first, then the server's 422 at the field it names.
 */
import { Alert, Badge, Box, Button, Center, Group, Loader, Modal, Radio, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/problem';
import { problemMessage } from '../auth/problemMessage';
import { SourceIcon } from '../graph/SourceIcon';
import { FilePicker } from './FilePicker';
import { INPUT, SchemaForm } from './SchemaForm';
import { buildFields, initialValues, mapServerErrors, nameFromFile, sourceNameProblem, toConfig, type FieldValue } from './schemaForm';
import { useConnectors, useSaveSource, type Connector, type StoredSource } from './useSources';

interface Props {
  opened: boolean;
  onClose: () => void;
  /** the source to edit; none = add a new one */
  source?: StoredSource | null;
  onSaved: (s: StoredSource, created: boolean) => void;
}

export default function SourceEditor({ opened, onClose, source, onSaved }: Props) {
  const phone = useMediaQuery('(max-width: 48em)');
  return (
    <Modal opened={opened} onClose={onClose} size="lg" fullScreen={!!phone} closeButtonProps={{ 'aria-label': 'Close' }}
      title={<Text fw={700} size="lg" component="span">{source ? `Edit ${source.name}` : 'Add a source'}</Text>}>
      {opened && <EditorBody key={source?.id ?? 'new'} source={source} onClose={onClose} onSaved={onSaved} />}
    </Modal>
  );
}

function EditorBody({ source, onClose, onSaved }: Omit<Props, 'opened'>) {
  const connectors = useConnectors();
  const [connectorName, setConnectorName] = useState<string>(source?.connector ?? '');
  const connector = connectors.data?.find((c) => c.name === connectorName);
  if (connectors.isLoading) return <Center h={160}><Loader aria-label="Loading connectors" /></Center>;
  if (connectors.isError) return <Alert color="red" role="alert">Connectors unavailable: {problemMessage(connectors.error)}</Alert>;
  return (
    <Stack gap="md">
      {!source && <ConnectorChoice connectors={connectors.data ?? []} value={connectorName} onChange={setConnectorName} />}
      {source && !connector && <Alert color="red" role="alert">The connector '{source.connector}' is not installed on this server.</Alert>}
      {connector && <ConfigForm key={connector.name} connector={connector} source={source} onClose={onClose} onSaved={onSaved} />}
    </Stack>
  );
}

/** A connector's docstring as a sentence for people: ``code`` marks and pointers to the source dropped. */
export function connectorBlurb(doc: string): string {
  return doc.replace(/``([^`]+)``/g, '$1').replace(/\s*\(see (the )?module docstring\)/gi, '').trim();
}

function ConnectorChoice({ connectors, value, onChange }: { connectors: Connector[]; value: string; onChange: (v: string) => void }) {
  return (
    <Radio.Group label="Connector" value={value} onChange={onChange} withAsterisk>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" mt={6}>
        {connectors.map((c) => (
          <Radio.Card key={c.name} value={c.name} radius="md" p="sm" aria-label={c.title} aria-describedby={`connector-desc-${c.name}`}
            data-testid={`connector-${c.name}`} style={{ minHeight: 44 }}>
            <Group wrap="nowrap" align="flex-start" gap="sm">
              <Radio.Indicator mt={2} />
              <Box style={{ flex: 'none', lineHeight: 0 }}><SourceIcon icon={c.icon || c.name} size={24} /></Box>
              <div style={{ minWidth: 0 }}>
                <Text fw={600} size="sm">{c.title}</Text>
                <Text size="xs" c="dimmed" id={`connector-desc-${c.name}`} lineClamp={3}>{connectorBlurb(c.description) || c.name}</Text>
              </div>
            </Group>
          </Radio.Card>
        ))}
      </SimpleGrid>
      {connectors.length === 0 && <Text c="dimmed" size="sm">No connectors are installed.</Text>}
    </Radio.Group>
  );
}

function ConfigForm({ connector, source, onClose, onSaved }: { connector: Connector } & Omit<Props, 'opened'>) {
  const stored = source?.config as Record<string, unknown> | undefined;
  const fields = useMemo(() => buildFields(connector.config_schema, stored), [connector, stored]);
  const [values, setValues] = useState<Record<string, FieldValue>>(() => initialValues(fields, stored));
  const [name, setName] = useState(source?.name ?? '');
  const [nameTouched, setNameTouched] = useState(!!source);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const save = useSaveSource();
  const formRef = useRef<HTMLFormElement>(null);
  const [focusError, setFocusError] = useState(0);

  // after a failed submit, move focus to the first field in error
  useEffect(() => {
    if (focusError) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusError]);

  const set = (key: string, v: FieldValue) => {
    setValues((old) => ({ ...old, [key]: v }));
    setErrors(({ [key]: _gone, ...rest }) => rest);
  };

  const suggestedName = !nameTouched && !name ? connector.name.replace(/[^a-z0-9_]/g, '_') : null;
  const optionalOpen = !!stored && fields.some((f) => !f.required && f.key in (stored ?? {}));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const finalName = name || suggestedName || '';
    const { config, errors: errs } = toConfig(fields, values);
    const nameErr = sourceNameProblem(finalName);
    if (nameErr) errs.name = nameErr;
    setErrors(errs);
    setFormErrors([]);
    if (Object.keys(errs).length) {
      setFocusError((n) => n + 1);
      return;
    }
    if (!name) setName(finalName);
    save.mutate({ id: source?.id, draft: { name: finalName, connector: connector.name, config } }, {
      onSuccess: (s) => onSaved(s, !source),
      onError: (err) => {
        const problem = err instanceof ApiError ? err.problem : undefined;
        const mapped = mapServerErrors(problem?.errors, fields);
        setErrors(mapped.fields);
        const rest = mapped.form.length || Object.keys(mapped.fields).length ? mapped.form : [problemMessage(err)];
        setFormErrors(rest);
        setFocusError((n) => n + 1);
      },
    });
  };

  const addons = connector.name === 'files' && fields.some((f) => f.key === 'path')
    ? {
        path: (
          <FilePicker value={typeof values.path === 'string' ? values.path : ''} onPick={(f) => {
            set('path', f.path);
            if (!nameTouched && !source) setName(nameFromFile(f.name));
          }} />
        ),
      }
    : undefined;

  return (
    <form ref={formRef} onSubmit={submit} noValidate aria-label={`${connector.title} settings`}>
      <Stack gap="sm">
        {source && (
          <Group gap="xs">
            <SourceIcon icon={connector.icon || connector.name} size={22} />
            <Text fw={600}>{connector.title}</Text>
            <Badge variant="outline">{connector.name}</Badge>
          </Group>
        )}
        <TextInput {...INPUT} label="Source name" withAsterisk aria-required data-field="name" name="name"
          description="Lowercase letters, digits and underscores; the schema name of its tables in queries."
          value={name} placeholder={suggestedName ?? undefined} error={errors.name ?? errors.connector}
          onChange={(e) => {
            setName(e.currentTarget.value);
            setNameTouched(true);
            setErrors(({ name: _n, ...rest }) => rest);
          }} />
        {fields.length === 0 && <Text size="sm" c="dimmed">This connector has no settings.</Text>}
        <SchemaForm fields={fields} values={values} errors={errors} onChange={set} addons={addons} optionalOpen={optionalOpen} />
        {formErrors.length > 0 && (
          <Alert color="red" role="alert" title="The server refused the source">
            {formErrors.map((m, i) => <Text key={i} size="sm">{m}</Text>)}
          </Alert>
        )}
        {Object.keys(errors).length > 0 && !formErrors.length && (
          <Text size="sm" c="red.8" role="alert">Fix the {Object.keys(errors).length === 1 ? 'field' : `${Object.keys(errors).length} fields`} marked above.</Text>
        )}
        <Group justify="flex-end" gap="sm" mt="xs">
          <Button variant="default" mih={44} onClick={onClose}>Cancel</Button>
          <Button type="submit" mih={44} loading={save.isPending}>{source ? 'Save changes' : 'Add source'}</Button>
        </Group>
      </Stack>
    </form>
  );
}
