/** 1234 → "1.2k": node counts must stay short. */
export function compact(n: number | undefined | null): string {
  if (n == null) return '';
  if (n < 1000) return String(n);
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 1 : 0)}k`;
  return `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)}M`;
}
