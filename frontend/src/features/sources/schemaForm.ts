/**
 * A connector's config JSON schema → form fields, their values, client-side validation and the
 * config to send; plus problem details from the server mapped back onto the field they name.
 *
 * Pure functions (no React), so the generator is tested on its own. Kinds the form renders
 * directly: string, secret, integer, number, boolean (checkbox, or a three-way select when the
 * default is "unset"), enum, list of strings. Anything else (objects, unions, nested lists, a
 * stored value that does not fit its field) is a JSON text field: never silently dropped.
 */

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  format?: string;
  writeOnly?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  'x-secret'?: boolean;
  'x-secret-parts'?: string;
  [extra: string]: unknown;
}

export type FieldKind = 'string' | 'secret' | 'integer' | 'number' | 'boolean' | 'tristate' | 'enum' | 'strings' | 'json';

/** string for text-like kinds (numbers as typed, JSON as text, tristate '' | 'true' | 'false',
 * enum the option's index), boolean for checkboxes, string[] for lists of strings. */
export type FieldValue = string | boolean | string[];

export interface FormField {
  key: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  schema: JsonSchema;
  /** help text: the schema's description, what a JSON field expects, the default */
  description?: string;
  /** enum choices, labels as shown */
  options?: { value: string; label: string }[];
  /** the stored config holds a secret here (shown as "***"): blank keeps it */
  stored?: boolean;
  /** for JSON fields: an example value */
  placeholder?: string;
}

/** The key under which config keys the schema does not describe are kept (as JSON). */
export const EXTRA_KEY = '__extra__';
/** What the server shows in place of a stored secret; sent back, it keeps the stored value. */
export const MASK = '***';

