/**
 * The ELK instance: in a web worker in the browser (layout never blocks the page), the bundled
 * in-thread build where workers do not exist (tests, old browsers).
 */
import type { ElkLike } from './layout';

let instance: Promise<ElkLike> | null = null;

export function getElk(): Promise<ElkLike> {
  if (!instance) {
    instance = (async () => {
      if (typeof Worker !== 'undefined' && typeof window !== 'undefined' && !import.meta.env.VITEST) {
        const [{ default: ELK }, { default: ElkWorker }] = await Promise.all([
          import('elkjs/lib/elk-api.js'),
          import('elkjs/lib/elk-worker.min.js?worker'),
        ]);
        return new ELK({ workerFactory: () => new ElkWorker() }) as unknown as ElkLike;
      }
      const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
      return new ELK() as unknown as ElkLike;
    })();
  }
  return instance;
}

/** Start the worker and ELK's one-off initialisation early (while /dcl/state is on its way). */
export function warmElk(): void {
  void getElk().then((elk) => elk.layout({ id: 'warm', children: [{ id: 'a', width: 1, height: 1 }], edges: [] }));
}
