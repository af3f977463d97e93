import type { KeyboardEvent, ReactNode } from 'react';
import type { GraphNodeData } from '../transform';
import { useGraphActions } from '../GraphActions';

/**
 * A handle's element, without React Flow's <Handle> component: edges take their end points from
 * the handles each node declares (transform.ts nodeHandles), so here the element only has to be
 * where React Flow's measuring would look (its classes and data-handlepos). Nothing is
 * connectable, and <Handle> costs two store subscriptions per node (1000 on a 500-node graph).
 */
function StaticHandle({ type, position }: { type: 'source' | 'target'; position: 'top' | 'bottom' }) {
  return <div className={`react-flow__handle react-flow__handle-${position} nodrag nopan ${type}`} data-handlepos={position} />;
}

/** Common frame of every graph node: handles top (in) and bottom (out), flags, keyboard open. */
export function NodeShell({ data, className, children, hasIn = true, hasOut = true }: {
  data: GraphNodeData;
  className: string;
  children: ReactNode;
  hasIn?: boolean;
  hasOut?: boolean;
}) {
  const { open } = useGraphActions();
  const n = data.node;
  const flags = data.flags ?? {};
  const failed = (n.kind === 'source' || n.kind === 'agent') && n.status === 'failed';
  const cls = [
    'dcl-node',
    className,
    data.dimmed ? 'is-dimmed' : '',
    flags.drift ? 'has-drift' : '',
    flags.fault || failed ? 'has-fault' : '',
    flags.fresh ? 'is-fresh' : '',
  ].filter(Boolean).join(' ');
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      open(n.id);
    }
  };
  return (
    <div className={cls} onKeyDown={onKey} data-testid={`node-${n.id}`} data-layer={n.layer}>
      {hasIn && <StaticHandle type="target" position="top" />}
      {children}
      {flags.drift && <span className="dcl-flag dcl-flag-drift" title="schema drift">drift</span>}
      {(flags.fault || failed) && <span className="dcl-flag dcl-flag-fault" title="fault">fault</span>}
      {hasOut && <StaticHandle type="source" position="bottom" />}
    </div>
  );
}
