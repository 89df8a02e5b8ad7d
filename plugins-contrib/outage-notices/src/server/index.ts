// Outage notices: an ISP posts a notice for an area, the notices in force are listed, the
// outage.posted handler announces each one, and the expire-notices job ends them when their
// time is up. Every "now" comes from ctx.clock, so tests can move time.
import { definePlugin, type PluginContext, RouteError } from '@dotmac/sdk';

/** POST /notices body, as plugin.json's schema has already validated it. */
interface NewNotice {
  readonly area: string;
  readonly message: string;
  readonly startsAt?: string;
  readonly endsAt: string;
}

/** outage.posted payload. */
interface OutagePosted {
  readonly noticeId: string;
  readonly area: string;
  readonly message: string;
  readonly startsAt: string;
  readonly endsAt: string;
}

/** A notices row; timestamps arrive as ISO strings (they cross the sandbox boundary as JSON). */
interface NoticeRow {
  readonly id: string;
  readonly area: string;
  readonly message: string;
  readonly starts_at: string;
  readonly ends_at: string;
  readonly status: 'active' | 'ended';
  readonly announced_at: string | null;
  readonly ended_at: string | null;
}

const COLUMNS = 'id, area, message, starts_at, ends_at, status, announced_at, ended_at';

const iso = (value: string | null) => (value === null ? null : new Date(value).toISOString());

/** A row as the API answers it (schemas/notice.json). */
function toNotice(row: NoticeRow) {
  return {
    id: row.id,
    area: row.area,
    message: row.message,
    startsAt: iso(row.starts_at),
    endsAt: iso(row.ends_at),
    status: row.status,
    announcedAt: iso(row.announced_at),
    endedAt: iso(row.ended_at),
  };
}

async function postNotice(ctx: PluginContext, input: NewNotice) {
  const now = await ctx.clock.now();
  const startsAt = input.startsAt ? new Date(input.startsAt) : now;
  const endsAt = new Date(input.endsAt);
  if (endsAt <= startsAt) {
    throw new RouteError(400, 'an outage notice must end after it starts', [
      { pointer: '/body/endsAt', detail: `must be after startsAt (${startsAt.toISOString()})` },
    ]);
  }
  // The id is needed by the event published in the same transaction as the insert.
  const [made] = await ctx.db.query<{ id: string }>('select gen_random_uuid()::text as id');
  if (!made) throw new Error('the database answered no id');
  const id = made.id;
  const posted: OutagePosted = {
    noticeId: id,
    area: input.area,
    message: input.message,
    startsAt: startsAt.toISOString(),
    endsAt: endsAt.toISOString(),
  };
  const [inserted] = await ctx.db.transaction(
    [
      {
        sql: `insert into notices (id, tenant_id, area, message, starts_at, ends_at, posted_at)
              values ($1, $2, $3, $4, $5, $6, $7) returning ${COLUMNS}`,
        params: [id, ctx.tenantId, input.area, input.message, posted.startsAt, posted.endsAt, now.toISOString()],
      },
    ],
    { events: [{ name: 'outage.posted', payload: { ...posted } }] },
  );
  return toNotice(inserted?.[0] as unknown as NoticeRow);
}

export default definePlugin({
  routes: {
    'POST /notices': (ctx, { body }) => postNotice(ctx, body as NewNotice),

    'GET /notices': async (ctx, { query }) => {
      const now = (await ctx.clock.now()).toISOString();
      const area = typeof query.area === 'string' ? query.area : null;
      const rows = await ctx.db.query<NoticeRow>(
        `select ${COLUMNS} from notices
          where status = 'active' and starts_at <= $1 and ends_at > $1 and ($2::text is null or area = $2)
          order by ends_at, posted_at`,
        [now, area],
      );
      return { items: rows.map(toNotice) };
    },
  },

  // Announcing is where customers would be told (through a notifications plugin); here the
  // notice records when it was announced. Idempotent: a redelivered event changes nothing.
  async onEvent(ctx, event) {
    if (event.name !== 'outage.posted') return;
    const posted = event.payload as unknown as OutagePosted;
    const announced = await ctx.db.query(
      'update notices set announced_at = $2 where id = $1 and announced_at is null returning id',
      [posted.noticeId, event.occurredAt],
    );
    if (announced.length > 0) await ctx.log.info('outage announced', { noticeId: posted.noticeId, area: posted.area });
  },

  jobs: {
    'expire-notices': async (ctx) => {
      const now = (await ctx.clock.now()).toISOString();
      const ended = await ctx.db.query(
        `update notices set status = 'ended', ended_at = $1 where status = 'active' and ends_at <= $1 returning id`,
        [now],
      );
      if (ended.length > 0) await ctx.log.info('notices ended', { count: ended.length });
    },
  },
});
