import { IconRobot } from '@tabler/icons-react';
import type { NodeProps } from '@xyflow/react';
import type { GraphNode } from '../transform';
import { NodeShell } from './NodeShell';

/** Agents are outlined: they consume the unified views, they hold no data. */
export function AgentNode({ data }: NodeProps<GraphNode>) {
  const n = data.node;
  return (
    <NodeShell data={data} className="dcl-agent" hasOut={false}>
      <IconRobot size={22} stroke={1.6} aria-hidden />
      <span className="dcl-label" title={n.summary ?? n.label}>{n.label}</span>
    </NodeShell>
  );
}
