import { Pending } from '../../app/Pending';

export function RunsPage() {
  return <Pending title="Runs and tasks" endpoints={['GET /api/v1/runs', 'GET /api/v1/tasks, GET /api/v1/tasks/{id}', 'POST /api/v1/tasks/{id}/cancel']} />;
}
