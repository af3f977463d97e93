import demo from '../graph/fixtures/demo-state.json';
import events from '../graph/fixtures/demo-events.json';
import type { DclState, EngineEvent } from '../../api/types';
import { eventActivity, touches } from './flowActivity';

const state = demo as DclState;

describe('event → graph activity', () => {
  it('lights every edge of the demo graph at some point of the recorded demo run', () => {
    const lit = new Set<string>();
    for (const ev of events as EngineEvent[]) {
      const act = eventActivity(ev);
      for (const e of state.graph.edges) if (touches(e, act.touches)) lit.add(e.id);
    }
    const dark = state.graph.edges.filter((e) => !lit.has(e.id)).map((e) => e.id);
    expect(dark).toEqual([]);
  });

  it('lights exactly the table → entity edge for a mapping', () => {
    const act = eventActivity({ id: 1, ts: 0, run_id: null, type: 'mapping_proposed', data: { source: 'hubspot', table: 'companies', entity: 'account' } });
    const lit = state.graph.edges.filter((e) => touches(e, act.touches)).map((e) => e.id);
    expect(lit).toEqual(['d:hubspot.companies:account']);
  });

  it('flags drift on the table and new sources on the source', () => {
    expect(eventActivity({ id: 1, ts: 0, run_id: null, type: 'schema_drift', data: { source: 's', table: 't' } }).flags).toEqual([{ node: 'table:s.t', flag: 'drift' }]);
    expect(eventActivity({ id: 1, ts: 0, run_id: null, type: 'new_source', data: { source: 's' } }).flags).toEqual([{ node: 'source:s', flag: 'fresh' }]);
  });
});
