import { act, renderHook } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import type { ReactNode } from 'react';
import demo from './fixtures/demo-state.json';
import type { DclState } from '../../api/types';
import { LiveContext } from '../live/LiveEventsProvider';
import { LiveStore } from '../live/liveStore';
import { ACTIVE_MS, FADE_MS, useFlowActivity } from './useFlowActivity';

const state = demo as DclState;

describe('useFlowActivity', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'requestAnimationFrame'] }));
  afterEach(() => vi.useRealTimers());

  it('lights a touched edge, fades it ~2 s after the last event, then lets it go', () => {
    const store = new LiveStore();
    const wrapper = ({ children }: { children: ReactNode }) => (
      <MantineProvider><LiveContext.Provider value={store}>{children}</LiveContext.Provider></MantineProvider>
    );
    const { result } = renderHook(() => useFlowActivity(state.graph.edges), { wrapper });
    const id = 'd:hubspot.companies:account';
    act(() => {
      store.push({ id: 1, ts: 0, run_id: 'r', type: 'mapping_proposed', data: { source: 'hubspot', table: 'companies', entity: 'account' } });
      vi.advanceTimersByTime(20);
    });
    expect(result.current.edges.get(id)).toBe('on');
    expect(result.current.edges.size).toBe(1);
    // a second event 1.5 s later keeps it on past the first deadline
    act(() => vi.advanceTimersByTime(1500));
    act(() => {
      store.push({ id: 2, ts: 0, run_id: 'r', type: 'mapping_proposed', data: { source: 'hubspot', table: 'companies', entity: 'account' } });
      vi.advanceTimersByTime(20);
    });
    act(() => vi.advanceTimersByTime(ACTIVE_MS - 100));
    expect(result.current.edges.get(id)).toBe('on');
    act(() => vi.advanceTimersByTime(200));
    expect(result.current.edges.get(id)).toBe('fading');
    act(() => vi.advanceTimersByTime(FADE_MS + 50));
    expect(result.current.edges.has(id)).toBe(false);
  });

  it('keeps drift flags until the next run starts', () => {
    const store = new LiveStore();
    const wrapper = ({ children }: { children: ReactNode }) => <LiveContext.Provider value={store}>{children}</LiveContext.Provider>;
    const { result } = renderHook(() => useFlowActivity(state.graph.edges), { wrapper });
    act(() => {
      store.push({ id: 1, ts: 0, run_id: 'r', type: 'schema_drift', data: { source: 'stripe', table: 'invoices', added: ['x'] } });
      vi.advanceTimersByTime(20);
    });
    expect(result.current.flags.get('table:stripe.invoices')?.drift).toBe(true);
    act(() => vi.advanceTimersByTime(60_000));
    expect(result.current.flags.get('table:stripe.invoices')?.drift).toBe(true);
    act(() => {
      store.push({ id: 2, ts: 0, run_id: 's', type: 'run_started', data: {} });
      vi.advanceTimersByTime(20);
    });
    expect(result.current.flags.size).toBe(0);
  });
});
