// A real FreeRADIUS 3 for tests and benchmarks: serves dotmac.radius's tables (its migration
// applied to `schema`) with the plugin's queries.conf, as the dotmac_freeradius role, on free
// loopback UDP ports. Requests go through the real `radclient`, or, when the source address
// matters (one NAS per address), through sendRadius, a minimal RADIUS client bound to that address.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { isIPv4, isIPv6 } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const PLUGIN_SCHEMA = 'plugin_dotmac_radius';
const FREERADIUS_DIR = new URL('../../plugins-core/radius/freeradius/', import.meta.url);
/** The role FreeRADIUS connects as (setup.sql). */
export const FREERADIUS_ROLE = 'dotmac_freeradius';

/** How to start FreeRADIUS. */
export interface FreeRadiusOptions {
  /** A superuser URL of the database holding the plugin's tables; FreeRADIUS connects to the same database as dotmac_freeradius. */
  readonly databaseUrl: string;
  /** The schema holding the tables (default plugin_dotmac_radius, the kernel's schema for dotmac.radius). */
  readonly schema?: string;
  /** Also listen on ::1 (same ports), so a NAS can be an IPv6 address. Default false. */
  readonly ipv6?: boolean;
  /** Set as dotmac_freeradius's password and used to connect; leave out when the server trusts loopback. */
  readonly password?: string;
  /** `freeradius -X` (every request, every query) instead of `-f -l stdout`; default: $DOTMAC_TEST_LOG is set. Output is echoed to stderr. */
  readonly debug?: boolean;
  /** Worker threads (thread pool max_servers); default 16. */
  readonly threads?: number;
  /** How long to wait for the server to answer; default 20 s. */
  readonly startTimeoutMs?: number;
}

/** A running FreeRADIUS. */
export interface FreeRadius {
  /** Where it listens: 127.0.0.1 (and ::1 with `ipv6`). */
  readonly host: string;
  readonly authPort: number;
  readonly acctPort: number;
  /** The generated configuration (radiusd.conf, queries.conf); removed by stop(). */
  readonly dir: string;
  /** Everything FreeRADIUS printed so far. */
  logs(): string;
  /** Stops it (SIGTERM, SIGKILL after 5 s) and removes its configuration. */
  stop(): Promise<void>;
}

/**
 * Runs setup.sql (the dotmac_freeradius role and its grants) as the superuser of `databaseUrl`,
 * writes a configuration to a temporary folder and starts `freeradius -f -d <folder>`, resolving
 * once it answers a Status-Server. The NAS rows must be in place first: FreeRADIUS reads its
 * clients (the nas table) once, when it starts.
 */
