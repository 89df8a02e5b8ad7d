// Which colour a status word gets: good, bad, waiting, or plain.

export type StatusTone = 'positive' | 'negative' | 'warning' | 'neutral';

const TONES: Readonly<Record<string, StatusTone>> = {
  active: 'positive',
  paid: 'positive',
  healthy: 'positive',
  ok: 'positive',
  completed: 'positive',
  succeeded: 'positive',
  enabled: 'positive',
  online: 'positive',
  resolved: 'positive',
  suspended: 'negative',
  overdue: 'negative',
  failed: 'negative',
  error: 'negative',
  degraded: 'negative',
  terminated: 'negative',
  cancelled: 'negative',
  canceled: 'negative',
  rejected: 'negative',
  offline: 'negative',
  void: 'negative',
  pending: 'warning',
  draft: 'warning',
  open: 'warning',
  issued: 'warning',
  running: 'warning',
  scheduled: 'warning',
  lead: 'warning',
  partial: 'warning',
};

/** The tone of a status word (case and separators ignored: `past_due` = `Past due`). */
export function statusTone(status: string): StatusTone {
  return (
    TONES[
      status
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, '_')
    ] ?? 'neutral'
  );
}

/** `past_due` → `Past due`. */
export function statusLabel(status: string): string {
  const words = status.trim().replace(/[_-]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
