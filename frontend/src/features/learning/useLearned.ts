import { useQuery } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';
import { demoStateParam } from '../graph/useDclState';

type Mapping = Schemas['MappingOut'];

/** One thing review taught the mappers: a field that maps where a person said, or a target a
 * person rejected (the field now maps elsewhere, or nowhere). */
export interface Lesson {
  mapping: Mapping;
  kind: 'mapped' | 'rejected';
  target: string;
}

const REJECTED = /^a reviewer rejected (\S+) for '/;

/** The lesson in a mapping, if a person decided it. Right after a decision the mapper is
 * `human`; every later run re-applies it as `review` (a rejection: the engine's reason names
 * the vetoed target). */
export function lessonOf(m: Mapping): Lesson | null {
  const rejected = REJECTED.exec(m.reason ?? '');
  if (rejected) return { mapping: m, kind: 'rejected', target: rejected[1] };
  if (m.mapper !== 'human' && m.mapper !== 'review') return null;
  if (m.status === 'rejected') return { mapping: m, kind: 'rejected', target: `${m.entity}.${m.canonical ?? '?'}` };
  if (!m.canonical) return null;
  return { mapping: m, kind: 'mapped', target: `${m.entity}.${m.canonical}` };
}

/** Mappings a person decided: what review taught the mappers, still applied run after run. */
export function useLearned() {
  return useQuery({
    queryKey: ['dcl', 'mappings', 'learned'],
    enabled: !demoStateParam(),
    queryFn: async () => (await unwrap(api.GET('/dcl/mappings'))).map(lessonOf).filter((l): l is Lesson => l !== null),
  });
}