export async function startFreeRadius(options: FreeRadiusOptions): Promise<FreeRadius> {
  const schema = options.schema ?? PLUGIN_SCHEMA;
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`schema ${schema} is not a plain lowercase identifier`);
  const debug = options.debug ?? Boolean(process.env.DOTMAC_TEST_LOG);
  await setUpRole(options.databaseUrl, schema, options.password);

  const dir = await mkdtemp(join(tmpdir(), 'dotmac-freeradius-'));
  const { authPort, acctPort, statusPort } = await freeUdpPorts(options.ipv6 ?? false);
  const statusSecret = randomBytes(12).toString('hex');
  await mkdir(join(dir, 'run'));
  // An empty local dictionary: the distribution's (/usr/share/freeradius) is all we use.
  await writeFile(join(dir, 'dictionary'), '');
  const queries = await readFile(new URL('queries.conf', FREERADIUS_DIR), 'utf8');
  await writeFile(join(dir, 'queries.conf'), queries.replaceAll(PLUGIN_SCHEMA, schema));
  await writeFile(
    join(dir, 'radiusd.conf'),
    radiusdConf({
      dir,
      connection: connectionInfo(options.databaseUrl, options.password),
      schema,
      authPort,
      acctPort,
      statusPort,
      statusSecret,
      ipv6: options.ipv6 ?? false,
      threads: options.threads ?? 16,
    }),
  );

  const args = debug ? ['-X', '-d', dir] : ['-f', '-d', dir, '-l', 'stdout'];
  const child = spawn('freeradius', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (debug) process.stderr.write(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (e) => {
      output += `\n${e.message}${(e as NodeJS.ErrnoException).code === 'ENOENT' ? ' (install freeradius: apt-get install freeradius freeradius-postgresql freeradius-utils)' : ''}`;
      resolve('spawn-failed');
    });
  });
  // A test process that dies without stop() must not leave a server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const server: FreeRadius = {
    host: '127.0.0.1',
    authPort,
    acctPort,
    dir,
    logs: () => output,
    async stop() {
      process.removeListener('exit', killOnExit);
      await stopChild(child, exited);
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await answering(statusPort, statusSecret, exited, options.startTimeoutMs ?? 20_000);
  } catch (e) {
    await server.stop();
    throw new Error(
      `FreeRADIUS did not start: ${(e as Error).message}\n--- freeradius ${args.join(' ')} ---\n${output}`,
      {
        cause: e,
      },
    );
  }
  return server;
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** setup.sql for `schema`, retried when another test process changes the (server-wide) role at the same moment. */
async function setUpRole(databaseUrl: string, schema: string, password: string | undefined): Promise<void> {
  const sql = (await readFile(new URL('setup.sql', FREERADIUS_DIR), 'utf8')).replaceAll(PLUGIN_SCHEMA, schema);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(sql);
        break;
      } catch (e) {
        await client.query('rollback').catch(() => undefined);
        if (attempt >= 5 || !/concurrently|already exists|duplicate/i.test((e as Error).message)) throw e;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
    if (password !== undefined) {
      await client.query(`alter role ${FREERADIUS_ROLE} password ${pg.escapeLiteral(password)}`);
    }
  } finally {
    await client.end();
  }
}

/** A libpq connection string for dotmac_freeradius on the server and database of `databaseUrl`. */
function connectionInfo(databaseUrl: string, password: string | undefined): string {
  const url = new URL(databaseUrl);
  const quote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const parts = {
    host: decodeURIComponent(url.hostname.replace(/^\[(.*)\]$/, '$1')) || '127.0.0.1',
    port: url.port || '5432',
    dbname: decodeURIComponent(url.pathname.slice(1)),
    user: FREERADIUS_ROLE,
    application_name: 'freeradius',
    ...(password === undefined ? {} : { password }),
  };
  return Object.entries(parts)
    .map(([key, value]) => `${key}=${quote(value)}`)
    .join(' ');
}

interface ConfParams {
  readonly dir: string;
  readonly connection: string;
  readonly schema: string;
  readonly authPort: number;
  readonly acctPort: number;
  readonly statusPort: number;
  readonly statusSecret: string;
  readonly ipv6: boolean;
  readonly threads: number;
}

/** A configuration string for radiusd.conf: double quotes, with FreeRADIUS's escapes. */
function confString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The whole server in one file: no user/group (so it stays root in CI, and never needs
 * /etc/freeradius), no EAP or certificates, one `default` virtual server on the dotmac tables,
 * and a `status` server with its own client for the readiness probe.
 */
