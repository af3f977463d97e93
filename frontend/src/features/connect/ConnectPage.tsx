import { Pending } from '../../app/Pending';

export function ConnectPage() {
  return <Pending title="Connect" endpoints={['GET /dcl/sources and GET /aoa/agents (what can be chosen)', 'POST /dcl/connect {"sources": [...], "agents": [...]} → task', 'GET /api/v1/tasks/{id} (timer, per-stage progress) + /ws/events (connection log)']} />;
}
