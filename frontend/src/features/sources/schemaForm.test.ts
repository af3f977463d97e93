import {
  EXTRA_KEY, MASK, buildFields, checkValue, describe as describeSchema, fieldLabel, initialValues, isSecretKey,
  mapServerErrors, nameFromFile, sourceNameProblem, toConfig, type JsonSchema,
} from './schemaForm';

// what GET /api/v1/connectors answers for `files` and `sql` (autonomos/server/resources/configs.py)
const FILES: JsonSchema = {
  type: 'object',
  properties: {
    path: { type: 'string', title: 'Path' },
    format: { type: 'string', title: 'Format', default: null },
    header: { type: 'boolean', title: 'Header', default: null },
    primary_key: {
      anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } }],
      title: 'Primary key', default: null,
    },
    skip_rows: { type: 'integer', title: 'Skip rows', default: null },
  },
  required: ['path'],
  additionalProperties: false,
};
const SQL: JsonSchema = {
  type: 'object',
  properties: {
    url: { type: 'string', title: 'Url', 'x-secret-parts': 'a password inside the URL is stored encrypted and shown as ***' },
    tables: { type: 'array', items: { type: 'string' }, title: 'Tables', default: null },
    cursor: { anyOf: [{ type: 'string' }, { type: 'object', additionalProperties: { type: 'string' } }], title: 'Cursor', default: null },
    batch_size: { type: 'integer', title: 'Batch size', default: 50000 },
  },
  required: ['url'],
  additionalProperties: false,
};
const KINDS: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 2, pattern: '^[a-z]+$' },
    ratio: { type: 'number', minimum: 0, maximum: 1 },
    verbose: { type: 'boolean', default: false },
    mode: { enum: ['full', 'incremental'], default: 'full' },
    level: { enum: [1, 2, 3] },
    api_token: { type: 'string' },
    client_secret: { type: 'string', 'x-secret': true },
    pin: { type: 'string', writeOnly: true },
    passcode: { type: 'string', format: 'password' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    grid: { type: 'array', items: { type: 'array', items: { type: 'integer' } } },
    when: { anyOf: [{ type: 'string' }, { type: 'null' }] },
  },
  required: ['name', 'level'],
};

const byKey = (schema: JsonSchema, config?: Record<string, unknown>) => Object.fromEntries(buildFields(schema, config).map((f) => [f.key, f]));

describe('schema → fields', () => {
  it('gives each kind its input, required fields first', () => {
    const f = byKey(KINDS);
    expect(Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v.kind]))).toEqual({
      name: 'string', ratio: 'number', verbose: 'boolean', mode: 'enum', level: 'enum', api_token: 'secret',
      client_secret: 'secret', pin: 'secret', passcode: 'secret', headers: 'json', grid: 'json', when: 'string',
    });
    expect(buildFields(KINDS).slice(0, 2).map((x) => [x.key, x.required])).toEqual([['name', true], ['level', true]]);
    expect(f.level.options).toEqual([{ value: '0', label: '1' }, { value: '1', label: '2' }, { value: '2', label: '3' }]);
  });

  it('renders the files and sql connectors: unions as JSON, unset booleans three-way, lists of strings as tags', () => {
    const files = byKey(FILES);
    expect(files.path).toMatchObject({ kind: 'string', required: true, label: 'Path' });
    expect(files.header.kind).toBe('tristate');
    expect(files.primary_key.kind).toBe('json');
    expect(files.primary_key.description).toBe('JSON: a list of strings or an object whose values are lists of strings.');
    expect(files.primary_key.placeholder).toBe('e.g. ["a","b"]');
    expect(files.skip_rows.kind).toBe('integer');
    const sql = byKey(SQL);
    expect(sql.url).toMatchObject({ kind: 'string', label: 'URL' });
    expect(sql.url.description).toContain('password inside the URL is stored encrypted');
    expect(sql.tables.kind).toBe('strings');
    expect(sql.batch_size.description).toBe('Default: 50000.');
  });

  it('labels with acronyms and humanized keys', () => {
    expect(fieldLabel('url', { title: 'Url' })).toBe('URL');
    expect(fieldLabel('api_key', { title: 'Api key' })).toBe('API key');
    expect(fieldLabel('data_dir', {})).toBe('Data directory');
  });

  it('detects secrets however they are marked, as the server does', () => {
    for (const k of ['password', 'apiKey', 'aws_secret', 'token', 'key', 'private_key', 'x-api-key']) expect(isSecretKey(k)).toBe(true);
    for (const k of ['primary_key', 'path', 'cursor_key', 'keyword', 'monkey']) expect(isSecretKey(k)).toBe(false);
  });

  it('keeps config keys the schema does not describe, and values that do not fit their field, as JSON', () => {
    const f = byKey(SQL, { url: 'postgresql://h/db', batch_size: 'big', legacy: { a: 1 } });
    expect(f.batch_size.kind).toBe('json');
    expect(f[EXTRA_KEY].kind).toBe('json');
    const values = initialValues(buildFields(SQL, { url: 'postgresql://h/db', batch_size: 'big', legacy: { a: 1 } }), { url: 'postgresql://h/db', batch_size: 'big', legacy: { a: 1 } });
    expect(values.batch_size).toBe('"big"');
    expect(JSON.parse(values[EXTRA_KEY] as string)).toEqual({ legacy: { a: 1 } });
    const { config } = toConfig(buildFields(SQL, { url: 'x', legacy: { a: 1 } }), { url: 'postgresql://h/db', [EXTRA_KEY]: '{"legacy": {"a": 2}}' });
    expect(config).toEqual({ url: 'postgresql://h/db', legacy: { a: 2 } });
  });
});

