import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { DclState } from '../../api/types';

/**
 * `?demo-state=1` (the recorded demo) or `?demo-state=synthetic:500` (a generated graph) shows
 * that graph instead of the organization's. Client-side data only, so no server data is at
 * stake, but a production build still shows it only to a signed-in user (RequireAuth applies);
 * see previewWithoutSignIn for dev builds.
 */
export function demoStateParam(): string | null {
  if (typeof window === 'undefined') return null;
  return new URLSearchParams(window.location.search).get('demo-state');
}

/** Dev builds (`npm run dev`) only: the preview runs without a server or an account. */
export function previewWithoutSignIn(): boolean {
  return import.meta.env.DEV && demoStateParam() !== null;
}

async function loadDemo(param: string): Promise<DclState> {
  const m = /^synthetic:(\d+)$/.exec(param);
  if (m) {
    const { syntheticState } = await import('./synthetic');
    return syntheticState(Number(m[1]));
  }
  const mod = await import('./fixtures/demo-state.json');
  return mod.default as DclState; // JSON imports type `kind` as string
}

/** GET /dcl/state: the graph and its summary, refetched when events say it changed. */
export function useDclState() {
  const demo = demoStateParam();
  return useQuery({
    queryKey: ['dcl', 'state', demo],
    queryFn: () => (demo ? loadDemo(demo) : unwrap(api.GET('/dcl/state'))),
    staleTime: demo ? Infinity : 5_000,
    retry: (count, err) => count < 2 && !(err as { status?: number }).status,
  });
}
