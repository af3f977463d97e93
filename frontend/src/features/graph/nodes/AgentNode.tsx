import { IconRobot } from '@tabler/icons-react';
import type { NodeProps } from '@xyflow/react';
import type { AgentNode as Agent } from '../../../api/types';
import { agentSummary } from '../format';
import type { GraphNode } from '../transform';
import { NodeShell } from './NodeShell';

/** Agents are outlined: they consume the unified views, they hold no data. */
export function AgentNode({ data }: NodeProps<GraphNode<Agent>>) {
  const n = data.node;
  return (
    <NodeShell data={data} className="dcl-agent" hasOut={false}>
      <IconRobot size={22} stroke={1.6} aria-hidden />
      <span className="dcl-label" title={agentSummary(n) ?? n.label}>{n.label}</span>
    </NodeShell>
  );
}
