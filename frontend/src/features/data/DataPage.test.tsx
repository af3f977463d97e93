import { fakeApi, problem, renderWithApi } from '../settings/testApi'; // first: see testApi.tsx
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DataPage, quoted } from './DataPage';
import { groupRelations } from './TableList';
import type { Relation } from './useData';

const col = (name: string, type: string) => ({ name, type });
const TABLES: Relation[] = [
  { schema: 'unified', name: 'account', kind: 'unified', rows: 12, columns: [col('name', 'VARCHAR')], source: null, table: null, rejected: null },
  { schema: 'unified', name: '_rejected', kind: 'quarantine', rows: 1, columns: [col('reason', 'VARCHAR')], source: null, table: null, rejected: null },
  { schema: 'src_crm', name: 'customers', kind: 'source', rows: 12, columns: [col('customer_id', 'BIGINT'), col('employees', 'BIGINT')], source: 'crm', table: 'customers', rejected: 1 },
  { schema: 'src_crm', name: '_rejected', kind: 'quarantine', rows: 1, columns: [col('reason', 'VARCHAR')], source: 'crm', table: null, rejected: null },
  { schema: 'src_lab', name: 'gizmos', kind: 'source', rows: 3, columns: [col('gizmo_code', 'VARCHAR')], source: 'lab', table: 'gizmos', rejected: 0 },
];
const page = (extra: Record<string, unknown>) => ({ version: 1, total: 0, limit: 50, offset: 0, next_offset: null, ...extra });
const CUSTOMER_ROWS = (offset: number) => page({
  schema: 'src_crm', name: 'customers', kind: 'source', columns: ['customer_id', 'employees'], types: ['BIGINT', 'BIGINT'],
  rows: Array.from({ length: offset ? 2 : 50 }, (_, i) => ({ customer_id: offset + i + 1, employees: i === 1 ? null : 10 })),
  total: 52, offset, next_offset: offset ? null : 50,
});
const REJECTED = page({
  schema: 'src_crm', name: 'customers', kind: 'source', tables: [{ source: 'crm', table: 'customers' }], total: 1,
  items: [{ source: 'crm', table: 'customers', row: null, reason: 'employees: cannot read abc as BIGINT', kept: true,
    raw: '{"customer_id":"12","employees":"abc"}', cells: [{ column: 'employees', value: 'abc', expected_type: 'BIGINT', reason: 'cannot read abc as BIGINT' }] }],
});
const BINDER = 'Binder Error: Referenced column "nope" not found in FROM clause!\nLINE 1: SELECT nope FROM src_crm.customers\n               ^';

afterEach(() => vi.unstubAllGlobals());

function serve() {
  return fakeApi({
    'GET /dcl/tables': TABLES,
    'GET /dcl/tables/src_crm/customers/rows': (c) => CUSTOMER_ROWS(Number(c.query.get('offset') ?? 0)),
    'GET /dcl/tables/src_crm/customers/rejected': REJECTED,
    'GET /dcl/tables/src_lab/gizmos/rejected': page({ schema: 'src_lab', name: 'gizmos', kind: 'source', tables: [{ source: 'lab', table: 'gizmos' }], items: [] }),
    'POST /dcl/query': (c) => {
      const { sql } = c.body as { sql: string };
      if (sql.includes('nope')) return problem(422, BINDER, [{ field: 'sql', message: BINDER }]);
      return { columns: ['n'], types: ['BIGINT'], rows: [[12]], row_count: 1, truncated: false, seconds: 0.004 };
    },
  });
}