describe('values and validation', () => {
  it('starts from defaults (an unset default stays blank) and sends only what is set', () => {
    const fields = buildFields(SQL);
    const values = initialValues(fields);
    expect(values).toEqual({ url: '', tables: [], cursor: '', batch_size: '50000' });
    const { config, errors } = toConfig(fields, { ...values, url: 'postgresql://u@h/db', tables: ['a', ' b '] });
    expect(errors).toEqual({});
    expect(config).toEqual({ url: 'postgresql://u@h/db', tables: ['a', 'b'], batch_size: 50000 });
  });

  it('marks required fields and bad values with a message each', () => {
    const fields = buildFields(KINDS);
    const values = { ...initialValues(fields), name: 'A', ratio: '2', level: '', headers: '{"a": 1}', grid: '[[1, "x"]]', api_token: '' };
    const { errors } = toConfig(fields, values);
    expect(errors).toEqual({
      name: 'At least 2 characters',
      ratio: 'At most 1',
      level: 'Required',
      headers: 'A: expected a string',
      grid: '[0][1]: expected a whole number',
    });
    expect(toConfig(fields, { ...values, name: 'ab1' }).errors.name).toMatch(/expected format/);
    expect(toConfig(buildFields(FILES), { path: 'a.csv', skip_rows: '1.5' }).errors.skip_rows).toBe('Enter a whole number');
    expect(toConfig(buildFields(FILES), { path: 'a.csv', primary_key: '{"t": "id"' }).errors.primary_key).toMatch(/^Not valid JSON/);
    expect(toConfig(buildFields(FILES), { path: 'a.csv', primary_key: '"id"' }).errors.primary_key)
      .toBe('Expected a list of strings or an object whose values are lists of strings');
  });

  it('converts each kind to config data', () => {
    const fields = buildFields(KINDS);
    const { config, errors } = toConfig(fields, {
      ...initialValues(fields), name: 'ab', ratio: '0.5', verbose: true, mode: '1', level: '2', headers: '{"x": "y"}', grid: '[[1]]', when: 'now',
    });
    expect(errors).toEqual({});
    expect(config).toEqual({ name: 'ab', ratio: 0.5, verbose: true, mode: 'incremental', level: 3, headers: { x: 'y' }, grid: [[1]], when: 'now' });
    const files = buildFields(FILES);
    expect(toConfig(files, { path: 'a.csv', header: 'false', primary_key: '["id"]' }).config).toEqual({ path: 'a.csv', header: false, primary_key: ['id'] });
    expect(toConfig(files, { path: 'a.csv', header: '' }).config).toEqual({ path: 'a.csv' });
  });
});

