import {
  IconChecklist,
  IconDatabaseImport,
  IconHexagons,
  IconHistory,
  IconLayoutDashboard,
  IconPlugConnected,
  IconFileCode,
  IconSettings,
  IconTable,
} from '@tabler/icons-react';

export const NAV = [
  { to: '/', label: 'Overview', icon: IconLayoutDashboard },
  { to: '/connect', label: 'Connect', icon: IconPlugConnected },
  { to: '/sources', label: 'Sources', icon: IconDatabaseImport },
  { to: '/pipelines', label: 'Pipelines', icon: IconFileCode },
  { to: '/runs', label: 'Runs', icon: IconHistory },
  { to: '/entities', label: 'Entities', icon: IconHexagons },
  { to: '/data', label: 'Data', icon: IconTable },
  { to: '/review', label: 'Review', icon: IconChecklist },
  { to: '/settings', label: 'Settings', icon: IconSettings },
] as const;
