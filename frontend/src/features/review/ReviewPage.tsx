import { Pending } from '../../app/Pending';

export function ReviewPage() {
  return <Pending title="Intelligence Review" endpoints={['GET /dcl/review (queue: samples, confidence, reason, alternatives)', 'POST /dcl/review/{id} {"decision": "approve" | "edit" | "reject", "canonical"?: "entity.field"}']} />;
}
