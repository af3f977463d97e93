import type { NodeProps } from '@xyflow/react';
import type { GraphNode } from '../transform';

/** Layer name at the left of its band; a node so that fit-to-view keeps it on screen. */
export function CaptionNode({ data }: NodeProps<GraphNode>) {
  return (
    <div className="dcl-layer-caption" aria-hidden="true">
      <span>{data.node.layer}</span> {data.node.label}
    </div>
  );
}