describe('DataPage', () => {
  it('groups tables: unified views, each source schema, then the quarantine views', () => {
    expect(groupRelations(TABLES).map((g) => [g.title, g.items.map((r) => r.name)])).toEqual([
      ['Unified views', ['account']], ['src_crm', ['customers']], ['src_lab', ['gizmos']], ['Quarantine', ['_rejected', '_rejected']],
    ]);
    expect(quoted({ schema: 'src_crm', name: 'Account' })).toBe('src_crm."Account"');
  });

  it("browses a table's columns and pages through its rows", async () => {
    const api = serve();
    const user = userEvent.setup();
    renderWithApi(<DataPage />, '/data?table=src_crm.customers');
    expect(await screen.findByTestId('table-title')).toHaveTextContent('src_crm.customers');
    const tables = screen.getByRole('navigation', { name: 'Tables' });
    expect(within(tables).getByRole('group', { name: 'src_crm' })).toHaveTextContent('customers');
    expect(within(tables).getByTestId('table-src_crm.customers')).toHaveTextContent('1 rejected');
    const grid = await screen.findByTestId('table-rows');
    expect(within(grid).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['customer_idBIGINT', 'employeesBIGINT']);
    expect(within(grid).getAllByRole('row')).toHaveLength(51);
    expect(screen.getByTestId('pager')).toHaveTextContent('1–50 of 52 rows');
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(screen.getByTestId('pager')).toHaveTextContent('51–52 of 52 rows'));
    expect(api.to('GET', '/dcl/tables/src_crm/customers/rows').map((c) => c.query.get('offset'))).toEqual(['0', '50']);
    await user.click(screen.getByRole('tab', { name: 'Columns' }));
    expect(screen.getByTestId('table-columns')).toHaveTextContent('employeesBIGINT');
  });

  it('shows the rejected values with their reasons, or that nothing was rejected', async () => {
    serve();
    const user = userEvent.setup();
    renderWithApi(<DataPage />, '/data?table=src_crm.customers&tab=rejected');
    const row = await screen.findByTestId('rejected-row');
    expect(within(row).getByTestId('raw-value')).toHaveTextContent('abc');
    expect(row).toHaveTextContent('employees');
    expect(row).toHaveTextContent('cannot read abc as BIGINT');
    expect(row).toHaveTextContent('row kept, value set to null');
    await user.click(screen.getByTestId('table-src_lab.gizmos'));
    expect(await screen.findByTestId('nothing-rejected')).toHaveTextContent('Nothing rejected');
  });

  it('runs SQL with Ctrl+Enter and a row limit, and shows an error with its caret and position', async () => {
    const api = serve();
    const user = userEvent.setup();
    renderWithApi(<DataPage />, '/data?table=src_crm.customers&tab=sql');
    const input = (await screen.findByTestId('sql-console')).querySelector('textarea')!;
    expect(input).toHaveValue('SELECT * FROM src_crm.customers LIMIT 100');
    await user.clear(input);
    await user.type(input, 'SELECT count(*) AS n FROM src_crm.customers');
    const limit = screen.getByRole('textbox', { name: 'Row limit' });
    await user.clear(limit);
    await user.type(limit, '25');
    await user.click(input);
    await user.keyboard('{Control>}{Enter}{/Control}');
    const results = await screen.findByTestId('sql-results');
    expect(results).toHaveTextContent('12');
    expect(screen.getByTestId('sql-summary')).toHaveTextContent('1 row in 0.004 s');
    expect(api.to('POST', '/dcl/query')[0].body).toEqual({ sql: 'SELECT count(*) AS n FROM src_crm.customers', limit: 25 });

    await user.clear(input);
    await user.type(input, 'SELECT nope FROM src_crm.customers');
    await user.click(screen.getByRole('button', { name: 'Run' }));
    const detail = await screen.findByTestId('sql-error-detail');
    expect(detail.textContent).toBe(BINDER); // every line, the caret's spaces kept
    expect(screen.getByTestId('sql-error-position')).toHaveTextContent('line 1, column 8');
    expect(screen.getByTestId('sql-error-mark').querySelector('mark')).toHaveTextContent('n');
    await user.click(screen.getByRole('button', { name: 'Show in editor' }));
    expect([input.selectionStart, input.selectionEnd]).toEqual([7, 8]);
    expect(screen.queryByTestId('sql-results')).toBeNull();
  });

  it('says when there is nothing to browse, and shows a failed listing', async () => {
    fakeApi({ 'GET /dcl/tables': [] });
    const { unmount } = renderWithApi(<DataPage />, '/data');
    expect(await screen.findByText(/Nothing to browse yet/)).toBeInTheDocument();
    unmount();
    fakeApi({ 'GET /dcl/tables': problem(500, 'the catalog is busy') });
    renderWithApi(<DataPage />, '/data');
    expect(await screen.findByText('the catalog is busy')).toBeInTheDocument();
  });
});
