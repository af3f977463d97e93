import { REFRESHED_AT_KEY, REFRESH_PATH, refreshOnce } from './http';

describe('silent refresh across tabs', () => {
  const calls: string[] = [];
  beforeEach(() => {
    calls.length = 0;
    window.localStorage.clear();
    vi.stubGlobal('fetch', vi.fn(async (url: string) => {
      calls.push(String(url));
      return new Response(null, { status: 200 });
    }));
  });
  afterEach(() => vi.unstubAllGlobals());

  it('spends the refresh cookie and records when it did', async () => {
    const sentAt = Date.now();
    expect(await refreshOnce(sentAt)).toBe(true);
    expect(calls).toEqual([REFRESH_PATH]);
    expect(Number(window.localStorage.getItem(REFRESHED_AT_KEY))).toBeGreaterThanOrEqual(sentAt);
  });

  it('does not spend it again when another tab refreshed after the request left', async () => {
    const sentAt = Date.now() - 1000;
    window.localStorage.setItem(REFRESHED_AT_KEY, String(sentAt + 500)); // the other tab
    await new Promise((r) => setTimeout(r, 1)); // the previous test's shared promise is released
    expect(await refreshOnce(sentAt)).toBe(true);
    expect(calls).toEqual([]);
  });

  it('refreshes when the last refresh is older than the failed request', async () => {
    window.localStorage.setItem(REFRESHED_AT_KEY, String(Date.now() - 60_000));
    await new Promise((r) => setTimeout(r, 1));
    expect(await refreshOnce(Date.now())).toBe(true);
    expect(calls).toEqual([REFRESH_PATH]);
  });

  it('reports a failed refresh', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(null, { status: 401 })));
    await new Promise((r) => setTimeout(r, 1));
    expect(await refreshOnce(Date.now())).toBe(false);
    expect(window.localStorage.getItem(REFRESHED_AT_KEY)).toBeNull();
  });
});
