// Disconnects a subscription's online sessions (POST /accounts/:id/disconnect): the NAS drops them
// and the subscriber may sign in again. Says how many Disconnect-Requests were sent.
import { Button, ErrorNotice, useApi } from '@dotmac/ui';
import { useState } from 'react';

export function DisconnectButton(props: {
  readonly subscriptionId: string;
  readonly username: string;
  readonly onDone: () => void;
}) {
  const api = useApi();
  const [outcome, setOutcome] = useState<{ readonly queued?: number; readonly error?: unknown }>({});
  const disconnect = async () => {
    if (!window.confirm(`Disconnect ${props.username}? They may sign in again at once.`)) return;
    try {
      const answer = await api.post<{ queued: number }>(
        `/accounts/${encodeURIComponent(props.subscriptionId)}/disconnect`,
      );
      setOutcome({ queued: answer.queued });
      props.onDone();
    } catch (error) {
      setOutcome({ error });
    }
  };
  return (
    <>
      <Button variant="danger" onClick={disconnect}>
        Disconnect
      </Button>
      {outcome.queued !== undefined ? (
        <span role="status">
          {' '}
          Disconnect sent to {outcome.queued} session{outcome.queued === 1 ? '' : 's'}.
        </span>
      ) : null}
      {outcome.error ? <ErrorNotice error={outcome.error} /> : null}
    </>
  );
}
