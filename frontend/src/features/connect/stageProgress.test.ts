import events from '../graph/fixtures/demo-events.json';
import type { EngineEvent } from '../../api/types';
import { stageProgress } from './stageProgress';

describe('stageProgress', () => {
  it('fills every stage by the end of the recorded demo run', () => {
    const s = stageProgress(events as EngineEvent[]);
    expect(s.map((x) => [x.key, x.done, x.total])).toEqual([
      ['connect', 6, 6],
      ['normalize', 17, 17],
      ['unify', 1, 1],
      ['agents', 2, 2],
    ]);
  });

  it('counts only the latest run, part way through', () => {
    const all = events as EngineEvent[];
    const cut = all.findIndex((e) => e.type === 'views_published');
    const s = stageProgress([...all, ...all.slice(0, cut)]);
    expect(s[0]).toMatchObject({ done: 6, total: 6 });
    expect(s[2]).toMatchObject({ done: 0 });
  });
});
