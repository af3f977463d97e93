import { CONFIDENCE_BANDS, HIERARCHY_COLOR, NEUTRAL_FLOW } from './edgeStyle';

/** Edge colour key: what green/orange/red and the dashed lines mean. */
export function GraphLegend() {
  return (
    <div className="dcl-legend" aria-label="Legend">
      {CONFIDENCE_BANDS.map((b) => (
        <span key={b.label}><i style={{ background: b.color }} />{b.label}</span>
      ))}
      <span><i style={{ background: NEUTRAL_FLOW }} />entity → agent</span>
      <span><i className="dashed" style={{ borderColor: HIERARCHY_COLOR }} />source → table</span>
    </div>
  );
}
