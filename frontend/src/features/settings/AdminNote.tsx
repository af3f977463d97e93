import { Alert } from '@mantine/core';
import type { ReactNode } from 'react';

/** What a non-admin sees instead of an admin-only control: a plain note, not a 403 error. */
export function AdminNote({ children }: { children: ReactNode }) {
  return (
    <Alert color="gray" variant="light" title="Admins only" data-testid="admin-note">
      {children} Ask an owner or admin of this organization.
    </Alert>
  );
}
