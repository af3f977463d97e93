import { Pending } from '../../app/Pending';

export function PipelinesPage() {
  return <Pending title="Pipelines" endpoints={['GET/POST /api/v1/pipelines (YAML upload; problem details with line numbers)', 'POST /api/v1/pipelines/{id}/run → task']} />;
}
