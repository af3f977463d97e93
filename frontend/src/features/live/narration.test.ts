import events from '../graph/fixtures/demo-events.json';
import type { EngineEvent } from '../../api/types';
import { narrate, sourceName } from './narration';

const ev = (type: EngineEvent['type'], data: Record<string, unknown>, id = 1): EngineEvent => ({ id, ts: 0, type, run_id: 'r', data });

describe('narration', () => {
  it('says how a table mapped, with field count and confidence', () => {
    const n = narrate(ev('mapping_proposed', { source: 'hubspot', table: 'companies', entity: 'account', confidence: 0.93, mapped: 11, review: 0, fields: [] }))!;
    expect(n.text).toBe('HubSpot `companies` mapped to account: 11 fields (0.93).');
    expect(n.tone).toBe('success');
  });

  it('explains each field of a mapping with its reason', () => {
    const n = narrate(ev('mapping_proposed', {
      source: 'hubspot', table: 'companies', entity: 'account', confidence: 0.9, mapped: 1, review: 1,
      fields: [{ field: 'domain', canonical: 'domain', confidence: 0.96, reason: 'name and value pattern', status: 'accepted' }],
    }))!;
    expect(n.text).toContain('1 to review');
    expect(n.details).toEqual(['HubSpot `companies.domain` mapped to account.domain, 0.96: name and value pattern']);
  });

  it('has a sentence for every event of the recorded demo run', () => {
    for (const e of events as EngineEvent[]) {
      const n = narrate(e);
      expect(n, e.type).not.toBeNull();
      expect(n!.text).not.toMatch(/undefined|NaN|\[object/);
    }
  });

  it('narrates drift, faults and failed runs as warnings and errors', () => {
    expect(narrate(ev('schema_drift', { source: 'stripe', table: 'invoices', added: ['tax'], removed: [], renamed: [{ from: 'amt', to: 'amount', confidence: 0.9 }] }))!.text)
      .toBe('Schema drift in Stripe `invoices`: added tax; renamed amt → amount.');
    expect(narrate(ev('fault', { message: 'boom', kind: 'ConnectorError' }))!.tone).toBe('error');
    expect(narrate(ev('run_finished', { status: 'failed', error: 'no source' }))!.text).toBe('Run failed: no source.');
  });

  it('names known sources nicely and leaves unknown ones alone', () => {
    expect(sourceName('hubspot')).toBe('HubSpot');
    expect(sourceName('my_crm')).toBe('my_crm');
    expect(sourceName('my_crm', { my_crm: 'My CRM' })).toBe('My CRM');
  });
});
