// Applies a failed service again (POST /services/:id/retry), saying why when that is refused.
import { Button, ErrorNotice, useApi } from '@dotmac/ui';
import { useState } from 'react';

export function RetryButton(props: { readonly subscriptionId: string; readonly onRetried: () => void }) {
  const api = useApi();
  const [error, setError] = useState<unknown>(undefined);
  const retry = async () => {
    setError(undefined);
    try {
      await api.post(`/services/${encodeURIComponent(props.subscriptionId)}/retry`);
      props.onRetried();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <Button onClick={retry}>Retry</Button>
      {error ? <ErrorNotice error={error} /> : null}
    </>
  );
}
