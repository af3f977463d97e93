/**
 * The ELK instance: in a web worker in the browser (layout never blocks the page), the bundled
 * in-thread build where workers do not exist (tests, old browsers). One worker per page, kept.
 *
 * The API and the worker's constructor are small and imported statically, so starting the
 * worker costs one request (its 1.5 MB script), not three chained ones.
 */
import ELK from 'elkjs/lib/elk-api.js';
import ElkWorker from 'elkjs/lib/elk-worker.min.js?worker';
import type { ElkLike } from './layout';

let instance: Promise<ElkLike> | null = null;

export function getElk(): Promise<ElkLike> {
  if (!instance) {
    if (typeof Worker !== 'undefined' && typeof window !== 'undefined' && !import.meta.env.VITEST) {
      instance = Promise.resolve(new ELK({ workerFactory: () => new ElkWorker() }) as unknown as ElkLike);
    } else {
      instance = import('elkjs/lib/elk.bundled.js').then(({ default: Bundled }) => new Bundled() as unknown as ElkLike);
    }
  }
  return instance;
}

let warmed = false;

/**
 * Start the worker and ELK's one-off initialisation early (while /dcl/state is on its way).
 * Idempotent: the overview, the graph chunk and the idle console all call it.
 */
export function warmElk(): void {
  if (warmed) return;
  warmed = true;
  performance.mark?.('dcl-graph:elk-start');
  void getElk()
    .then((elk) => elk.layout({ id: 'warm', children: [{ id: 'a', width: 1, height: 1 }], edges: [] }))
    .then(() => performance.mark?.('dcl-graph:elk-ready'));
}