const SECRET_WORDS = ['password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'api_key', 'credential', 'private_key', 'access_key', 'auth'];
const NOT_SECRET = new Set(['primary_key', 'foreign_key', 'sort_key', 'partition_key', 'cursor_key', 'unique_key', 'merge_key', 'key_field', 'key_column']);

/** Whether values under this key look secret: the server's rule (autonomos.core.redaction.is_secret_key). */
export function isSecretKey(key: string): boolean {
  const k = key.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toLowerCase().replace(/-/g, '_');
  if (NOT_SECRET.has(k)) return false;
  return ['key', 'pwd', 'pass'].includes(k) || k.endsWith('_key') || SECRET_WORDS.some((w) => k.includes(w));
}

/** A field holds a secret however the schema marks it: x-secret, writeOnly, format password, or its name. */
export function isSecretField(key: string, schema: JsonSchema): boolean {
  return !!schema['x-secret'] || !!schema.writeOnly || schema.format === 'password' || isSecretKey(key);
}

const ACRONYMS: Record<string, string> = { url: 'URL', uri: 'URI', id: 'ID', api: 'API', sql: 'SQL', csv: 'CSV', json: 'JSON', ssl: 'SSL', tls: 'TLS', http: 'HTTP', dir: 'directory', db: 'database' };

/** "Url" → "URL", "Api key" → "API key", "data_dir" → "Data directory". */
export function fieldLabel(key: string, schema: JsonSchema): string {
  const words = (schema.title || key.replace(/_/g, ' ')).split(/\s+/).filter(Boolean);
  const out = words.map((w, i) => {
    const a = ACRONYMS[w.toLowerCase()];
    if (a) return i === 0 && a === a.toLowerCase() ? a[0].toUpperCase() + a.slice(1) : a;
    return i === 0 ? w[0].toUpperCase() + w.slice(1) : w;
  });
  return out.join(' ');
}

const types = (s: JsonSchema): string[] => (Array.isArray(s.type) ? s.type : s.type ? [s.type] : []).filter((t) => t !== 'null');

/** The type in words, for JSON fields' help and their errors: "a list of strings or an object …". */
export function describe(s: JsonSchema): string {
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return alts.map(describe).join(' or ');
  if (s.enum) return `one of ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  const t = types(s);
  if (t.length > 1) return t.map((x) => describe({ ...s, type: x })).join(' or ');
  switch (t[0]) {
    case 'string': return 'a string';
    case 'integer': return 'a whole number';
    case 'number': return 'a number';
    case 'boolean': return 'true or false';
    case 'array': return s.items && Object.keys(s.items).length ? `a list of ${plural(describe(s.items))}` : 'a list';
    case 'object': {
      if (s.properties) return `an object with ${Object.keys(s.properties).join(', ')}`;
      const ap = s.additionalProperties;
      return ap && typeof ap === 'object' && Object.keys(ap).length ? `an object whose values are ${plural(describe(ap))}` : 'an object';
    }
    default: return 'any JSON value';
  }
}

/** "a string" → "strings", "a whole number or an object …" → "whole numbers or objects …". */
function plural(phrase: string): string {
  if (phrase === 'any JSON value') return 'JSON values';
  return phrase
    .split(' or ')
    .map((p) => (p === 'true' || p === 'false' ? p : p.replace(/^an? ((?:whole )?)(\w+)/, (_m, pre: string, w: string) => `${pre}${w}s`)))
    .join(' or ');
}

/** A small example value of a schema, for JSON fields' placeholders: {"name": ["a", "b"]}. */
export function example(s: JsonSchema, depth = 0): unknown {
  const alts = (s.anyOf ?? s.oneOf)?.filter((a) => !types(a).includes('string') || depth > 0);
  if (alts?.length) return example(alts[0], depth);
  if (s.enum?.length) return s.enum[0];
  const t = types(s)[0];
  if (depth > 3) return null;
  switch (t) {
    case 'string': return depth ? 'a' : 'text';
    case 'integer': case 'number': return 1;
    case 'boolean': return true;
    case 'array': return s.items ? [example(s.items, depth + 1), ...(types(s.items)[0] === 'string' ? ['b'] : [])] : [];
    case 'object': {
      if (s.properties) return Object.fromEntries(Object.entries(s.properties).slice(0, 3).map(([k, v]) => [k, example(v, depth + 1)]));
      const ap = s.additionalProperties;
      return { name: ap && typeof ap === 'object' ? example(ap, depth + 1) : 'value' };
    }
    default: return null;
  }
}

/** Problems of a JSON value against a schema (the subset the connectors' schemas use). */
export function checkValue(s: JsonSchema, v: unknown, where = ''): string | null {
  const at = where ? `${where}: ` : '';
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return alts.some((a) => checkValue(a, v) === null) ? null : `${at}expected ${describe(s)}`;
  if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) return `${at}expected ${describe(s)}`;
  const allowed = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (!allowed.length) return null;
  const fits = (t: string) =>
    (t === 'null' && v === null) ||
    (t === 'string' && typeof v === 'string') ||
    (t === 'boolean' && typeof v === 'boolean') ||
    (t === 'integer' && Number.isInteger(v)) ||
    (t === 'number' && typeof v === 'number' && Number.isFinite(v)) ||
    (t === 'array' && Array.isArray(v)) ||
    (t === 'object' && v !== null && typeof v === 'object' && !Array.isArray(v));
  if (!allowed.some(fits)) return `${at}expected ${describe(s)}`;
  if (Array.isArray(v) && s.items) {
    for (let i = 0; i < v.length; i++) {
      const p = checkValue(s.items, v[i], `${where}[${i}]`);
      if (p) return p;
    }
  }
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const obj = v as Record<string, unknown>;
    for (const r of s.required ?? []) if (!(r in obj)) return `${at}${r} is required`;
    for (const [k, x] of Object.entries(obj)) {
      const sub = s.properties?.[k] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
      if (!sub && s.additionalProperties === false) return `${at}unknown key ${JSON.stringify(k)}`;
      const p = sub ? checkValue(sub, x, where ? `${where}.${k}` : k) : null;
      if (p) return p;
    }
  }
  if (typeof v === 'string') return textProblem(s, v, at);
  if (typeof v === 'number') return numberProblem(s, v, at);
  return null;
}

function textProblem(s: JsonSchema, v: string, at = ''): string | null {
  if (s.minLength !== undefined && v.length < s.minLength) return `${at}at least ${s.minLength} characters`;
  if (s.maxLength !== undefined && v.length > s.maxLength) return `${at}at most ${s.maxLength} characters`;
  if (s.pattern && !new RegExp(s.pattern).test(v)) return `${at}does not match the expected format (${s.pattern})`;
  return null;
}

function numberProblem(s: JsonSchema, v: number, at = ''): string | null {
  if (s.minimum !== undefined && v < s.minimum) return `${at}at least ${s.minimum}`;
  if (s.maximum !== undefined && v > s.maximum) return `${at}at most ${s.maximum}`;
  return null;
}

function baseKind(key: string, s: JsonSchema, required: boolean): FieldKind {
  if (s.anyOf || s.oneOf) {
    // a nullable single type (anyOf [X, null]) is still X
    const alts = (s.anyOf ?? s.oneOf)!.filter((a) => !(types(a).length === 0 && a.type === 'null'));
    return alts.length === 1 ? baseKind(key, { ...s, ...alts[0], anyOf: undefined, oneOf: undefined }, required) : 'json';
  }
  if (s.enum) return s.enum.length > 0 && s.enum.every((e) => ['string', 'number', 'boolean'].includes(typeof e)) ? 'enum' : 'json';
  const t = types(s);
  if (t.length !== 1) return t.length === 0 && isSecretField(key, s) ? 'secret' : 'json';
  switch (t[0]) {
    case 'string': return isSecretField(key, s) ? 'secret' : 'string';
    case 'integer': return 'integer';
    case 'number': return 'number';
    case 'boolean': return required || typeof s.default === 'boolean' ? 'boolean' : 'tristate';
    case 'array': return s.items && types(s.items).length === 1 && types(s.items)[0] === 'string' && !s.items.enum ? 'strings' : 'json';
    default: return 'json';
  }
}

/** Whether a stored value can be shown by a field of this kind (else the field becomes JSON). */
function fitsKind(kind: FieldKind, f: FormField, v: unknown): boolean {
  if (v === undefined || v === null) return true;
  switch (kind) {
    case 'string': case 'secret': return typeof v === 'string';
    case 'integer': return Number.isInteger(v);
    case 'number': return typeof v === 'number';
    case 'boolean': case 'tristate': return typeof v === 'boolean';
    case 'enum': return f.schema.enum!.some((e) => e === v);
    case 'strings': return Array.isArray(v) && v.every((x) => typeof x === 'string');
    default: return true;
  }
}

/**
 * The form's fields from a connector's config schema: required ones first (in schema order),
 * then the optional ones. With `config` (editing), a stored value that does not fit its field
 * turns that field into JSON, and config keys the schema lacks get one extra JSON field.
 */
export function buildFields(schema: JsonSchema, config?: Record<string, unknown>): FormField[] {
  const required = new Set(schema.required ?? []);
  const props = schema.properties ?? {};
  const fields: FormField[] = Object.entries(props).map(([key, s]) => {
    const req = required.has(key);
    const f: FormField = { key, label: fieldLabel(key, s), kind: baseKind(key, s, req), required: req, schema: s };
    const stored = config?.[key];
    if (stored === MASK) {
      f.stored = true;
      if (f.kind !== 'json') f.kind = 'secret';
    } else if (!fitsKind(f.kind, f, stored)) {
      f.kind = 'json';
    }
    if (f.kind === 'enum') f.options = s.enum!.map((e, i) => ({ value: String(i), label: String(e) }));
    if (f.kind === 'json' && !f.stored) f.placeholder = `e.g. ${JSON.stringify(example(s))}`;
    f.description = help(f);
    return f;
  });
  const known = new Set(Object.keys(props));
  const extras = Object.keys(config ?? {}).filter((k) => !known.has(k));
  if (extras.length || (schema.additionalProperties !== false && schema.additionalProperties !== undefined)) {
    fields.push({
      key: EXTRA_KEY, label: 'Other settings (JSON)', kind: 'json', required: false,
      schema: { type: 'object', additionalProperties: typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {} },
      description: extras.length ? `Settings this form does not describe: ${extras.join(', ')}.` : 'More settings as a JSON object.',
    });
  }
  return [...fields.filter((f) => f.required), ...fields.filter((f) => !f.required)];
}

/** Whether a plain string is a valid value (such JSON fields take unquoted text too). */
function allowsString(s: JsonSchema): boolean {
  return checkValue(s, '') === null || checkValue({ ...s, minLength: undefined, pattern: undefined }, 'x') === null;
}

function help(f: FormField): string | undefined {
  const s = f.schema;
  const parts: string[] = [];
  if (s.description) parts.push(s.description);
  if (f.stored) parts.push('Stored — leave blank to keep it, or type a new value to replace it.');
  else if (f.kind === 'secret') parts.push('Stored encrypted; never shown again.');
  if (s['x-secret-parts'] && !f.stored) parts.push(`Note: ${s['x-secret-parts']}.`);
  if (f.kind === 'json') {
    const others = (s.anyOf ?? s.oneOf ?? []).filter((a) => !allowsString(a));
    parts.push(allowsString(s) && others.length ? `Text, or JSON for ${others.map(describe).join(' or ')}.` : `JSON: ${describe(s)}.`);
  }
  if (f.kind === 'strings') parts.push('Press Enter or type a comma after each value.');
  if (s.default !== undefined && s.default !== null && f.kind !== 'boolean' && !f.stored) parts.push(`Default: ${typeof s.default === 'string' ? s.default : JSON.stringify(s.default)}.`);
  return parts.length ? parts.join(' ') : undefined;
}

/** Initial values: the stored config when editing (secrets blank), else the schema's defaults. */
export function initialValues(fields: FormField[], config?: Record<string, unknown>): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const f of fields) {
    if (f.key === EXTRA_KEY) {
      const extras = Object.fromEntries(Object.entries(config ?? {}).filter(([k]) => !fields.some((x) => x.key === k)));
      out[f.key] = Object.keys(extras).length ? JSON.stringify(extras, null, 2) : '';
      continue;
    }
    const has = config !== undefined && f.key in config;
    const v = has ? config![f.key] : f.schema.default;
    out[f.key] = toFieldValue(f, f.stored ? undefined : v);
  }
  return out;
}

function toFieldValue(f: FormField, v: unknown): FieldValue {
  switch (f.kind) {
    case 'boolean': return v === true;
    case 'tristate': return v === true ? 'true' : v === false ? 'false' : '';
    case 'strings': return Array.isArray(v) ? v.map(String) : [];
    case 'enum': {
      const i = f.schema.enum!.findIndex((e) => e === v);
      return i >= 0 ? String(i) : '';
    }
    case 'json':
      if (v === undefined || v === null) return '';
      return typeof v === 'string' && allowsString(f.schema) ? v : JSON.stringify(v, null, 2);
    default: return v === undefined || v === null ? '' : String(v);
  }
}

const isBlank = (v: FieldValue) => (Array.isArray(v) ? v.length === 0 : typeof v === 'string' ? v.trim() === '' : false);

/** One field's value as config data: `undefined` = leave the key out (blank optional field). */
function parseField(f: FormField, v: FieldValue): { value?: unknown; error?: string } {
  if (isBlank(v)) {
    if (f.stored) return { value: MASK };
    return f.required ? { error: 'Required' } : {};
  }
  const s = f.schema;
  switch (f.kind) {
    case 'boolean': return { value: v === true };
    case 'tristate': return { value: v === 'true' };
    case 'strings': return { value: (v as string[]).map((x) => x.trim()).filter(Boolean) };
    case 'enum': return { value: s.enum![Number(v)] };
    case 'integer': {
      const t = (v as string).trim();
      if (!/^[-+]?\d+$/.test(t)) return { error: 'Enter a whole number' };
      const n = Number(t);
      const p = numberProblem(s, n);
      return p ? { error: cap(p) } : { value: n };
    }
    case 'number': {
      const n = Number((v as string).trim());
      if (!Number.isFinite(n)) return { error: 'Enter a number' };
      const p = numberProblem(s, n);
      return p ? { error: cap(p) } : { value: n };
    }
    case 'json': {
      const raw = (v as string).trim();
      // plain text where the field takes a string ("updated_at" for a cursor); { or [ start JSON
      const text = allowsString(s) && !/^[[{]/.test(raw);
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch (e) {
        if (text) return checkValue(s, raw) ? { error: cap(checkValue(s, raw)!) } : { value: raw };
        return { error: `Not valid JSON (${e instanceof Error ? e.message : 'parse error'})` };
      }
      const p = checkValue(s, parsed);
      if (p && text && checkValue(s, raw) === null) return { value: raw };
      return p ? { error: cap(p) } : { value: parsed };
    }
    default: {
      const p = textProblem(s, v as string);
      return p ? { error: cap(p) } : { value: v };
    }
  }
}

const cap = (s: string) => s[0].toUpperCase() + s.slice(1);

/** Validate every field; `config` is what to send (blank optional fields left out). */
export function toConfig(fields: FormField[], values: Record<string, FieldValue>): { config: Record<string, unknown>; errors: Record<string, string> } {
  const config: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const { value, error } = parseField(f, values[f.key] ?? toFieldValue(f, undefined));
    if (error) errors[f.key] = error;
    else if (value !== undefined) {
      if (f.key === EXTRA_KEY) Object.assign(config, value as Record<string, unknown>);
      else config[f.key] = value;
    }
  }
  return { config, errors };
}

export interface ServerFieldError {
  field?: string;
  key?: string;
  message?: string;
}

/**
 * Problem-details `errors` → messages per form field (`config.path` → `path`,
 * `config.primary_key[0]` → `primary_key`, `name` → `name`); the rest for the form as a whole.
 */
export function mapServerErrors(errors: ServerFieldError[] | undefined, fields: FormField[]): { fields: Record<string, string>; form: string[] } {
  const out: Record<string, string> = {};
  const form: string[] = [];
  const keys = new Set(fields.map((f) => f.key));
  for (const e of errors ?? []) {
    const path = e.field ?? e.key ?? '';
    const msg = e.message || 'invalid';
    let target: string | null = null;
    let rest = '';
    if (path === 'name' || path === 'connector') target = path;
    else {
      const m = /^config\.([^.[]+)(.*)$/.exec(path);
      if (m && keys.has(m[1])) [target, rest] = [m[1], m[2]];
      else if (m && keys.has(EXTRA_KEY)) [target, rest] = [EXTRA_KEY, `${m[1]}${m[2]}`];
    }
    if (target) {
      const text = cap(rest ? `${rest.replace(/^\./, '')}: ${msg}` : msg);
      out[target] = out[target] ? `${out[target]}; ${text}` : text;
    } else form.push(path ? `${path}: ${msg}` : msg);
  }
  return { fields: out, form };
}

/** A source name from a file name: "Customers 2024.csv" → "customers_2024". */
export function nameFromFile(file: string): string {
  const stem = file.replace(/\.[^.]*$/, '').toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  const n = /^[a-z_]/.test(stem) ? stem : `f_${stem}`;
  return n.slice(0, 63) || 'files';
}

export const SOURCE_NAME = /^[a-z_][a-z0-9_]*$/;

/** The server's rule for source names (a DuckDB schema name), as a message or null. */
export function sourceNameProblem(name: string): string | null {
  if (!name) return 'Required';
  if (name.length > 63) return 'At most 63 characters';
  if (!SOURCE_NAME.test(name)) return 'Lowercase letters, digits and underscores; not starting with a digit';
  return null;
}
