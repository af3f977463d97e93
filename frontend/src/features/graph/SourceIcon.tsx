import {
  IconBrandAws,
  IconBrandAzure,
  IconBrandGoogle,
  IconBrandMysql,
  IconBrandStripe,
  IconBuildingFactory,
  IconCloud,
  IconDatabase,
  IconFileTypeCsv,
  IconFiles,
  IconPlug,
  IconSql,
  IconApi,
} from '@tabler/icons-react';
import type { ComponentType } from 'react';

type IconCmp = ComponentType<{ size?: number; color?: string; stroke?: number; 'aria-hidden'?: boolean }>;

/** HubSpot's sprocket, drawn simply (tabler has no HubSpot mark). */
function HubSpotMark({ size = 22, color = '#ff7a59' }: { size?: number; color?: string }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden="true">
      <circle cx="15" cy="14" r="4.2" fill="none" stroke={color} strokeWidth="2.4" />
      <path d="M15 9.8V5.5M15 5.5a1.6 1.6 0 1 0 0-.01M11.6 11.4 5.6 6.8M5.6 6.8a1.5 1.5 0 1 0 0-.01M12 16.8l-3.6 3" stroke={color} strokeWidth="2" fill="none" strokeLinecap="round" />
    </svg>
  );
}

const MAP: Record<string, { icon: IconCmp; color: string; name: string }> = {
  salesforce: { icon: IconCloud, color: '#00a1e0', name: 'Salesforce' },
  hubspot: { icon: HubSpotMark as IconCmp, color: '#ff7a59', name: 'HubSpot' },
  stripe: { icon: IconBrandStripe, color: '#635bff', name: 'Stripe' },
  erp: { icon: IconBuildingFactory, color: '#8d6e63', name: 'ERP' },
  database: { icon: IconDatabase, color: '#1c7ed6', name: 'Database' },
  postgres: { icon: IconDatabase, color: '#336791', name: 'PostgreSQL' },
  mysql: { icon: IconBrandMysql, color: '#00758f', name: 'MySQL' },
  aws: { icon: IconBrandAws, color: '#ff9900', name: 'AWS' },
  gcp: { icon: IconBrandGoogle, color: '#4285f4', name: 'Google Cloud' },
  azure: { icon: IconBrandAzure, color: '#0078d4', name: 'Azure' },
  csv: { icon: IconFileTypeCsv, color: '#2f9e44', name: 'CSV' },
  files: { icon: IconFiles, color: '#2f9e44', name: 'Files' },
  file: { icon: IconFiles, color: '#2f9e44', name: 'Files' },
  sql: { icon: IconSql, color: '#5c7cfa', name: 'SQL' },
  rest: { icon: IconApi, color: '#7048e8', name: 'REST API' },
};

export function sourceVisual(icon: string | undefined | null) {
  return MAP[(icon ?? '').toLowerCase()] ?? { icon: IconPlug as IconCmp, color: '#868e96', name: icon || 'Source' };
}

export function SourceIcon({ icon, size = 22 }: { icon?: string | null; size?: number }) {
  const v = sourceVisual(icon);
  const Icon = v.icon;
  return <Icon size={size} color={v.color} stroke={1.8} aria-hidden />;
}
