import { Handle, Position } from '@xyflow/react';
import type { KeyboardEvent, ReactNode } from 'react';
import type { GraphNodeData } from '../transform';
import { useGraphActions } from '../GraphActions';

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
  const cls = [
    'dcl-node',
    className,
    data.dimmed ? 'is-dimmed' : '',
    flags.drift ? 'has-drift' : '',
    flags.fault || n.status === 'failed' ? 'has-fault' : '',
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
      {hasIn && <Handle type="target" position={Position.Top} isConnectable={false} />}
      {children}
      {flags.drift && <span className="dcl-flag dcl-flag-drift" title="schema drift">drift</span>}
      {(flags.fault || n.status === 'failed') && <span className="dcl-flag dcl-flag-fault" title="fault">fault</span>}
      {hasOut && <Handle type="source" position={Position.Bottom} isConnectable={false} />}
    </div>
  );
}