function radiusdConf(p: ConfParams): string {
  const listen = (type: 'auth' | 'acct', port: number) => {
    const v4 = `\tlisten {\n\t\ttype = ${type}\n\t\tipaddr = 127.0.0.1\n\t\tport = ${port}\n\t}\n`;
    const v6 = `\tlisten {\n\t\ttype = ${type}\n\t\tipv6addr = ::1\n\t\tport = ${port}\n\t}\n`;
    return p.ipv6 ? v4 + v6 : v4;
  };
  return `# Generated by test/support/freeradius.ts.
prefix = /usr
exec_prefix = /usr
sysconfdir = ${p.dir}
localstatedir = ${p.dir}
sbindir = /usr/sbin
logdir = ${p.dir}
raddbdir = ${p.dir}
radacctdir = ${p.dir}/radacct
name = freeradius
confdir = ${p.dir}
modconfdir = ${p.dir}
run_dir = ${p.dir}/run
db_dir = ${p.dir}
libdir = /usr/lib/freeradius
pidfile = ${p.dir}/run/freeradius.pid
max_request_time = 30
cleanup_delay = 5
max_requests = 65536
hostname_lookups = no
proxy_requests = no

log {
	destination = stdout
	colourise = no
	stripped_names = no
	auth = no
}

security {
	allow_core_dumps = no
	max_attributes = 200
	reject_delay = 0
	status_server = yes
}

thread pool {
	start_servers = ${Math.min(4, p.threads)}
	max_servers = ${p.threads}
	min_spare_servers = 1
	max_spare_servers = ${p.threads}
	max_requests_per_server = 0
	auto_limit_acct = no
}

modules {
	# %{tolower:…}, %{md5:…} and the other string functions the queries use.
	expr {
	}

	# The status server's answer.
	always ok {
		rcode = ok
	}

	pap {
		normalise = yes
	}

	sql {
		driver = "rlm_sql_postgresql"
		dialect = "postgresql"
		postgresql {
			send_application_name = yes
		}
		radius_db = ${confString(p.connection)}
		read_clients = yes
		client_table = "${p.schema}.nas"
		group_attribute = "SQL-Group"
		pool {
			start = 1
			min = 1
			max = ${p.threads}
			spare = ${p.threads - 1}
			uses = 0
			retry_delay = 1
			lifetime = 0
			idle_timeout = 60
		}
		$INCLUDE ${p.dir}/queries.conf
	}
}

policy {
	# The stock acct_unique policy's hash of the session's attributes.
	acct_unique {
		update request {
			&Acct-Unique-Session-Id := "%{md5:%{User-Name},%{Acct-Session-ID},%{%{NAS-IPv6-Address}:-%{NAS-IP-Address}},%{NAS-Identifier},%{NAS-Port-ID},%{NAS-Port}}"
		}
	}
}

server default {
${listen('auth', p.authPort)}${listen('acct', p.acctPort)}
	authorize {
		sql
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
	}
	preacct {
		acct_unique
	}
	accounting {
		sql
	}
	post-auth {
		sql
		Post-Auth-Type REJECT {
			sql
			# As the stock attr_filter.access_reject: no user or group reply items on a reject.
			update {
				&reply: !* ANY
			}
		}
	}
}

server status {
	listen {
		type = status
		ipaddr = 127.0.0.1
		port = ${p.statusPort}
	}
	client probe {
		ipaddr = 127.0.0.1
		secret = ${confString(p.statusSecret)}
	}
	authorize {
		ok
	}
}
`;
}

/** Three distinct UDP ports free on 127.0.0.1 (and ::1) right now. */
async function freeUdpPorts(ipv6: boolean): Promise<{ authPort: number; acctPort: number; statusPort: number }> {
  const count = 3;
  const held: Socket[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < count) {
      const v4 = createSocket('udp4');
      held.push(v4);
      await new Promise<void>((resolve, reject) => {
        v4.once('error', reject);
        v4.bind(0, '127.0.0.1', resolve);
      });
      const port = v4.address().port;
      if (ipv6) {
        const v6 = createSocket({ type: 'udp6', ipv6Only: true });
        held.push(v6);
        const free = await new Promise<boolean>((resolve) => {
          v6.once('error', () => resolve(false));
          v6.bind(port, '::1', () => resolve(true));
        });
        if (!free) continue;
      }
      ports.push(port);
    }
    const [authPort = 0, acctPort = 0, statusPort = 0] = ports;
    return { authPort, acctPort, statusPort };
  } finally {
    for (const socket of held) socket.close();
  }
}

