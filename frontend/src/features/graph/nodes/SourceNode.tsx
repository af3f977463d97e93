import type { NodeProps } from '@xyflow/react';
import type { SourceNode as Source } from '../../../api/types';
import type { GraphNode } from '../transform';
import { NodeShell } from './NodeShell';
import { SourceIcon } from '../SourceIcon';

export function SourceNode({ data }: NodeProps<GraphNode<Source>>) {
  const n = data.node;
  return (
    <NodeShell data={data} className="dcl-source" hasIn={false}>
      <SourceIcon icon={n.icon} size={24} />
      <span className="dcl-label" title={n.label}>{n.label}</span>
    </NodeShell>
  );
}
