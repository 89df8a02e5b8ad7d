// Generated from schemas/plugin-manifest.schema.json by `npm run schemas:types`. Do not edit.

export type SchemaFile = string

/**
 * A DotMac plugin's manifest (plugin.json): who the plugin is, which kernel and plugins it needs, and every capability it asks for. The kernel grants exactly what is declared here and nothing else.
 */
export interface PluginManifest {
/**
 * URL of this schema, so that editors complete and check the manifest. Ignored by the kernel.
 */
$schema?: string
/**
 * Unique plugin id, reverse-DNS style: at least two dot-separated lowercase words, each starting with a letter, words may contain single hyphens (dotmac.billing, acme.mikrotik-sync). At most 56 characters, so that its database schema name plugin_<id> fits PostgreSQL's 63-byte limit.
 */
id: string
/**
 * Version of this plugin, semver 2.0.0 (1.4.0, 2.0.0-rc.1).
 */
version: string
/**
 * Human name shown to operators (Billing, MikroTik sync).
 */
name: string
/**
 * One or two sentences on what the plugin does, shown when it is installed.
 */
description: string
/**
 * Who publishes and supports the plugin (DotMac, Acme Networks Ltd).
 */
publisher: string
/**
 * Versions of the host this plugin runs on.
 */
engines: {
/**
 * Semver range of kernel versions this plugin works with. It must pin one major version (^0.1.0, ~1.2.0, 1.x, >=1.2.0 <2.0.0): a new kernel major may break the host API.
 */
kernel: string
}
/**
 * Plugins this plugin needs, by id, with the semver range of their versions it works with. They are activated before it, and it cannot be enabled for a tenant without them.
 */
dependencies?: {
/**
 * Semver range of the dependency's versions this plugin works with (^1.2.0).
 * 
 * This interface was referenced by `undefined`'s JSON-Schema definition
 * via the `patternProperty` "^[a-z][a-z0-9]*(-[a-z0-9]+)*(\.[a-z][a-z0-9]*(-[a-z0-9]+)*)+$".
 */
[k: string]: string
}
/**
 * What the plugin asks the kernel for. Each capability is shown to the operator at install and enforced on every call; an absent capability is refused.
 */
capabilities?: {
/**
 * A PostgreSQL schema of its own (plugin_<id>), created by its migrations. true: migrations in the migrations/ folder; an object names the folder.
 */
db?: (boolean | {
/**
 * Folder of numbered SQL migrations, relative to the plugin folder. Absent: migrations.
 */
migrations?: string
})
/**
 * Events the plugin publishes and subscribes to.
 */
events?: {
/**
 * Every event the plugin may publish, with the JSON Schema of its payload. Publishing any other name is refused.
 */
publish?: PublishedEvent[]
/**
 * Patterns of the events the plugin receives: dotted words where * matches one word and a trailing ** one or more (invoice.*, billing.**).
 */
subscribe?: string[]
}
/**
 * HTTP API of the plugin, mounted at /api/v1/p/<plugin id>/.
 */
http?: {
/**
 * Every route the plugin serves; requests and responses are validated against their schemas and listed in /openapi.json.
 */
routes?: HttpRoute[]
}
/**
 * Background jobs the plugin defines, optionally run on a cron schedule.
 */
jobs?: JobDeclaration[]
/**
 * JSON Schema of the plugin's per-tenant configuration (an object), inline or a relative .json file. Each tenant's config is validated against it.
 */
config?: (JsonSchema | SchemaFile)
/**
 * Secrets the plugin needs (API keys, passwords), set per tenant by an operator, stored encrypted and readable only by this plugin.
 */
secrets?: SecretDeclaration[]
/**
 * Hosts the plugin may fetch from. Every other host is refused, and so are loopback, private and link-local addresses.
 */
egress?: EgressRule[]
/**
 * UDP the plugin may send: one datagram to an IP address and the first answer back (RADIUS CoA and Disconnect-Request, RFC 5176). Only ports declared here, and only addresses inside the operator's DATAGRAM_ALLOW_NETWORKS; multicast and broadcast addresses are always refused.
 */
datagram?: {
/**
 * UDP ports the plugin may send to (3799: RFC 5176 CoA and Disconnect). Every other port is refused.
 * 
 * @minItems 1
 */
ports: [number, ...(number)[]]
/**
 * Why the plugin sends datagrams and to what, shown to the operator.
 */
description?: string
}
/**
 * Functions the plugin offers to other plugins and those of other plugins it calls; both sides declare a call.
 */
services?: {
/**
 * Functions other plugins may call.
 */
exports?: ServiceExport[]
/**
 * Functions of other plugins this plugin calls, as <plugin id>.<function> (dotmac.customers.findCustomer). The plugin must be a dependency and must export the function.
 */
calls?: string[]
}
}
/**
 * Screens and widgets the plugin adds to the portals, as modules of its Module Federation remote.
 */
ui?: UiContribution[]
/**
 * Permissions the plugin defines for role-based access control. Each name starts with the plugin id (dotmac.billing.invoices.read), so names never collide across plugins.
 */
permissions?: PermissionDeclaration[]
/**
 * Resource limits of the plugin's sandbox.
 */
limits?: {
/**
 * Memory limit of the plugin's isolate, in MiB.
 */
memoryMb?: number
/**
 * Longest one call into the plugin (a request, an event, a job) may run, in milliseconds.
 */
callTimeoutMs?: number
}
}
export interface PublishedEvent {
/**
 * Event name: dotted lowercase words (invoice.issued).
 */
name: string
/**
 * What happened when this event is published.
 */
description: string
/**
 * JSON Schema of the event payload, inline or a relative .json file.
 */
schema: (JsonSchema | SchemaFile)
}
/**
 * A JSON Schema (draft 2020-12), written inline. Its keywords are JSON Schema's own, so this object is open; the kernel checks it against the JSON Schema meta-schema.
 */
