import { describe, expect, it } from 'vitest';
import type { Schemas } from '../../api/client';
import { lessonOf } from './useLearned';

const mapping = (m: Partial<Schemas['MappingOut']>) => ({
  id: 1, source: 'erp', table: 'AR_INVOICES', field: 'amt', field_type: 'VARCHAR', entity: 'invoice', entity_confidence: 0.99,
  canonical: 'amount', confidence: 1, mapper: 'heuristic', reason: '', status: 'accepted', alternatives: [], samples: [], ...m,
}) as Schemas['MappingOut'];

describe('lessonOf', () => {
  it('keeps a decision after the next run (mapper "review"), not only right after it ("human")', () => {
    expect(lessonOf(mapping({ mapper: 'human' }))?.target).toBe('invoice.amount');
    expect(lessonOf(mapping({ mapper: 'review', reason: 'reviewer approved this mapping' }))).toMatchObject({ kind: 'mapped', target: 'invoice.amount' });
  });

  it('names the rejected target, also once the field maps elsewhere', () => {
    expect(lessonOf(mapping({ mapper: 'human', status: 'rejected' }))).toMatchObject({ kind: 'rejected', target: 'invoice.amount' });
    const after = mapping({ canonical: 'balance', confidence: 0.7, status: 'review',
      reason: "a reviewer rejected invoice.amount for 'amt'; next candidate: name 'amt'" });
    expect(lessonOf(after)).toMatchObject({ kind: 'rejected', target: 'invoice.amount' });
  });

  it('ignores what no person decided', () => {
    expect(lessonOf(mapping({ mapper: 'heuristic' }))).toBeNull();
    expect(lessonOf(mapping({ mapper: 'learned', reason: "a reviewer mapped 'amt' to invoice.amount in erp.AR_INVOICES" }))).toBeNull();
  });
});
