import { confidenceColor, edgeLook, edgeWidth, CONFIDENCE_BANDS, NEUTRAL_FLOW } from './edgeStyle';

describe('edge styling', () => {
  it('colours by confidence band, with band edges inclusive', () => {
    const [high, mid, low] = CONFIDENCE_BANDS.map((b) => b.color);
    expect(confidenceColor(0.97)).toBe(high);
    expect(confidenceColor(0.9)).toBe(high);
    expect(confidenceColor(0.899)).toBe(mid);
    expect(confidenceColor(0.75)).toBe(mid);
    expect(confidenceColor(0.5)).toBe(low);
    expect(confidenceColor(undefined)).toBe(NEUTRAL_FLOW);
    expect(new Set([high, mid, low]).size).toBe(3);
  });

  it('grows width with rows on a log scale, bounded', () => {
    const ws = [0, 10, 1_000, 100_000, 1e9].map(edgeWidth);
    for (let i = 1; i < ws.length; i++) expect(ws[i]).toBeGreaterThan(ws[i - 1]);
    expect(ws[0]).toBeGreaterThanOrEqual(1);
    expect(ws[ws.length - 1]).toBeLessThanOrEqual(9);
    // log scale: 100x more rows adds a constant, it does not multiply
    expect(edgeWidth(1e6) - edgeWidth(1e4)).toBeCloseTo(edgeWidth(1e4) - edgeWidth(1e2), 1);
  });

  it('draws hierarchy edges thin, grey and dashed whatever their confidence', () => {
    const h = edgeLook({ type: 'hierarchy', rows: 1e6, confidence: 0.2 });
    const d = edgeLook({ type: 'dataflow', rows: 1e6, confidence: 0.2 });
    expect(h.dashed).toBe(true);
    expect(d.dashed).toBe(false);
    expect(h.stroke).not.toBe(d.stroke);
    expect(h.strokeWidth).toBeLessThan(d.strokeWidth);
  });
});