export interface JsonSchema {
[k: string]: unknown
}
export interface HttpRoute {
/**
 * HTTP method.
 */
method: ("GET" | "POST" | "PUT" | "PATCH" | "DELETE")
/**
 * Path relative to the plugin mount, Hono-style: lowercase segments and :params (/invoices/:id).
 */
path: string
/**
 * One line on what the route does, for the OpenAPI document.
 */
summary: string
/**
 * Longer explanation for the OpenAPI document.
 */
description?: string
/**
 * Schemas of the request's parts; a part without a schema is not accepted.
 */
request?: {
/**
 * JSON Schema of the JSON body, inline or a relative .json file.
 */
body?: (JsonSchema | SchemaFile)
/**
 * JSON Schema of the query string (an object of its parameters), inline or a relative .json file.
 */
query?: (JsonSchema | SchemaFile)
/**
 * JSON Schema of the path parameters (an object), inline or a relative .json file.
 */
params?: (JsonSchema | SchemaFile)
}
/**
 * Documented responses by HTTP status. Errors are problem+json and need not be listed.
 */
responses: {
/**
 * One response.
 * 
 * This interface was referenced by `undefined`'s JSON-Schema definition
 * via the `patternProperty` "^[1-5][0-9][0-9]$".
 */
[k: string]: {
/**
 * What this response means.
 */
description: string
/**
 * JSON Schema of the JSON response body, inline or a relative .json file; responses are validated against it.
 */
schema?: (JsonSchema | SchemaFile)
/**
 * The response is a file of this media type (application/pdf, text/csv) instead of JSON: the handler answers the SDK's file(...) ({ filename, base64 } or { filename, text }), which the kernel sends as the body with this Content-Type and a Content-Disposition naming the file. Not with schema.
 */
contentType?: string
}
}
/**
 * Permission the caller must hold: one this plugin defines, or one of a plugin it depends on. A route declares either a permission or public: true.
 */
permission?: string
/**
 * true: anyone may call the route, unauthenticated (webhooks that verify their own signature). A route declares either a permission or public: true.
 */
public?: boolean
}
export interface JobDeclaration {
/**
 * Job name, unique in the plugin: lowercase words joined by hyphens (generate-invoices).
 */
name: string
/**
 * What the job does, for operators.
 */
description?: string
/**
 * Cron pattern on which the kernel enqueues the job (0 2 * * * : every day at 02:00). Absent: enqueued only by the plugin.
 */
cron?: string
/**
 * Jobs of this name that run at once per worker process.
 */
concurrency?: number
/**
 * Runs tried before the job fails for good.
 */
attempts?: number
}
export interface SecretDeclaration {
/**
 * Secret name: uppercase words joined by underscores (STRIPE_API_KEY).
 */
name: string
/**
 * What the secret is and where the operator gets it.
 */
description: string
}
/**
 * Where the plugin may fetch from: a host it names (host), or the URL each tenant sets in one of its config properties (config). Exactly one of the two.
 */
export interface EgressRule {
/**
 * Host name the plugin may fetch from (api.stripe.com); a leading *. allows its subdomains. Host names only: IP addresses are refused.
 */
host?: string
/**
 * TCP ports allowed on that host. Absent: 443 only.
 * 
 * @minItems 1
 */
ports?: [number, ...(number)[]]
/**
 * Names a string property of the plugin's config that holds an absolute URL (a webhook target): for each tenant, the plugin may fetch any path on the scheme, host and port of the URL that tenant set. Private, loopback and link-local addresses stay refused unless the operator allows their network, and http unless the operator allows it.
 */
config?: string
/**
 * Why the plugin talks to this host or URL, shown to the operator.
 */
description?: string
}
export interface ServiceExport {
/**
 * Function name, camelCase (findCustomer); other plugins call it as <plugin id>.<name>.
 */
name: string
/**
 * What the function does.
 */
description: string
/**
 * JSON Schema of the function's argument, inline or a relative .json file; calls are validated against it.
 */
input: (JsonSchema | SchemaFile)
/**
 * JSON Schema of the function's result, inline or a relative .json file; results are validated against it.
 */
output: (JsonSchema | SchemaFile)
}
/**
 * One screen, tab, widget, panel or navigation entry a plugin adds to a portal. Every slot but nav needs a module.
 */
export interface UiContribution {
/**
 * Portal the contribution appears in.
 */
portal: ("admin" | "customer" | "reseller" | "technician" | "platform")
/**
 * Where in the portal: a page of its own (route), a navigation entry (nav), a dashboard widget, a tab on a detail page, or a settings panel.
 */
slot: ("route" | "nav" | "dashboard-widget" | "detail-tab" | "settings-panel")
/**
 * Portal path the contribution belongs to: a route's or nav entry's URL (/billing/invoices), the detail page a tab is added to (/customers/:id), the dashboard or settings page of a widget or panel.
 */
path: string
/**
 * Module exposed by the plugin's Module Federation remote that renders the contribution (./InvoiceList); a nav entry needs none.
 */
module?: string
/**
 * Label shown for a nav entry, tab, widget or panel.
 */
title?: string
/**
 * Permission a user needs to see the contribution: one this plugin defines, or one of a plugin it depends on. Absent: everyone who can use the portal.
 */
permission?: string
/**
 * Position among the entries of the same slot (navigation order, tab order, widget order): lower first; 100 when absent.
 */
order?: number
}
export interface PermissionDeclaration {
/**
 * Permission name: the plugin id, then dotted lowercase words, usually resource then action (dotmac.billing.invoices.read).
 */
name: string
/**
 * What holding the permission allows, shown when roles are edited.
 */
description: string
}
