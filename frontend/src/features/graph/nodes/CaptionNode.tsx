import type { NodeProps } from '@xyflow/react';
import type { CaptionFlowNode } from '../transform';

/** Layer name at the left of its band; a node so that fit-to-view keeps it on screen. */
export function CaptionNode({ data }: NodeProps<CaptionFlowNode>) {
  return (
    <div className="dcl-layer-caption" aria-hidden="true">
      <span>{data.layer}</span> {data.label}
    </div>
  );
}
