/**
 * The fields of a connector's config, generated from its JSON schema (see schemaForm.ts):
 * required fields first, optional ones behind a toggle that opens by itself when one of them
 * has a value or an error. Secrets are password inputs that never receive a stored value.
 */
import { Box, Button, Checkbox, Collapse, JsonInput, NativeSelect, PasswordInput, Stack, TagsInput, TextInput } from '@mantine/core';
import { IconChevronDown, IconChevronRight } from '@tabler/icons-react';
import { useEffect, useId, useState, type ReactNode } from 'react';
import type { FieldValue, FormField } from './schemaForm';

/** Inputs at least 44 px high (touch targets at phone width). */
export const INPUT = { size: 'md', styles: { input: { minHeight: 44 } } } as const;

interface Props {
  fields: FormField[];
  values: Record<string, FieldValue>;
  errors: Record<string, string>;
  onChange: (key: string, value: FieldValue) => void;
  /** extra controls under a field (the file picker under `path`) */
  addons?: Record<string, ReactNode>;
  /** show the optional fields from the start (editing a source that sets some) */
  optionalOpen?: boolean;
}

export function SchemaForm({ fields, values, errors, onChange, addons, optionalOpen = false }: Props) {
  const required = fields.filter((f) => f.required);
  const optional = fields.filter((f) => !f.required);
  const [open, setOpen] = useState(optionalOpen);
  const optionalId = useId();
  const optionalError = optional.some((f) => errors[f.key]);
  // an error in an optional field opens them (the user may close them again)
  useEffect(() => {
    if (optionalError) setOpen(true);
  }, [optionalError]);
  const shown = open;
  const field = (f: FormField) => (
    <Box key={f.key}>
      <FieldInput field={f} value={values[f.key]} error={errors[f.key]} onChange={(v) => onChange(f.key, v)} />
      {addons?.[f.key]}
    </Box>
  );
  return (
    <Stack gap="sm">
      {required.map(field)}
      {optional.length > 0 && (
        <>
          <Button variant="subtle" justify="flex-start" mih={44} px={4} aria-expanded={shown} aria-controls={optionalId}
            leftSection={shown ? <IconChevronDown size={18} aria-hidden /> : <IconChevronRight size={18} aria-hidden />}
            onClick={() => setOpen(!shown)}>
            Optional settings ({optional.length})
          </Button>
          <Collapse expanded={shown} id={optionalId}>
            <Stack gap="sm">{optional.map(field)}</Stack>
          </Collapse>
        </>
      )}
    </Stack>
  );
}

const TRISTATE = [
  { value: '', label: 'Not set (the connector decides)' },
  { value: 'true', label: 'Yes' },
  { value: 'false', label: 'No' },
];

/** One input for one field, by its kind. */
export function FieldInput({ field: f, value, error, onChange }: { field: FormField; value: FieldValue | undefined; error?: string; onChange: (v: FieldValue) => void }) {
  const common = {
    label: f.label,
    description: f.description,
    error,
    withAsterisk: f.required,
    'aria-required': f.required || undefined,
    name: f.key,
    'data-field': f.key,
  };
  const text = typeof value === 'string' ? value : '';
  switch (f.kind) {
    case 'secret':
      return (
        <PasswordInput {...common} {...INPUT} value={text} autoComplete="new-password"
          placeholder={f.stored ? 'stored — leave blank to keep' : undefined}
          onChange={(e) => onChange(e.currentTarget.value)} />
      );
    case 'integer':
    case 'number':
      return (
        <TextInput {...common} {...INPUT} value={text} inputMode={f.kind === 'integer' ? 'numeric' : 'decimal'}
          onChange={(e) => onChange(e.currentTarget.value)} />
      );
    case 'boolean':
      return (
        <Checkbox label={f.label} description={f.description} error={error} name={f.key} data-field={f.key} size="md"
          checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)}
          styles={{ body: { minHeight: 44, alignItems: 'center' } }} />
      );
    case 'tristate':
      return <NativeSelect {...common} {...INPUT} value={text} data={TRISTATE} onChange={(e) => onChange(e.currentTarget.value)} />;
    case 'enum': {
      const blank = !f.required || text === '' ? [{ value: '', label: f.required ? 'Choose…' : 'Not set' }] : [];
      return <NativeSelect {...common} {...INPUT} value={text} data={[...blank, ...(f.options ?? [])]} onChange={(e) => onChange(e.currentTarget.value)} />;
    }
    case 'strings':
      return (
        <TagsInput {...common} {...INPUT} value={Array.isArray(value) ? value : []} splitChars={[',']} acceptValueOnBlur
          clearable onChange={(v) => onChange(v)} />
      );
    case 'json':
      return (
        <JsonInput {...common} size="md" value={text} autosize minRows={3} maxRows={14} formatOnBlur
          placeholder={f.stored ? 'stored — leave blank to keep' : f.placeholder}
          onChange={(v) => onChange(v)} styles={{ input: { fontFamily: 'ui-monospace, monospace' } }} />
      );
    default:
      return <TextInput {...common} {...INPUT} value={text} onChange={(e) => onChange(e.currentTarget.value)} />;
  }
}
