// Generated from schemas/kernel-config.schema.json by `npm run schemas:types`. Do not edit.

/**
 * Configuration of a DotMac kernel process, read from the environment (keys as named here) and optionally a JSON file named by DOTMAC_CONFIG_FILE; the environment wins.
 */
export interface KernelConfig {
/**
 * TCP port the HTTP server listens on.
 */
PORT?: number
/**
 * Address the HTTP server binds to.
 */
HOST?: string
/**
 * PostgreSQL connection URL. Unset: the embedded PGlite database in DATA_DIR/pgdata.
 */
DATABASE_URL?: string
/**
 * Redis connection URL for the BullMQ job queue. Unset: the in-process queue.
 */
REDIS_URL?: string
/**
 * Prefix of this installation's keys in Redis, so several installations (or test runs) can share one Redis.
 */
QUEUE_PREFIX?: string
/**
 * Folder for local state (the embedded database, and its secrets key when SECRETS_KEY is unset).
 */
DATA_DIR?: string
/**
 * Lowest log level written.
 */
LOG_LEVEL?: ("fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent")
/**
 * Whether this process also runs job workers and the event dispatcher. Set false on API processes when dedicated `npm run worker` processes do that work.
 */
RUN_WORKERS?: boolean
/**
 * Most connections in the PostgreSQL pool.
 */
DB_POOL_MAX?: number
/**
 * Deliveries of one event to one subscriber tried before it is dead-lettered.
 */
EVENT_MAX_ATTEMPTS?: number
/**
 * First retry delay of a failed delivery; each later retry doubles it (with jitter), capped at one hour.
 */
EVENT_BACKOFF_MS?: number
/**
 * How long a dispatcher holds a claimed delivery before another may take it over (covers a crashed dispatcher).
 */
EVENT_LEASE_MS?: number
/**
 * How long a graceful shutdown waits for in-flight requests and jobs before closing anyway.
 */
SHUTDOWN_TIMEOUT_MS?: number
/**
 * Bearer token for the kernel's admin API (dead letters, jobs). Unset: the admin API refuses every call.
 */
ADMIN_TOKEN?: string
/**
 * Key that encrypts plugin secrets at rest (AES-256-GCM): 32 random bytes written as base64 or hex; generate one with `openssl rand -base64 32`. Changing it makes the stored secrets unreadable. Unset: with the embedded database, a key kept in DATA_DIR/secrets.key (created on first use); with DATABASE_URL, plugin secrets refuse every operation.
 */
SECRETS_KEY?: string
/**
 * Private, loopback or link-local networks that plugins may reach through egress despite the default refusal, as comma-separated CIDR ranges (10.20.0.0/16,fd00::/8) — for a billing gateway or router API inside the ISP's own network. Plugins still reach only the hosts their manifests declare. Unset: none.
 */
PLUGIN_EGRESS_ALLOW_NETWORKS?: string
/**
 * Whether plugins may fetch plain http:// URLs (on declared hosts). Default false: https only.
 */
PLUGIN_EGRESS_ALLOW_HTTP?: boolean
/**
 * Networks plugins may send UDP datagrams to (RADIUS CoA and Disconnect-Request to the NAS, RFC 5176), as comma-separated CIDR ranges (10.20.0.0/16,fd00:20::/48). A plugin sends only to IP addresses inside them, on the ports its manifest declares under capabilities.datagram; multicast and broadcast addresses are refused even inside them. Unset: none, so every datagram is refused.
 */
DATAGRAM_ALLOW_NETWORKS?: string
/**
 * Plugin registries the operator installs from, as JSON: [{"url": "https://plugins.example.net", "trustedKeys": [{"publisher": "acme", "publicKey": "ed25519:..."}]}]. A package is installed only when it is signed by one of its registry's trusted keys (or one in PLUGIN_TRUSTED_KEYS). Unset: none (bundled plugins and trusted files only).
 */
PLUGIN_REGISTRIES?: string
/**
 * Publisher keys trusted for every registry and for packages installed from a file (air-gapped installations), as JSON: [{"publisher": "acme", "publicKey": "ed25519:..."}]. Unset: none.
 */
PLUGIN_TRUSTED_KEYS?: string
/**
 * Base URL people reach this installation at (https://dotmac.example.net), used in links sent by email (invitations, password resets). Unset: http://HOST:PORT.
 */
PUBLIC_URL?: string
/**
 * Host names (comma-separated) on which the platform operator's portal and API answer, not a tenant's; requests on any other host name are for the tenant that owns it.
 */
PLATFORM_HOSTNAMES?: string
/**
 * SMTP server that sends invitations and password resets (smtp://user:pass@mail.example.net:587, smtps:// for TLS). Unset: mail is written to the log with its links removed (development only).
 */
SMTP_URL?: string
/**
 * Sender of the mail DotMac sends.
 */
MAIL_FROM?: string
/**
 * Lifetime of an access token, in seconds.
 */
ACCESS_TOKEN_TTL_S?: number
/**
 * Lifetime of a refresh token (a session without activity), in seconds.
 */
REFRESH_TOKEN_TTL_S?: number
/**
 * Failed sign-ins allowed per account, and per client address, within LOGIN_WINDOW_S before further attempts are refused until the window ends.
 */
LOGIN_MAX_FAILURES?: number
/**
 * Window of the sign-in throttle, and how long a lockout lasts, in seconds.
 */
LOGIN_WINDOW_S?: number
}