/** Resolves once the status server answers a Status-Server; rejects if FreeRADIUS exits first or after `timeoutMs`. */
async function answering(
  port: number,
  secret: string,
  exited: Promise<number | string>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: number | string | undefined;
  void exited.then((code) => {
    exit = code;
  });
  let last = '';
  while (Date.now() < deadline) {
    if (exit !== undefined) throw new Error(`freeradius exited (${exit})`);
    try {
      const reply = await radclient({ port, secret, kind: 'status', attributes: {}, timeoutMs: 500, retries: 0 });
      if (reply.code === 'Access-Accept') return;
      last = `status server answered ${reply.code}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no answer to Status-Server within ${timeoutMs} ms (${last})`);
}

// ------------------------------------------------------------------------------------ clients

/** What a RADIUS server answered: the packet type and the reply's attributes, each with its values in order. */
export interface RadiusReply {
  readonly code: RadiusCode;
  readonly attributes: Record<string, string[]>;
}

export type RadiusCode =
  | 'Access-Accept'
  | 'Access-Reject'
  | 'Access-Challenge'
  | 'Accounting-Response'
  | 'CoA-ACK'
  | 'CoA-NAK'
  | 'Disconnect-ACK'
  | 'Disconnect-NAK';

/** Attribute values of a request, by dictionary name: one value, or several for a repeated attribute. */
export type RadiusAttributes = Record<string, string | number | readonly (string | number)[]>;

/** A request sent by radclient. */
export interface RadclientRequest {
  readonly port: number;
  readonly secret: string;
  /** auth: Access-Request; acct: Accounting-Request; status: Status-Server. */
  readonly kind: 'auth' | 'acct' | 'status';
  /** e.g. `{ 'User-Name': 'alice', 'User-Password': 'secret', 'NAS-IP-Address': '127.0.0.1' }`. */
  readonly attributes: RadiusAttributes;
  /** Default 127.0.0.1; an IPv6 address (e.g. ::1) sends over IPv6. */
  readonly host?: string;
  /** Per try; default 3000. */
  readonly timeoutMs?: number;
  /** Tries after the first; default 2. */
  readonly retries?: number;
}

/**
 * Sends one request with the real `radclient` (FreeRADIUS's dictionaries: any attribute it
 * knows, vendor ones included) and parses its `-x` output. Rejects when no reply arrives.
 */
export async function radclient(request: RadclientRequest): Promise<RadiusReply> {
  const host = request.host ?? '127.0.0.1';
  const target = isIPv6(host) ? `[${host}]:${request.port}` : `${host}:${request.port}`;
  const args = [
    '-x',
    ...(isIPv6(host) ? ['-6'] : ['-4']),
    '-d',
    await radclientDictionaryDir(),
    '-t',
    String((request.timeoutMs ?? 3000) / 1000),
    '-r',
    String(1 + (request.retries ?? 2)),
    target,
    request.kind,
    request.secret,
  ];
  // A Message-Authenticator (radclient computes it) on Access-Requests and Status-Server, as servers
  // hardened against Blast-RADIUS (CVE-2024-3596) require.
  const signed: RadiusAttributes = request.kind === 'acct' ? {} : { 'Message-Authenticator': '0x00' };
  const input = attributeLines({ ...signed, ...request.attributes });
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
    const child = execFile('radclient', args, { timeout: 60_000 }, (error, out, err) => {
      const missing =
        (error as NodeJS.ErrnoException | null)?.code === 'ENOENT' ? ' (apt-get install freeradius-utils)' : '';
      resolve({ stdout: out, stderr: err || (error && !out ? `${error.message}${missing}` : '') });
    });
    child.stdin?.end(input);
  });
  const reply = parseRadclientOutput(stdout);
  if (!reply) {
    throw new Error(
      `no reply from ${target} to radclient ${request.kind}: ${stderr.trim() || stdout.trim() || 'nothing printed'}`,
    );
  }
  return reply;
}

let radclientDictionary: Promise<string> | undefined;

/** A folder with an empty local dictionary, so radclient never reads /etc/freeradius. */
function radclientDictionaryDir(): Promise<string> {
  radclientDictionary ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dotmac-radclient-'));
    await writeFile(join(dir, 'dictionary'), '');
    process.once('exit', () => {
      void rm(dir, { recursive: true, force: true });
    });
    return dir;
  })();
  return radclientDictionary;
}