describe('JSON fields that also take a string', () => {
  it('accept plain text or JSON, and show a stored string as text', () => {
    const fields = buildFields(SQL);
    const cursor = fields.find((f) => f.key === 'cursor')!;
    expect(cursor.kind).toBe('json');
    expect(cursor.description).toBe('Text, or JSON for an object whose values are strings.');
    expect(cursor.placeholder).toBe('e.g. {"name":"a"}');
    const base = { url: 'postgresql://h/db', batch_size: '1' };
    expect(toConfig(fields, { ...base, cursor: 'updated_at' }).config.cursor).toBe('updated_at');
    expect(toConfig(fields, { ...base, cursor: '{"orders": "ts"}' }).config.cursor).toEqual({ orders: 'ts' });
    expect(toConfig(fields, { ...base, cursor: '42' }).config.cursor).toBe('42');
    expect(toConfig(fields, { ...base, cursor: '"ts"' }).config.cursor).toBe('ts');
    expect(toConfig(fields, { ...base, cursor: '{"orders": 1}' }).errors.cursor).toBe('Expected a string or an object whose values are strings');
    expect(toConfig(fields, { ...base, cursor: '{"orders": ' }).errors.cursor).toMatch(/^Not valid JSON/);
    expect(initialValues(buildFields(SQL, { url: 'x', cursor: 'ts' }), { url: 'x', cursor: 'ts' }).cursor).toBe('ts');
  });
});

describe('stored secrets', () => {
  const stored = { url: MASK, tables: ['t'], batch_size: 100 };

  it('never put a stored value in the form, and blank sends "***" (keep)', () => {
    const fields = buildFields(SQL, stored);
    const url = fields.find((f) => f.key === 'url')!;
    expect(url).toMatchObject({ kind: 'secret', stored: true });
    expect(url.description).toContain('Stored — leave blank to keep it');
    const values = initialValues(fields, stored);
    expect(values.url).toBe('');
    expect(Object.values(values)).not.toContain(MASK);
    expect(toConfig(fields, values).config).toEqual({ url: MASK, tables: ['t'], batch_size: 100 });
    expect(toConfig(fields, { ...values, url: 'postgresql://u:new@h/db' }).config.url).toBe('postgresql://u:new@h/db');
  });

  it('a required secret is not "missing" while one is stored', () => {
    const schema: JsonSchema = { type: 'object', properties: { password: { type: 'string', 'x-secret': true } }, required: ['password'] };
    expect(toConfig(buildFields(schema), { password: '' }).errors).toEqual({ password: 'Required' });
    expect(toConfig(buildFields(schema, { password: MASK }), { password: '' })).toEqual({ config: { password: MASK }, errors: {} });
  });
});

describe('server errors → fields', () => {
  it('maps config.<field> (and deeper paths) onto the field, the rest onto the form', () => {
    const fields = buildFields(FILES);
    const out = mapServerErrors([
      { field: 'config.path', message: 'must not contain ..' },
      { field: 'config.primary_key[0]', message: 'expected a string' },
      { field: 'name', message: 'already exists' },
      { field: 'config', message: 'expected a mapping' },
      { field: 'config.nope', message: 'unknown field' },
    ], fields);
    expect(out.fields).toEqual({ path: 'Must not contain ..', primary_key: '[0]: expected a string', name: 'Already exists' });
    expect(out.form).toEqual(['config: expected a mapping', 'config.nope: unknown field']);
  });
});

describe('helpers', () => {
  it('describes types in words and checks values', () => {
    expect(describeSchema({ type: 'array', items: { type: 'integer' } })).toBe('a list of whole numbers');
    expect(checkValue({ type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false }, { b: 1 })).toBe('a is required');
    expect(checkValue({ enum: ['x'] }, 'y')).toBe('expected one of "x"');
  });

  it('suggests a source name from a file and checks names like the server', () => {
    expect(nameFromFile('Customers 2024.csv')).toBe('customers_2024');
    expect(nameFromFile('2024.csv')).toBe('f_2024');
    expect(sourceNameProblem('crm')).toBeNull();
    expect(sourceNameProblem('')).toBe('Required');
    expect(sourceNameProblem('Bad-Name')).toMatch(/Lowercase/);
  });
});
