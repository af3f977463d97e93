import { NavLink as MantineNavLink, Stack } from '@mantine/core';
import { NavLink, useLocation } from 'react-router';
import { NAV } from './nav';

/** Side navigation; keeps the `?demo-state=` preview parameter across pages. */
export function NavLinks({ onNavigate }: { onNavigate?: () => void }) {
  const { pathname, search } = useLocation();
  const keep = new URLSearchParams(search).get('demo-state');
  const suffix = keep ? `?demo-state=${encodeURIComponent(keep)}` : '';
  return (
    <Stack gap={2} component="nav" aria-label="Main">
      {NAV.map(({ to, label, icon: Icon }) => (
        <MantineNavLink
          key={to}
          component={NavLink}
          to={to + suffix}
          label={label}
          leftSection={<Icon size={20} stroke={1.6} aria-hidden />}
          active={to === '/' ? pathname === '/' : pathname.startsWith(to)}
          onClick={onNavigate}
          style={{ minHeight: 44, borderRadius: 8 }}
        />
      ))}
    </Stack>
  );
}
