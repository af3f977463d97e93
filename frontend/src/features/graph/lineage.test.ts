import demo from './fixtures/demo-state.json';
import type { DclState } from '../../api/types';
import { lineage } from './lineage';

const state = demo as DclState;

describe('lineage', () => {
  it('lights the path source → table → entity → agent for an entity field', () => {
    const path = lineage(state, 'account.domain')!;
    expect(path.has('entity:account')).toBe(true);
    expect(path.has('agent:revops')).toBe(true);
    expect(path.has('table:hubspot.companies')).toBe(true);
    expect(path.has('source:hubspot')).toBe(true);
    expect(path.has('agent:finops')).toBe(false);
    expect(path.has('entity:cloud_cost')).toBe(false);
  });

  it('finds a table by name and follows it downstream only through its own entity', () => {
    const path = lineage(state, 'CUST_MASTER')!;
    expect([...path].sort()).toEqual(['agent:revops', 'entity:account', 'source:erp', 'table:erp.CUST_MASTER']);
  });

  it('is null for an empty query and empty for no match', () => {
    expect(lineage(state, '  ')).toBeNull();
    expect(lineage(state, 'no-such-thing')!.size).toBe(0);
  });
});
