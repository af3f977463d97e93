import { Badge, Tooltip } from '@mantine/core';
import { useLiveEvents } from './useLiveEvents';

const LOOK = {
  open: { color: 'green', text: 'live' },
  connecting: { color: 'yellow', text: 'connecting' },
  waiting: { color: 'gray', text: 'offline' },
  closed: { color: 'gray', text: 'not live' },
} as const;

/** Connection state of /ws/events; quiet grey while the endpoint is unreachable. */
export function LiveStatusBadge() {
  const { status, retryInMs } = useLiveEvents();
  const look = LOOK[status];
  const tip = status === 'waiting' && retryInMs ? `Event stream unreachable; retrying in ${Math.ceil(retryInMs / 1000)} s` : `Event stream: ${look.text}`;
  return (
    <Tooltip label={tip}>
      <Badge color={look.color} variant="dot" className="hide-xs" aria-live="polite" data-testid="live-status">{look.text}</Badge>
    </Tooltip>
  );
}
