import { Stack, Title } from '@mantine/core';
import { useState } from 'react';
import { RunsTable } from './RunsTable';
import { RunDrawer } from './RunDetails';
import { TasksTable } from './TasksTable';

/** Runs with per-stage figures and rejected rows; tasks with progress, cancel and retry. */
export function RunsPage() {
  const [open, setOpen] = useState<string | null>(null);
  return (
    <Stack gap="md">
      <Title order={2}>Runs and tasks</Title>
      <TasksTable onOpenRun={setOpen} />
      <RunsTable onOpen={setOpen} />
      <RunDrawer id={open} onClose={() => setOpen(null)} />
    </Stack>
  );
}
