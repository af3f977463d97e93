import { LiveConnection, eventsUrl, type SocketLike } from './liveConnection';
import { backoffDelay } from './backoff';
import type { EngineEvent } from '../../api/types';

class FakeSocket implements SocketLike {
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  closed = false;
  constructor(public url: string) {}
  close() {
    this.closed = true;
  }
  open() {
    this.onopen?.({});
  }
  send(ev: Partial<EngineEvent>) {
    this.onmessage?.({ data: JSON.stringify({ ts: 1, run_id: 'r', data: {}, ...ev }) });
  }
  fail() {
    this.onerror?.({});
    this.onclose?.({ code: 1006 });
  }
}

function harness(refreshSession?: (openedAt: number) => Promise<boolean>) {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const got: EngineEvent[] = [];
  const conn = new LiveConnection({
    origin: 'https://console.example',
    backoff: { base: 500, max: 8000, random: () => 1 },
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    setTimer: (fn, ms) => {
      timers.push({ fn, ms });
      return timers.length;
    },
    clearTimer: () => {},
    onEvent: (e) => got.push(e),
    refreshSession,
  });
  const fire = () => timers.shift()!.fn();
  return { conn, sockets, timers, got, fire };
}

describe('backoff', () => {
  it('doubles from the base up to the cap and is never zero', () => {
    const top = (a: number) => backoffDelay(a, { base: 500, max: 8000, random: () => 1 });
    expect([0, 1, 2, 3, 4, 5, 9].map(top)).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
    expect(backoffDelay(0, { base: 500, random: () => 0 })).toBe(250);
  });
});

describe('LiveConnection', () => {
  it('builds the ws URL on the page origin with ?since only after an event', () => {
    expect(eventsUrl('https://a.b', '/ws/events', null)).toBe('wss://a.b/ws/events');
    expect(eventsUrl('http://localhost:8000', '/ws/events', 42)).toBe('ws://localhost:8000/ws/events?since=42');
  });

  it('backs off exponentially while the endpoint does not exist, then resumes from the last id', () => {
    const h = harness();
    h.conn.start();
    expect(h.sockets[0].url).toBe('wss://console.example/ws/events');
    h.sockets[0].fail();
    h.fire();
    h.sockets[1].fail();
    h.fire();
    h.sockets[2].fail();
    expect(h.timers.map((t) => t.ms)).toEqual([2000]);
    h.fire();
    const s = h.sockets[3];
    s.open();
    s.send({ id: 7, type: 'run_started' });
    s.send({ id: 8, type: 'stage_progress' });
    s.fail();
    // after a successful open the backoff starts again from the base
    expect(h.timers[0].ms).toBe(500);
    h.fire();
    expect(h.sockets[4].url).toBe('wss://console.example/ws/events?since=8');
    // replay overlap is dropped; new events pass
    h.sockets[4].open();
    h.sockets[4].send({ id: 8, type: 'stage_progress' });
    h.sockets[4].send({ id: 9, type: 'run_finished' });
    expect(h.got.map((e) => e.id)).toEqual([7, 8, 9]);
  });

  it('accepts a replay batch as one JSON array frame', () => {
    const h = harness();
    h.conn.start();
    h.sockets[0].open();
    h.sockets[0].onmessage?.({ data: JSON.stringify([1, 2, 3].map((id) => ({ id, ts: 0, type: 'stage_progress', run_id: 'r', data: {} }))) });
    expect(h.got.map((e) => e.id)).toEqual([1, 2, 3]);
  });

  it('ignores frames that are not events and stops cleanly', () => {
    const h = harness();
    h.conn.start();
    h.sockets[0].open();
    h.sockets[0].onmessage?.({ data: 'ping' });
    h.sockets[0].onmessage?.({ data: '{"hello": 1}' });
    expect(h.got).toHaveLength(0);
    h.conn.stop();
    expect(h.sockets[0].closed).toBe(true);
    expect(h.timers).toHaveLength(0);
  });

  it('refreshes the session and reopens at once when the server ends the socket with 4401', async () => {
    const refreshes: number[] = [];
    let ok = true;
    const h = harness(async (openedAt) => {
      refreshes.push(openedAt);
      return ok;
    });
    h.conn.start();
    h.sockets[0].open();
    h.sockets[0].send({ id: 5, type: 'run_started' });
    h.sockets[0].onclose?.({ code: 4401 }); // the access token that opened it expired
    await Promise.resolve();
    await Promise.resolve();
    expect(refreshes).toHaveLength(1);
    expect(h.timers).toHaveLength(0); // no backoff wait
    expect(h.sockets[1].url).toBe('wss://console.example/ws/events?since=5');
    // a second 4401 before the server said anything (still not authorised): back off instead of looping
    h.sockets[1].open();
    h.sockets[1].onclose?.({ code: 4401 });
    await Promise.resolve();
    expect(refreshes).toHaveLength(1);
    expect(h.timers).toHaveLength(1);
    // signed out for good: the refresh fails and the connection backs off
    h.fire();
    h.sockets[2].open();
    h.sockets[2].send({ id: 6, type: 'stage_progress' });
    ok = false;
    h.sockets[2].onclose?.({ code: 4401 });
    await Promise.resolve();
    await Promise.resolve();
    expect(refreshes).toHaveLength(2);
    expect(h.timers).toHaveLength(1);
  });
});
