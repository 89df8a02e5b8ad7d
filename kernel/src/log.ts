// Structured logging: one pino root logger; children carry requestId, tenantId, plugin, job.
import { type Logger, pino } from 'pino';

export type { Logger };

/** The root logger; JSON lines on stdout. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'dotmac' }, timestamp: pino.stdTimeFunctions.isoTime });
}
