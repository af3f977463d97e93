export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true">
      <rect x="2" y="2" width="28" height="28" rx="8" fill="#4c6ef5" />
      <circle cx="10" cy="10" r="3" fill="white" />
      <circle cx="22" cy="10" r="3" fill="white" />
      <circle cx="16" cy="22" r="3.5" fill="white" />
      <path d="M10 10 16 22M22 10 16 22" stroke="white" strokeWidth="2" />
    </svg>
  );
}