/** radclient's input: one `Name = "value"` line per value. */
function attributeLines(attributes: RadiusAttributes): string {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(attributes)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      const text = String(one);
      lines.push(/^0x[0-9a-f]*$/i.test(text) ? `${name} = ${text}` : `${name} = ${confString(text)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function addValue(attributes: Record<string, string[]>, name: string, value: string): void {
  const values = attributes[name];
  if (values) values.push(value);
  else attributes[name] = [value];
}

/** The first `Received <code> …` packet in radclient -x output, and its attribute lines. */
export function parseRadclientOutput(output: string): RadiusReply | undefined {
  const lines = output.split('\n');
  const start = lines.findIndex((line) => /^Received \S+ Id /.test(line));
  if (start < 0) return undefined;
  const code = /^Received (\S+) /.exec(lines[start] ?? '')?.[1] as RadiusCode;
  const attributes: Record<string, string[]> = {};
  for (const line of lines.slice(start + 1)) {
    const match = /^\s+([\w.-]+) = (.*)$/.exec(line);
    if (!match) break;
    const [, name = '', raw = ''] = match;
    const value = raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    addValue(attributes, name, value);
  }
  return { code, attributes };
}

// ---------------------------------------------------- a RADIUS client bound to a source address

/** A request sent by sendRadius. */
export interface RadiusRequestFrom {
  /** The local address to send from, e.g. 127.0.0.2 (any 127/8 address works on Linux) or ::1. */
  readonly source: string;
  /** The server's address; default 127.0.0.1 (::1 when `source` is IPv6). */
  readonly host?: string;
  readonly port: number;
  readonly secret: string;
  readonly kind: 'auth' | 'acct';
  /** Names from the small dictionary below (DICTIONARY); integers may be given by value name (Start, Stop…). */
  readonly attributes: RadiusAttributes;
  /** Per try; default 2000. */
  readonly timeoutMs?: number;
  /** Tries after the first (same Id and authenticator, as a NAS retransmits); default 1. */
  readonly retries?: number;
}

type AttributeType = 'string' | 'octets' | 'ipaddr' | 'ipv6addr' | 'integer' | 'date' | 'password';

interface AttributeDef {
  readonly name: string;
  readonly type: AttributeType;
  readonly code: number;
  /** Vendor-Specific (26) attributes: the vendor's number. */
  readonly vendor?: number;
  readonly values?: Readonly<Record<string, number>>;
}

/** The attributes sendRadius can encode and decode (names as in FreeRADIUS's dictionaries); others decode as Attr-<n> / Vendor-<v>-Attr-<n>. */
const DICTIONARY: readonly AttributeDef[] = [
  { name: 'User-Name', code: 1, type: 'string' },
  { name: 'User-Password', code: 2, type: 'password' },
  { name: 'NAS-IP-Address', code: 4, type: 'ipaddr' },
  { name: 'NAS-Port', code: 5, type: 'integer' },
  { name: 'Service-Type', code: 6, type: 'integer', values: { 'Login-User': 1, 'Framed-User': 2 } },
  { name: 'Framed-Protocol', code: 7, type: 'integer', values: { PPP: 1 } },
  { name: 'Framed-IP-Address', code: 8, type: 'ipaddr' },
  { name: 'Reply-Message', code: 18, type: 'string' },
  { name: 'Class', code: 25, type: 'octets' },
  { name: 'Session-Timeout', code: 27, type: 'integer' },
  { name: 'Called-Station-Id', code: 30, type: 'string' },
  { name: 'Calling-Station-Id', code: 31, type: 'string' },
  { name: 'NAS-Identifier', code: 32, type: 'string' },
  {
    name: 'Acct-Status-Type',
    code: 40,
    type: 'integer',
    values: { Start: 1, Stop: 2, 'Interim-Update': 3, 'Accounting-On': 7, 'Accounting-Off': 8 },
  },
  { name: 'Acct-Input-Octets', code: 42, type: 'integer' },
  { name: 'Acct-Output-Octets', code: 43, type: 'integer' },
  { name: 'Acct-Session-Id', code: 44, type: 'string' },
  { name: 'Acct-Session-Time', code: 46, type: 'integer' },
  {
    name: 'Acct-Terminate-Cause',
    code: 49,
    type: 'integer',
    values: {
      'User-Request': 1,
      'Lost-Carrier': 2,
      'Idle-Timeout': 4,
      'Session-Timeout': 5,
      'Admin-Reset': 6,
      'NAS-Reboot': 11,
    },
  },
  { name: 'Acct-Input-Gigawords', code: 52, type: 'integer' },
  { name: 'Acct-Output-Gigawords', code: 53, type: 'integer' },
  { name: 'Event-Timestamp', code: 55, type: 'date' },
  { name: 'NAS-Port-Type', code: 61, type: 'integer', values: { Virtual: 5, Ethernet: 15 } },
  { name: 'Message-Authenticator', code: 80, type: 'octets' },
  { name: 'Acct-Interim-Interval', code: 85, type: 'integer' },
  { name: 'NAS-Port-Id', code: 87, type: 'string' },
  { name: 'NAS-IPv6-Address', code: 95, type: 'ipv6addr' },
  { name: 'Mikrotik-Rate-Limit', vendor: 14988, code: 8, type: 'string' },
  { name: 'Mikrotik-Address-List', vendor: 14988, code: 19, type: 'string' },
  { name: 'WISPr-Bandwidth-Max-Up', vendor: 14122, code: 7, type: 'integer' },
  { name: 'WISPr-Bandwidth-Max-Down', vendor: 14122, code: 8, type: 'integer' },
  { name: 'Cisco-AVPair', vendor: 9, code: 1, type: 'string' },
];
const BY_NAME = new Map(DICTIONARY.map((d) => [d.name, d]));
const BY_CODE = new Map(DICTIONARY.map((d) => [`${d.vendor ?? 0}:${d.code}`, d]));
const PACKET_CODES: Record<number, RadiusCode> = {
  2: 'Access-Accept',
  3: 'Access-Reject',
  5: 'Accounting-Response',
  11: 'Access-Challenge',
  41: 'Disconnect-ACK',
  42: 'Disconnect-NAK',
  44: 'CoA-ACK',
  45: 'CoA-NAK',
};
const ACCESS_REQUEST = 1;
const ACCOUNTING_REQUEST = 4;
/** RFC 5997: signed like an Access-Request; sent to the auth port, the server answers it itself. */
const STATUS_SERVER = 12;
const MESSAGE_AUTHENTICATOR = 80;
const REQUEST_CODES = { auth: ACCESS_REQUEST, acct: ACCOUNTING_REQUEST, status: STATUS_SERVER } as const;

/**
 * Sends an Access-Request or Accounting-Request from `source` (which radclient cannot choose)
 * and answers the server's reply: User-Password hidden as RFC 2865 §5.2 says, a
 * Message-Authenticator on every Access-Request, the reply's Response Authenticator checked.
 * Rejects when no reply arrives.
 */
export async function sendRadius(request: RadiusRequestFrom): Promise<RadiusReply> {
  const v6 = isIPv6(request.source);
  if (!v6 && !isIPv4(request.source)) throw new Error(`source ${request.source} is not an IP address`);
  const host = request.host ?? (v6 ? '::1' : '127.0.0.1');
  const secret = Buffer.from(request.secret);
  const code = request.kind === 'auth' ? ACCESS_REQUEST : ACCOUNTING_REQUEST;
  const id = randomBytes(1)[0] ?? 0;
  const packet = encodeRequest(code, id, request.attributes, secret);

  const socket = createSocket({ type: v6 ? 'udp6' : 'udp4' });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, request.source, resolve);
    });
    const reply = new Promise<Buffer>((resolve) => {
      socket.on('message', (message, from) => {
        if (from.port === request.port && message.length >= 20 && message[1] === id) resolve(message);
      });
    });
    const tries = 1 + (request.retries ?? 1);
    for (let attempt = 0; attempt < tries; attempt++) {
      socket.send(packet, request.port, host);
      let timer: NodeJS.Timeout | undefined;
      const answer = await Promise.race([
        reply,
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), request.timeoutMs ?? 2000);
        }),
      ]);
      clearTimeout(timer);
      if (answer) return decodeReply(answer, packet.subarray(4, 20), secret);
    }
    throw new Error(`no reply from ${host}:${request.port} to ${request.kind} request sent from ${request.source}`);
  } finally {
    socket.close();
  }
}

/**
 * One request as sendRadius sends it, for a caller that holds its own socket (the radius
 * benchmark's load generator): Access-Request and Status-Server with a random Request
 * Authenticator and a Message-Authenticator, User-Password hidden; Accounting-Request with its
 * MD5 authenticator. The Request Authenticator is bytes 4 to 20 of the answer.
 */
export function encodeRadiusRequest(
  kind: 'auth' | 'acct' | 'status',
  identifier: number,
  attributes: RadiusAttributes,
  secret: string,
): Buffer {
  return encodeRequest(REQUEST_CODES[kind], identifier, attributes, Buffer.from(secret));
}

/** The reply to `request` (an encodeRadiusRequest packet): its Response Authenticator checked (throws when wrong), its attributes decoded. */
export function decodeRadiusReply(reply: Buffer, request: Buffer, secret: string): RadiusReply {
  return decodeReply(reply, request.subarray(4, 20), Buffer.from(secret));
}

function encodeRequest(code: number, id: number, attributes: RadiusAttributes, secret: Buffer): Buffer {
  // Access-Request and Status-Server: a random Request Authenticator, signed with a
  // Message-Authenticator; Accounting-Request: an MD5 over the packet (RFC 2866 §3).
  const signed = code === ACCESS_REQUEST || code === STATUS_SERVER;
  const authenticator = signed ? randomBytes(16) : Buffer.alloc(16);
  const encoded: Buffer[] = [];
  for (const [name, value] of Object.entries(attributes)) {
    const def = BY_NAME.get(name);
    if (!def) throw new Error(`sendRadius does not know attribute ${name}; add it to DICTIONARY or use radclient`);
    for (const one of Array.isArray(value) ? value : [value]) {
      encoded.push(encodeAttribute(def, String(one), secret, authenticator));
    }
  }
  if (signed) encoded.push(Buffer.from([MESSAGE_AUTHENTICATOR, 18, ...Buffer.alloc(16)]));
  const body = Buffer.concat(encoded);
  const header = Buffer.alloc(20);
  header.writeUInt8(code, 0);
  header.writeUInt8(id, 1);
  header.writeUInt16BE(20 + body.length, 2);
  authenticator.copy(header, 4);
  const packet = Buffer.concat([header, body]);
  if (signed) {
    const mac = createHmac('md5', secret).update(packet).digest();
    mac.copy(packet, packet.length - 16);
  } else {
    createHash('md5').update(packet).update(secret).digest().copy(packet, 4);
  }
  return packet;
}

function encodeAttribute(def: AttributeDef, value: string, secret: Buffer, authenticator: Buffer): Buffer {
  let data: Buffer;
  switch (def.type) {
    case 'string':
      data = Buffer.from(value);
      break;
    case 'octets':
      data = value.startsWith('0x') ? Buffer.from(value.slice(2), 'hex') : Buffer.from(value);
      break;
    case 'password':
      data = hidePassword(Buffer.from(value), secret, authenticator);
      break;
    case 'ipaddr':
      if (!isIPv4(value)) throw new Error(`${def.name} = ${value} is not an IPv4 address`);
      data = Buffer.from(value.split('.').map(Number));
      break;
    case 'ipv6addr':
      data = ipv6Bytes(value);
      break;
    case 'integer':
    case 'date': {
      const number = def.values?.[value] ?? Number(value);
      if (!Number.isInteger(number) || number < 0 || number > 0xffffffff) {
        throw new Error(`${def.name} = ${value} is not a 32-bit unsigned integer or a known value name`);
      }
      data = Buffer.alloc(4);
      data.writeUInt32BE(number);
      break;
    }
  }
  const attribute = (code: number, payload: Buffer) => {
    if (payload.length > 253) throw new Error(`${def.name} is longer than 253 bytes`);
    return Buffer.concat([Buffer.from([code, payload.length + 2]), payload]);
  };
  if (def.vendor === undefined) return attribute(def.code, data);
  const vendor = Buffer.alloc(4);
  vendor.writeUInt32BE(def.vendor);
  return attribute(26, Buffer.concat([vendor, attribute(def.code, data)]));
}

/** RFC 2865 §5.2: padded to 16-byte blocks, each XORed with MD5(secret + the previous block). */
function hidePassword(password: Buffer, secret: Buffer, authenticator: Buffer): Buffer {
  const length = Math.max(16, Math.ceil(password.length / 16) * 16);
  if (length > 128) throw new Error('User-Password is longer than 128 bytes');
  const padded = Buffer.alloc(length);
  password.copy(padded);
  const hidden = Buffer.alloc(length);
  let previous = authenticator;
  for (let offset = 0; offset < length; offset += 16) {
    const key = createHash('md5').update(secret).update(previous).digest();
    for (let i = 0; i < 16; i++) hidden[offset + i] = (padded[offset + i] ?? 0) ^ (key[i] ?? 0);
    previous = hidden.subarray(offset, offset + 16);
  }
  return hidden;
}

function ipv6Bytes(address: string): Buffer {
  if (!isIPv6(address)) throw new Error(`${address} is not an IPv6 address`);
  const [head = '', tail = ''] = address.split('::');
  const groups = (part: string) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = address.includes('::') ? groups(tail) : [];
  const all = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  const bytes = Buffer.alloc(16);
  all.forEach((group, i) => {
    bytes.writeUInt16BE(Number.parseInt(group, 16), i * 2);
  });
  return bytes;
}

function decodeReply(packet: Buffer, requestAuthenticator: Buffer, secret: Buffer): RadiusReply {
  const length = packet.readUInt16BE(2);
  const expected = createHash('md5')
    .update(packet.subarray(0, 4))
    .update(requestAuthenticator)
    .update(packet.subarray(20, length))
    .update(secret)
    .digest();
  if (!expected.equals(packet.subarray(4, 20))) {
    throw new Error("the reply's Response Authenticator is wrong (a different shared secret?)");
  }
  const code = PACKET_CODES[packet[0] ?? 0];
  if (!code) throw new Error(`unexpected reply packet code ${packet[0]}`);
  const attributes: Record<string, string[]> = {};
  const add = (name: string, value: string) => addValue(attributes, name, value);
  for (let offset = 20; offset + 2 <= length; ) {
    const type = packet[offset] ?? 0;
    const size = packet[offset + 1] ?? 0;
    if (size < 2) break;
    const data = packet.subarray(offset + 2, offset + size);
    offset += size;
    if (type === 26 && data.length >= 6) {
      const vendor = data.readUInt32BE(0);
      for (let at = 4; at + 2 <= data.length; ) {
        const vendorType = data[at] ?? 0;
        const vendorSize = data[at + 1] ?? 0;
        if (vendorSize < 2) break;
        const def = BY_CODE.get(`${vendor}:${vendorType}`);
        add(
          def?.name ?? `Vendor-${vendor}-Attr-${vendorType}`,
          decodeValue(def, data.subarray(at + 2, at + vendorSize)),
        );
        at += vendorSize;
      }
      continue;
    }
    const def = BY_CODE.get(`0:${type}`);
    add(def?.name ?? `Attr-${type}`, decodeValue(def, data));
  }
  return { code, attributes };
}

function decodeValue(def: AttributeDef | undefined, data: Buffer): string {
  switch (def?.type) {
    case 'string':
      return data.toString();
    case 'ipaddr':
      return [...data].join('.');
    case 'integer':
    case 'date': {
      const number = data.readUInt32BE(0);
      const name = Object.entries(def.values ?? {}).find(([, v]) => v === number)?.[0];
      return name ?? String(number);
    }
    default:
      return `0x${data.toString('hex')}`;
  }
}
