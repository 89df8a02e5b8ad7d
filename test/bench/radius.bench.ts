// RADIUS at ISP scale, on the real FreeRADIUS the platform ships a configuration for
// (test/support/freeradius.ts, dotmac.radius's queries.conf), in two parts:
// 1. Access-Requests per second that FreeRADIUS answers from dotmac.radius's schema on
//    PostgreSQL for 10,000 PPPoE subscribers, against Status-Server on the same server and
//    port (same listener and threads, no SQL), same run.
// 2. How long a staff suspension takes to reach the NAS as a Disconnect-Request, through the
//    whole chain (subscriptions → event → provisioning's apply job → radius.upsertAccount →
//    apply-change job → kernel datagram egress → NAS), against the suspend request itself.
import { execFileSync } from 'node:child_process';
import { createHash, createHmac, randomBytes, randomFillSync, randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import { type Kernel, pluginDbNames } from '@dotmac/kernel';
import { type Account, aaaRows } from '../../plugins-core/radius/src/server/aaa.ts';
import { answerRequest, verifyRequest } from '../../plugins-core/radius/test/support/test-nas.ts';
import {
  decodeRadiusReply,
  encodeRadiusRequest,
  FREERADIUS_ROLE,
  type FreeRadius,
  type RadiusAttributes,
  sendRadius,
  startFreeRadius,
} from '../support/freeradius.ts';
import { type BenchContext, type BenchResult, defineBench, figure, perSecond } from './report.ts';

const RADIUS = 'dotmac.radius';
/** What the two parts need on for the tenant, dependencies first. */
const PLUGINS = [
  'dotmac.customers',
  'dotmac.catalog',
  'dotmac.subscriptions',
  'dotmac.billing',
  'dotmac.network',
  RADIUS,
  'dotmac.provisioning',
];
const RADIUS_SCHEMA = pluginDbNames(RADIUS).schema;

/** PPPoE subscribers seeded for part 1. */
const SUBSCRIBERS = 10_000;
/** Their plans, in turn: download/upload kbit/s. */
const TIERS = [
  { downloadKbps: 10_000, uploadKbps: 2_000 },
  { downloadKbps: 20_000, uploadKbps: 5_000 },
  { downloadKbps: 50_000, uploadKbps: 10_000 },
  { downloadKbps: 100_000, uploadKbps: 20_000 },
] as const;
/**
 * FreeRADIUS worker threads; the harness sizes the SQL connection pool to the same number
 * (pool max = threads), so no thread ever waits for a connection. On two cores 8 threads
 * answered a third fewer Access-Requests and 32 no more than 16 (test/bench/README.md).
 */
const THREADS = 16;
/** The load generator: requests in flight at once, spread over a few UDP sockets (256 identifiers each). */
const SOCKETS = 4;
const IN_FLIGHT = 128;
const WARMUP_MS = 2_000;
const RUN_MS = 5_000;
/** Latency runs: one request in flight, so no request waits for another. */
const LATENCY_RUN_MS = 2_000;
/** A request unanswered this long is lost, and its slot reused. */
const REPLY_TIMEOUT_MS = 3_000;

/** Suspensions measured one after the other in part 2, after a few unmeasured ones. */
const SUSPENSIONS = 20;
const WARMUP_SUSPENSIONS = 2;
/** Longest wait for a service to be provisioned, a Disconnect-Request, or an HTTP answer. */
const PROVISION_TIMEOUT_MS = 60_000;
const DISCONNECT_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** Where NASes take CoA and Disconnect-Requests (RFC 5176): a port dotmac.radius's manifest declares for datagrams. */
const COA_PORT = 3799;

export default defineBench(async (ctx) => {
  if (ctx.db !== 'postgresql') {
    throw new Error(
      'the radius bench needs PostgreSQL: FreeRADIUS reads dotmac.radius’s tables over a real database connection. ' +
        'Run it as DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench -- radius',
    );
  }
  const adminToken = randomBytes(16).toString('hex');
  const kernel = await ctx.bootKernel({
    env: {
      ADMIN_TOKEN: adminToken,
      // dotmac.network keeps NAS secrets as plugin secrets, which need a key on PostgreSQL.
      SECRETS_KEY: randomBytes(32).toString('base64'),
      DATAGRAM_ALLOW_NETWORKS: '127.0.0.0/8',
    },
  });
  await kernel.start();
  if (!kernel.url) throw new Error('the kernel has no HTTP server: it was started without one');
  const loaded = new Set(kernel.plugins.list().map((p) => p.manifest.id));
  const missing = PLUGINS.filter((id) => !loaded.has(id));
  if (missing.length > 0) {
    throw new Error(
      `the kernel did not load ${missing.join(', ')}: build them first (npm run bench builds the plugins)`,
    );
  }

  const secret = randomBytes(12).toString('hex');
  const nas = await startNas(secret);
  let radius: FreeRadius | undefined;
  try {
    const client = await radiusTenant(kernel, adminToken, nas.address, secret);
    ctx.progress(
      `NAS ${nas.address} (CoA port ${COA_PORT}) registered in dotmac.network and copied to FreeRADIUS's nas table`,
    );
    const subscribers = await seedSubscribers(ctx, kernel, client.tenantId, SUBSCRIBERS);
    radius = await startFreeRadius({
      databaseUrl: kernel.config.DATABASE_URL as string,
      schema: RADIUS_SCHEMA,
      threads: THREADS,
    });
    ctx.progress(
      `FreeRADIUS on 127.0.0.1:${radius.authPort}: ${THREADS} threads, SQL pool of at most ${THREADS} connections`,
    );
    const aaa = await measureAccessRequests(ctx, kernel, radius, nas.address, secret, subscribers);
    const suspensions = await measureSuspensions(ctx, client, radius, nas, secret);
    return [...aaa, ...suspensions];
  } finally {
    await radius?.stop();
    await nas.close();
  }
});

// ------------------------------------------------------------------------------ the tenant

type RouteClient = ReturnType<typeof routeClient>;

/** Calls the kernel as its operator, for one tenant. */
function routeClient(url: string, adminToken: string, tenantId: string) {
  return {
    tenantId,
    // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field, each checked where it is used
    async call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string; body: any }> {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${adminToken}`,
          'x-dotmac-tenant': tenantId,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      const json = /json/.test(response.headers.get('content-type') ?? '') && text ? JSON.parse(text) : undefined;
      return { status: response.status, text, body: json };
    },
    /** The answer's body; anything but `status` is an error naming the request. */
    // biome-ignore lint/suspicious/noExplicitAny: as call's
    async expect(status: number, method: string, path: string, body?: unknown): Promise<any> {
      const answer = await this.call(method, path, body);
      if (answer.status !== status) {
        throw new Error(`${method} ${path} answered ${answer.status}, not ${status}: ${answer.text.slice(0, 800)}`);
      }
      return answer.body;
    },
  };
}

/**
 * A tenant with the core plugins on, one NAS (a MikroTik at `nasAddress`, CoA on COA_PORT) in
 * dotmac.network, copied by dotmac.radius into FreeRADIUS's nas table, and an address pool.
 */
async function radiusTenant(kernel: Kernel, adminToken: string, nasAddress: string, secret: string) {
  const [tenant] = await kernel.db.query<{ id: string }>(
    'insert into kernel.tenant (slug, name) values ($1, $2) returning id',
    ['bench-radius', 'Bench RADIUS'],
  );
  if (!tenant) throw new Error('the bench tenant was not created');
  const client = routeClient(kernel.url as string, adminToken, tenant.id);
  for (const id of PLUGINS) {
    await client.expect(200, 'PUT', `/api/v1/admin/tenants/${tenant.id}/plugins/${id}`, { enabled: true });
  }
  await client.expect(201, 'POST', '/api/v1/p/dotmac.network/devices', {
    kind: 'nas',
    name: 'bench-bng',
    vendor: 'mikrotik',
    managementAddress: nasAddress,
    radiusSecret: secret,
    coaPort: COA_PORT,
  });
  await client.expect(201, 'POST', '/api/v1/p/dotmac.network/pools', {
    name: 'bench-cgnat',
    cidr: '100.64.0.0/22',
    kind: 'dynamic',
  });
  const synced = await client.expect(200, 'POST', `/api/v1/p/${RADIUS}/nas/sync`);
  if (synced?.nas !== 1) throw new Error(`POST /nas/sync should have copied 1 NAS: ${JSON.stringify(synced)}`);
  return client;
}

// ---------------------------------------------------------------------- part 1: Access-Requests

/** A seeded subscriber, and what FreeRADIUS must answer for it. */
interface Subscriber {
  readonly username: string;
  readonly password: string;
  readonly rateLimit: string;
  readonly framedIp: string;
}

/**
 * `count` active PPPoE subscribers straight into dotmac.radius's schema, as the kernel, in a few
 * set-based statements: each an `accounts` row and the radcheck/radreply rows the plugin's own
 * aaaRows (imported, so the shape cannot drift) gives for it with the default reply profile
 * (mikrotik): Cleartext-Password, Mikrotik-Rate-Limit and Framed-IP-Address. Not through the
 * plugin: provisioning 10,000 subscriptions (order, credentials, activation, an apply job and an
 * upsertAccount each) would take minutes and measure provisioning, not FreeRADIUS.
 */
async function seedSubscribers(
  ctx: BenchContext,
  kernel: Kernel,
  tenantId: string,
  count: number,
): Promise<Subscriber[]> {
  const started = performance.now();
  const now = new Date().toISOString();
  const subscribers: Subscriber[] = [];
  const accounts = {
    subscription: [] as string[],
    customer: [] as string[],
    username: [] as string[],
    down: [] as number[],
    up: [] as number[],
    ip: [] as string[],
  };
  const rows = {
    check: { username: [] as string[], attribute: [] as string[], op: [] as string[], value: [] as string[] },
    reply: { username: [] as string[], attribute: [] as string[], op: [] as string[], value: [] as string[] },
  };
  for (let i = 1; i <= count; i++) {
    const tier = TIERS[i % TIERS.length] as (typeof TIERS)[number];
    const account: Account = {
      subscriptionId: randomUUID(),
      accountId: randomUUID(),
      access: 'pppoe',
      username: `bench-${String(i).padStart(6, '0')}@pppoe`,
      password: randomBytes(9).toString('base64url'),
      state: 'active',
      downloadKbps: tier.downloadKbps,
      uploadKbps: tier.uploadKbps,
      burstKbps: null,
      burstThresholdKbps: null,
      burstTimeSeconds: null,
      // 10.64.0.0/10, away from the pool part 2 allocates from.
      framedIp: `10.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`,
      framedIpv6Prefix: null,
      dataCapGb: null,
      throttleKbps: null,
      throttled: false,
    };
    const aaa = aaaRows(account, ['mikrotik']);
    for (const [table, list] of [
      [rows.check, aaa.check],
      [rows.reply, aaa.reply],
    ] as const) {
      for (const row of list) {
        table.username.push(account.username);
        table.attribute.push(row.attribute);
        table.op.push(row.op);
        table.value.push(row.value);
      }
    }
    const reply = (name: string) => aaa.reply.find((r) => r.attribute === name)?.value;
    const rateLimit = reply('Mikrotik-Rate-Limit');
    if (!rateLimit || !aaa.check.some((r) => r.attribute === 'Cleartext-Password')) {
      throw new Error(`aaaRows gave no password or rate for a PPPoE subscriber: ${JSON.stringify(aaa)}`);
    }
    accounts.subscription.push(account.subscriptionId);
    accounts.customer.push(account.accountId);
    accounts.username.push(account.username);
    accounts.down.push(account.downloadKbps);
    accounts.up.push(account.uploadKbps);
    accounts.ip.push(account.framedIp as string);
    subscribers.push({
      username: account.username,
      password: account.password as string,
      rateLimit,
      framedIp: account.framedIp as string,
    });
  }
  const s = `"${RADIUS_SCHEMA}"`;
  await kernel.db.query(
    `insert into ${s}.accounts (tenant_id, subscription_id, customer_id, access, username, state, download_kbps,
       upload_kbps, framed_ip, created_at, updated_at)
     select $1, r.subscription_id, r.customer_id, 'pppoe', r.username, 'active', r.down, r.up, r.ip, $8, $8
       from unnest($2::uuid[], $3::text[], $4::text[], $5::int[], $6::int[], $7::text[])
         as r(subscription_id, customer_id, username, down, up, ip)`,
    [
      tenantId,
      accounts.subscription,
      accounts.customer,
      accounts.username,
      accounts.down,
      accounts.up,
      accounts.ip,
      now,
    ],
  );
  for (const [table, list] of [
    ['radcheck', rows.check],
    ['radreply', rows.reply],
  ] as const) {
    // In order, as the plugin inserts them: FreeRADIUS reads a user's rows by id.
    await kernel.db.query(
      `insert into ${s}.${table} (tenant_id, username, attribute, op, value)
       select $1, r.username, r.attribute, r.op, r.value
         from unnest($2::text[], $3::text[], $4::text[], $5::text[]) with ordinality
           as r(username, attribute, op, value, n)
        order by r.n`,
      [tenantId, list.username, list.attribute, list.op, list.value],
    );
  }
  // As autovacuum would have by then: planner statistics and the visibility map.
  for (const table of ['accounts', 'radcheck', 'radreply', 'radusergroup', 'nas']) {
    await kernel.db.query(`vacuum analyze ${s}.${table}`);
  }
  ctx.progress(
    `seeded ${count.toLocaleString('en-US')} PPPoE subscribers (${rows.check.value.length} radcheck, ` +
      `${rows.reply.value.length} radreply rows) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return subscribers;
}

/**
 * A request encoded once by the harness (encodeRadiusRequest: its attributes, hidden password and
 * Message-Authenticator laid out as sendRadius sends them) and signed afresh for every send: a new
 * identifier and Request Authenticator, the User-Password hidden again under it (RFC 2865 §5.2),
 * a new Message-Authenticator. Every send needs a fresh authenticator: FreeRADIUS answers a
 * repeated one from its cache of recent replies, without doing the work. Why not encode every
 * send: the harness's encoder costs 20 to 50 µs a packet here, as much as FreeRADIUS spends on a
 * whole Status-Server, and on two cores the generator's CPU is the servers' CPU; re-signing costs
 * a few µs.
 */
interface Template {
  readonly packet: Buffer;
  /** Where User-Password's value is, and the password padded to its length; none for Status-Server. */
  readonly password: { readonly at: number; readonly padded: Buffer } | null;
  /** Where the Message-Authenticator's value is. */
  readonly macAt: number;
  readonly subscriber: Subscriber | null;
}

const USER_PASSWORD = 2;
const MESSAGE_AUTHENTICATOR = 80;

function template(packet: Buffer, password: string | null, subscriber: Subscriber | null): Template {
  let passwordAt = -1;
  let passwordLength = 0;
  let macAt = -1;
  for (let at = 20; at < packet.length; at += packet[at + 1] as number) {
    if (packet[at] === USER_PASSWORD) {
      passwordAt = at + 2;
      passwordLength = (packet[at + 1] as number) - 2;
    }
    if (packet[at] === MESSAGE_AUTHENTICATOR) macAt = at + 2;
  }
  if (macAt < 0 || (password !== null && passwordAt < 0)) {
    throw new Error('the harness encoded a request without a Message-Authenticator or User-Password');
  }
  const padded = Buffer.alloc(passwordLength);
  if (password !== null) padded.write(password);
  return {
    packet,
    password: password === null ? null : { at: passwordAt, padded },
    macAt,
    subscriber,
  };
}

function signed(t: Template, identifier: number, secret: Buffer): Buffer {
  const packet = Buffer.from(t.packet);
  packet[1] = identifier;
  randomFillSync(packet, 4, 16);
  if (t.password) {
    const { at, padded } = t.password;
    let previous = packet.subarray(4, 20);
    for (let block = 0; block < padded.length; block += 16) {
      const key = createHash('md5').update(secret).update(previous).digest();
      for (let i = 0; i < 16; i++) packet[at + block + i] = (padded[block + i] as number) ^ (key[i] as number);
      previous = packet.subarray(at + block, at + block + 16);
    }
  }
  packet.fill(0, t.macAt, t.macAt + 16);
  createHmac('md5', secret).update(packet).digest().copy(packet, t.macAt);
  return packet;
}

/** One timed run of the load generator. */
interface LoadRun {
  /** Access-Accepts received inside the run's window. */
  readonly answered: number;
  readonly ms: number;
  /** Request-to-answer times of those answers, ms, sorted. */
  readonly latencies: Float64Array;
  /** Requests never answered (within REPLY_TIMEOUT_MS). */
  readonly lost: number;
  /** Access-Accepts whose attributes were compared with the subscriber's rows. */
  readonly checked: number;
  /** CPU µs per request answered (in the window or after it): this process (the load generator; the kernel idles meanwhile), FreeRADIUS, and PostgreSQL's backends serving FreeRADIUS (null when PostgreSQL is not on this machine). */
  readonly cpuUs: { readonly generator: number; readonly freeradius: number; readonly postgres: number | null };
}

interface Sent {
  readonly packet: Buffer;
  readonly sentAt: number;
  readonly subscriber: Subscriber | null;
}

/**
 * Sends requests for `durationMs` with `inFlight` of them always outstanding, over SOCKETS UDP
 * sockets bound to the NAS's address (FreeRADIUS knows its clients by source address), then
 * waits for the last answers. Each socket hands out its 256 identifiers first-freed-first-used,
 * so an identifier comes back as late as possible. Every answer is verified: its Response
 * Authenticator, Access-Accept, and for an Access-Request the subscriber's Mikrotik-Rate-Limit
 * and Framed-IP-Address.
 */
async function drive(
  radius: FreeRadius,
  meter: CpuMeter,
  source: string,
  secret: string,
  inFlight: number,
  durationMs: number,
  next: () => Template,
): Promise<LoadRun> {
  const key = Buffer.from(secret);
  const sockets: Socket[] = [];
  for (let i = 0; i < Math.min(SOCKETS, inFlight); i++) {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, source, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    sockets.push(socket);
  }
  const latencies: number[] = [];
  let answered = 0;
  let replies = 0;
  let lost = 0;
  let checked = 0;
  let outstanding = 0;
  let failure: Error | undefined;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const states = sockets.map((socket) => ({
    socket,
    pending: new Array<Sent | undefined>(256).fill(undefined),
    free: Array.from({ length: 256 }, (_, id) => id),
  }));
  type State = (typeof states)[number];

  const cpuBefore = await meter.read();
  const started = performance.now();
  const end = started + durationMs;
  const send = (state: State) => {
    const id = state.free.shift();
    if (id === undefined) return;
    const t = next();
    const packet = signed(t, id, key);
    state.pending[id] = { packet, sentAt: performance.now(), subscriber: t.subscriber };
    outstanding++;
    state.socket.send(packet, radius.authPort, radius.host);
  };
  const settle = (state: State, id: number) => {
    state.pending[id] = undefined;
    state.free.push(id);
    outstanding--;
    if (failure === undefined && performance.now() < end) send(state);
    else if (outstanding === 0) finish();
  };
  for (const state of states) {
    state.socket.on('message', (message: Buffer) => {
      const at = performance.now();
      const id = message[1] ?? -1;
      const sent = state.pending[id];
      if (!sent) return; // an answer after its request was given up: not counted
      try {
        const reply = decodeRadiusReply(message, sent.packet, secret);
        replies++;
        const who = sent.subscriber;
        if (reply.code !== 'Access-Accept') {
          throw new Error(`${who?.username ?? 'Status-Server'} got ${reply.code}, not Access-Accept`);
        }
        if (who) {
          const rate = reply.attributes['Mikrotik-Rate-Limit'];
          const ip = reply.attributes['Framed-IP-Address'];
          if (rate?.length !== 1 || rate[0] !== who.rateLimit || ip?.length !== 1 || ip[0] !== who.framedIp) {
            throw new Error(
              `${who.username} was accepted with ${JSON.stringify(reply.attributes)}, ` +
                `not Mikrotik-Rate-Limit ${who.rateLimit} and Framed-IP-Address ${who.framedIp}`,
            );
          }
          checked++;
        }
        if (at <= end) {
          answered++;
          latencies.push(at - sent.sentAt);
        }
      } catch (e) {
        failure ??= e as Error;
      }
      settle(state, id);
    });
  }
  const sweeper = setInterval(() => {
    const now = performance.now();
    for (const state of states) {
      state.pending.forEach((sent, id) => {
        if (sent && now - sent.sentAt > REPLY_TIMEOUT_MS) {
          lost++;
          settle(state, id);
        }
      });
    }
  }, 100);
  for (let i = 0; i < inFlight; i++) send(states[i % states.length] as State);
  try {
    await done;
  } finally {
    clearInterval(sweeper);
    for (const socket of sockets) socket.close();
  }
  if (failure) throw failure;
  const cpuAfter = await meter.read();
  const per = (before: number, after: number) => ((after - before) * 1e6) / Math.max(1, replies);
  return {
    answered,
    ms: durationMs,
    latencies: Float64Array.from(latencies).sort(),
    lost,
    checked,
    cpuUs: {
      generator: per(cpuBefore.generator, cpuAfter.generator),
      freeradius: per(cpuBefore.freeradius, cpuAfter.freeradius),
      postgres:
        cpuBefore.postgres === null || cpuAfter.postgres === null ? null : per(cpuBefore.postgres, cpuAfter.postgres),
    },
  };
}

/** The nearest-rank quantile of sorted values: of 20, the p50 is the 10th and the p95 the 19th. */
const quantile = (sorted: Float64Array, q: number) =>
  sorted.length === 0 ? Number.NaN : (sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number);

/** CPU seconds used so far by this process, FreeRADIUS and the PostgreSQL backends FreeRADIUS is connected to. */
interface CpuMeter {
  read(): Promise<{ generator: number; freeradius: number; postgres: number | null }>;
}

/** The clock ticks /proc/<pid>/stat counts CPU time in. */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds (user and system, every thread) /proc says `pid` has used; 0 when it is gone. */
function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command's closing parenthesis, from the 3rd: utime is the 14th, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

const commandLine = (pid: number | string) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
};

/**
 * Reads CPU time from /proc (Linux): FreeRADIUS is the process started with the harness's
 * configuration folder; PostgreSQL's part is the backends pg_stat_activity lists for
 * application freeradius, counted only when they are processes of this machine.
 */
function cpuMeter(kernel: Kernel, radius: FreeRadius): CpuMeter {
  const freeradiusPid = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .find((pid) => commandLine(pid).includes(`-d ${radius.dir} `));
  if (freeradiusPid === undefined) throw new Error(`no FreeRADIUS process with configuration ${radius.dir} in /proc`);
  return {
    async read() {
      const backends = await kernel.db.query<{ pid: number }>(
        `select pid from pg_stat_activity where application_name = 'freeradius' and datname = current_database()`,
      );
      const local = backends.filter((b) => commandLine(b.pid).includes(FREERADIUS_ROLE));
      const usage = process.cpuUsage();
      return {
        generator: (usage.user + usage.system) / 1e6,
        freeradius: processCpuSeconds(Number(freeradiusPid)),
        postgres:
          local.length === backends.length && local.length > 0
            ? local.reduce((sum, b) => sum + processCpuSeconds(b.pid), 0)
            : null,
      };
    },
  };
}

/** The MAC address of subscriber `i`'s router, as MikroTik writes Calling-Station-Id (02:… is locally administered). */
const macAddress = (i: number) =>
  ['02', '00', '00', ...[i >> 16, (i >> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, '0'))]
    .join(':')
    .toUpperCase();

/** A Fisher–Yates shuffle of 0..n-1: subscribers in an order unrelated to their rows' order. */
function shuffled(n: number): Uint32Array {
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

/**
 * Part 1. A warm-up first, so that FreeRADIUS has started its threads and each has its SQL
 * connection (the rows are in PostgreSQL's memory since seeding). Latency: one request in
 * flight, LATENCY_RUN_MS of each kind. Throughput: IN_FLIGHT in flight, the runs going Status-Server, Access-Request,
 * Access-Request, Status-Server, RUN_MS each; the better run of each kind counts.
 */
async function measureAccessRequests(
  ctx: BenchContext,
  kernel: Kernel,
  radius: FreeRadius,
  nasAddress: string,
  secret: string,
  subscribers: readonly Subscriber[],
): Promise<BenchResult[]> {
  const meter = cpuMeter(kernel, radius);
  // What a MikroTik BNG sends when a PPPoE subscriber signs in with PAP.
  const access = subscribers.map((subscriber, i) => {
    const attributes: RadiusAttributes = {
      'User-Name': subscriber.username,
      'User-Password': subscriber.password,
      'Service-Type': 'Framed-User',
      'Framed-Protocol': 'PPP',
      'NAS-Port-Type': 'Virtual',
      'NAS-Port': 15_728_640 + i,
      'NAS-Port-Id': `<pppoe-${subscriber.username}>`,
      'Calling-Station-Id': macAddress(i),
      'Called-Station-Id': 'pppoe-bench',
      'NAS-Identifier': 'bench-bng',
      'NAS-IP-Address': nasAddress,
    };
    return template(encodeRadiusRequest('auth', 0, attributes, secret), subscriber.password, subscriber);
  });
  const order = shuffled(access.length);
  let n = 0;
  const nextAccess = () => access[order[n++ % order.length] as number] as Template;
  const status = template(encodeRadiusRequest('status', 0, {}, secret), null, null);
  const nextStatus = () => status;
  const run = async (kind: 'access' | 'status', inFlight: number, ms: number) => {
    const result = await drive(
      radius,
      meter,
      nasAddress,
      secret,
      inFlight,
      ms,
      kind === 'access' ? nextAccess : nextStatus,
    );
    const cpu = result.cpuUs;
    ctx.progress(
      `${kind === 'access' ? 'Access-Request' : 'Status-Server '} ×${String(inFlight).padEnd(3)}: ` +
        `${perSecond(result.answered, result.ms).toFixed(0)}/s, p50 ${quantile(result.latencies, 0.5).toFixed(2)} ms, ` +
        `p95 ${quantile(result.latencies, 0.95).toFixed(2)} ms${result.lost > 0 ? `, ${result.lost} lost` : ''}; ` +
        `CPU µs a request: FreeRADIUS ${cpu.freeradius.toFixed(0)}, PostgreSQL ${cpu.postgres?.toFixed(0) ?? 'not local'}, ` +
        `this process (load generator, idle kernel) ${cpu.generator.toFixed(0)}`,
    );
    return result;
  };

  ctx.progress(`warm-up: Access-Requests for ${WARMUP_MS / 1000} s, then Status-Server for 1 s`);
  await drive(radius, meter, nasAddress, secret, IN_FLIGHT, WARMUP_MS, nextAccess);
  await drive(radius, meter, nasAddress, secret, IN_FLIGHT, 1000, nextStatus);
  const single = { access: await run('access', 1, LATENCY_RUN_MS), status: await run('status', 1, LATENCY_RUN_MS) };
  const runs = { access: [] as LoadRun[], status: [] as LoadRun[] };
  for (const kind of ['status', 'access', 'access', 'status'] as const)
    runs[kind].push(await run(kind, IN_FLIGHT, RUN_MS));
  const best = (list: LoadRun[]) => list.reduce((a, b) => (b.answered > a.answered ? b : a));
  const a = best(runs.access);
  const s = best(runs.status);
  const checked = [single.access, ...runs.access].reduce((sum, r) => sum + r.checked, 0);
  ctx.progress(
    `${checked.toLocaleString('en-US')} Access-Accepts checked, each with its subscriber's rate and address`,
  );

  const rate = (r: LoadRun) => perSecond(r.answered, r.ms);
  const sameRun = 'same FreeRADIUS, same port, same run';
  const results = [
    figure('access_requests_per_s', rate(a), 'req/s', {
      name: `Status-Server/s, ${IN_FLIGHT} in flight, ${sameRun}`,
      value: rate(s),
    }),
    figure('access_request_ms_p50', quantile(single.access.latencies, 0.5), 'ms', {
      name: `Status-Server p50, one in flight, ${sameRun}`,
      value: quantile(single.status.latencies, 0.5),
    }),
    figure('access_request_ms_p95', quantile(single.access.latencies, 0.95), 'ms', {
      name: `Status-Server p95, one in flight, ${sameRun}`,
      value: quantile(single.status.latencies, 0.95),
    }),
    figure('access_request_ms_p95_saturated', quantile(a.latencies, 0.95), 'ms'),
    figure('status_server_per_s', rate(s), 'req/s'),
    figure('freeradius_cpu_us_per_access_request', a.cpuUs.freeradius, 'us', {
      name: `FreeRADIUS CPU per Status-Server, ${sameRun}`,
      value: s.cpuUs.freeradius,
    }),
  ];
  if (a.cpuUs.postgres !== null) {
    results.push(figure('postgres_cpu_us_per_access_request', a.cpuUs.postgres, 'us'));
  }
  return results;
}

// ------------------------------------------------------------------------------- the test NAS

/** A Disconnect-Request or CoA-Request the NAS took, and when it arrived (performance.now()). */
interface Arrival {
  readonly code: string;
  readonly username: string | undefined;
  readonly at: number;
}

type Nas = Awaited<ReturnType<typeof startNas>>;

/** A UDP socket bound to `port` of a random 127/8 address (a few tries, should one be taken). */
async function bindOnLoopback(port: number): Promise<{ socket: Socket; address: string }> {
  for (let attempt = 1; ; attempt++) {
    const [a = 0, b = 0, c = 0] = randomBytes(3);
    const address = `127.${1 + (a % 254)}.${b}.${1 + (c % 254)}`;
    const socket = createSocket('udp4');
    const error = await new Promise<Error | undefined>((resolve) => {
      socket.once('error', resolve);
      socket.bind(port, address, () => {
        socket.off('error', resolve);
        resolve(undefined);
      });
    });
    if (!error) return { socket, address };
    socket.close();
    if (attempt >= 10) throw new Error(`the bench NAS could not bind UDP port ${port} on 127/8: ${error.message}`);
  }
}

/**
 * A NAS taking CoA and Disconnect-Requests on COA_PORT (a port dotmac.radius declares for its
 * datagrams; the kernel sends to no other) of an address of its own in 127/8, checked and
 * answered (ACK) by the test NAS's verifyRequest and answerRequest, and noting when each request
 * arrived. Not startTestNas itself: it listens on 127.0.0.1 only, where port 3799 is taken while
 * an AAA test runs on the same machine.
 */
async function startNas(secret: string) {
  const arrivals = new Map<string, Arrival>();
  const dropped: string[] = [];
  const waiters = new Map<string, () => void>();
  const { socket, address } = await bindOnLoopback(COA_PORT);
  socket.on('message', (raw, from) => {
    const at = performance.now();
    const verdict = verifyRequest(raw, secret);
    if (!verdict.ok) {
      dropped.push(verdict.reason);
      return;
    }
    const value = (name: string) => verdict.request.attributes.find((x) => x.name === name)?.value;
    const session = String(value('Acct-Session-Id'));
    const username = value('User-Name');
    if (!arrivals.has(session)) {
      arrivals.set(session, {
        code: verdict.request.code,
        username: typeof username === 'string' ? username : undefined,
        at,
      });
    }
    socket.send(answerRequest(verdict.request.raw, secret, 'ack'), from.port, from.address);
    waiters.get(session)?.();
  });
  return {
    address,
    /** The first request for session `id` (already or later); rejects after `timeoutMs` saying what did arrive. */
    arrival(id: string, timeoutMs: number): Promise<Arrival> {
      const already = arrivals.get(id);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(id);
          const seen = [...arrivals.keys()].slice(-5).join(', ') || 'nothing';
          reject(
            new Error(
              `no request for session ${id} reached the NAS in ${timeoutMs} ms (last sessions seen: ${seen}; ` +
                `dropped: ${dropped.join('; ') || 'nothing'})`,
            ),
          );
        }, timeoutMs);
        waiters.set(id, () => {
          clearTimeout(timer);
          waiters.delete(id);
          resolve(arrivals.get(id) as Arrival);
        });
      });
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

// -------------------------------------------------------------- part 2: suspend to disconnect

/** A subscriber provisioned through the plugins, online on the NAS. */
interface Online {
  readonly subscriptionId: string;
  readonly username: string;
  readonly sessionId: string;
}

/** Waits until `check` answers true, polling every `everyMs`; throws naming `what` after `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * Part 2, as test/integration/network-aaa.test.ts sets a subscriber up: a plan, then for each
 * subscriber a customer account, a subscription, PPPoE credentials (dotmac.provisioning) and the
 * activation; provisioning allocates an address (dotmac.network) and writes the AAA account
 * (dotmac.radius). Each then signs in through FreeRADIUS and goes online (Accounting Start from
 * the NAS's address). Then one at a time: the suspension as staff would make it, here as the
 * operator (POST …/suspend, reason manual), timed until the Disconnect-Request for that session reaches the NAS; the next
 * starts once the change is recorded as acknowledged and the service reads suspended.
 */
async function measureSuspensions(
  ctx: BenchContext,
  client: RouteClient,
  radius: FreeRadius,
  nas: Nas,
  secret: string,
): Promise<BenchResult[]> {
  let stage = 'creating the plan';
  try {
    const P = {
      customers: '/api/v1/p/dotmac.customers',
      catalog: '/api/v1/p/dotmac.catalog',
      subscriptions: '/api/v1/p/dotmac.subscriptions',
      network: '/api/v1/p/dotmac.network',
      radius: `/api/v1/p/${RADIUS}`,
      provisioning: '/api/v1/p/dotmac.provisioning',
    };
    const plan = await client.expect(201, 'POST', `${P.catalog}/plans`, {
      code: 'BENCH-50',
      name: 'Bench 50',
      kind: 'internet',
      prices: { USD: '30.00' },
      billingCycle: 'monthly',
      payment: 'prepaid',
      contractMonths: 0,
      internet: { downloadKbps: 50_000, uploadKbps: 10_000 },
    });
    const total = WARMUP_SUSPENSIONS + SUSPENSIONS;
    stage = `ordering and activating ${total} subscriptions`;
    const ordered: { subscriptionId: string; username: string; password: string }[] = [];
    for (let i = 0; i < total; i++) {
      const account = await client.expect(201, 'POST', `${P.customers}/accounts`, {
        kind: 'residential',
        name: `Bench Subscriber ${i}`,
        currency: 'USD',
        status: 'active',
      });
      const subscription = await client.expect(201, 'POST', `${P.subscriptions}/subscriptions`, {
        accountId: account.id,
        planId: plan.id,
      });
      const username = `suspend-${i}@pppoe`;
      const password = randomBytes(9).toString('base64url');
      await client.expect(200, 'PUT', `${P.provisioning}/services/${subscription.id}/access`, {
        access: 'pppoe',
        username,
        password,
      });
      await client.expect(200, 'POST', `${P.subscriptions}/subscriptions/${subscription.id}/activate`, {});
      ordered.push({ subscriptionId: subscription.id, username, password });
    }
    stage = 'waiting for dotmac.provisioning to make the services active';
    const started = performance.now();
    for (const s of ordered) {
      await until(
        `service ${s.subscriptionId} is active`,
        async () => {
          const service = await client.call('GET', `${P.provisioning}/services/${s.subscriptionId}`);
          if (service.body?.state === 'failed') {
            throw new Error(`service ${s.subscriptionId} failed: ${service.text.slice(0, 1500)}`);
          }
          return service.status === 200 && service.body?.state === 'active';
        },
        PROVISION_TIMEOUT_MS,
      );
    }
    ctx.progress(`${total} subscriptions provisioned in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    stage = 'signing the subscribers in through FreeRADIUS and starting their sessions';
    const online: Online[] = [];
    for (const s of ordered) {
      const assigned = await client.expect(200, 'GET', `${P.network}/assignments?subscriptionId=${s.subscriptionId}`);
      const framedIp = (assigned.items as { address: string; family: string }[]).find(
        (a) => a.family === 'ipv4',
      )?.address;
      if (!framedIp) throw new Error(`dotmac.network assigned no IPv4 address to ${s.subscriptionId}`);
      const auth = await sendRadius({
        source: nas.address,
        port: radius.authPort,
        secret,
        kind: 'auth',
        attributes: { 'User-Name': s.username, 'User-Password': s.password, 'NAS-IP-Address': nas.address },
      });
      if (auth.code !== 'Access-Accept' || auth.attributes['Framed-IP-Address']?.[0] !== framedIp) {
        throw new Error(`${s.username} should be accepted with ${framedIp}: ${JSON.stringify(auth)}`);
      }
      const sessionId = `S-${randomBytes(6).toString('hex')}`;
      const start = await sendRadius({
        source: nas.address,
        port: radius.acctPort,
        secret,
        kind: 'acct',
        attributes: {
          'Acct-Status-Type': 'Start',
          'User-Name': s.username,
          'Acct-Session-Id': sessionId,
          'NAS-IP-Address': nas.address,
          'NAS-Port-Type': 'Virtual',
          'Framed-IP-Address': framedIp,
        },
      });
      if (start.code !== 'Accounting-Response') throw new Error(`Accounting Start answered ${start.code}`);
      const sessions = await client.expect(200, 'GET', `${P.radius}/sessions?subscriptionId=${s.subscriptionId}`);
      if (sessions.items?.length !== 1) {
        throw new Error(`dotmac.radius should see 1 session of ${s.username}: ${JSON.stringify(sessions)}`);
      }
      online.push({ subscriptionId: s.subscriptionId, username: s.username, sessionId });
    }

    const measured: { requestMs: number; disconnectMs: number; queuedMs: number }[] = [];
    for (const [i, s] of online.entries()) {
      stage = `suspension ${i + 1} of ${online.length} (${s.username})`;
      const wallStart = Date.now();
      const t0 = performance.now();
      await client.expect(200, 'POST', `${P.subscriptions}/subscriptions/${s.subscriptionId}/suspend`, {
        reason: 'manual',
        note: 'radius bench',
      });
      const t1 = performance.now();
      const arrival = await nas.arrival(s.sessionId, DISCONNECT_TIMEOUT_MS);
      if (arrival.code !== 'Disconnect-Request' || arrival.username !== s.username) {
        throw new Error(
          `the NAS got a ${arrival.code} for ${arrival.username}, not a Disconnect-Request for ${s.username}`,
        );
      }
      // Unmeasured: the change recorded as acknowledged and the service settled, so the next starts quiet.
      let queuedAt = Number.NaN;
      await until(
        `the Disconnect of ${s.username} is recorded as acknowledged`,
        async () => {
          const changes = await client.expect(200, 'GET', `${P.radius}/changes?subscriptionId=${s.subscriptionId}`);
          const change = (changes.items as { kind: string; status: string; createdAt: string }[]).find(
            (c) => c.kind === 'disconnect',
          );
          if (change) queuedAt = Date.parse(change.createdAt);
          return change?.status === 'ack';
        },
        DISCONNECT_TIMEOUT_MS,
      );
      await until(
        `service ${s.subscriptionId} reads suspended`,
        async () =>
          (await client.expect(200, 'GET', `${P.provisioning}/services/${s.subscriptionId}`)).state === 'suspended',
        DISCONNECT_TIMEOUT_MS,
      );
      if (i < WARMUP_SUSPENSIONS) continue;
      measured.push({ requestMs: t1 - t0, disconnectMs: arrival.at - t0, queuedMs: queuedAt - wallStart });
    }

    const sorted = (pick: (m: (typeof measured)[number]) => number) => Float64Array.from(measured.map(pick)).sort();
    const disconnect = sorted((m) => m.disconnectMs);
    const request = sorted((m) => m.requestMs);
    const queued = sorted((m) => m.queuedMs);
    ctx.progress(
      `${measured.length} suspensions: Disconnect at the NAS after p50 ${quantile(disconnect, 0.5).toFixed(1)} ms, ` +
        `p95 ${quantile(disconnect, 0.95).toFixed(1)} ms; the suspend request itself p50 ${quantile(request, 0.5).toFixed(1)} ms; ` +
        `the Disconnect queued by dotmac.radius after p50 ${quantile(queued, 0.5).toFixed(0)} ms`,
    );
    const baseline = 'the suspend request itself (POST …/suspend to its answer), same subscribers, same run';
    return [
      figure('suspend_to_disconnect_ms', quantile(disconnect, 0.5), 'ms', {
        name: `median of ${baseline}`,
        value: quantile(request, 0.5),
      }),
      figure('suspend_to_disconnect_ms_p95', quantile(disconnect, 0.95), 'ms', {
        name: `p95 of ${baseline}`,
        value: quantile(request, 0.95),
      }),
      figure('suspend_request_ms', quantile(request, 0.5), 'ms'),
      figure('suspend_request_ms_p95', quantile(request, 0.95), 'ms'),
      figure('suspend_to_disconnect_queued_ms', quantile(queued, 0.5), 'ms'),
    ];
  } catch (e) {
    throw new Error(`suspend_to_disconnect_ms was not measured: it stopped at ${stage}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}
