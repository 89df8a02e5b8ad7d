// MikroORM entities for the kernel's own tables (the schema is owned by the migrations).
import { defineEntity, p } from '@mikro-orm/core';

export const Tenant = defineEntity({
  name: 'Tenant',
  schema: 'kernel',
  tableName: 'tenant',
  properties: {
    id: p.uuid().primary(),
    slug: p.string(),
    name: p.string(),
    status: p.enum(['active', 'suspended', 'closed'] as const),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});

export const OutboxEvent = defineEntity({
  name: 'OutboxEvent',
  schema: 'kernel',
  tableName: 'outbox_event',
  properties: {
    id: p.uuid().primary(),
    seq: p.bigint('number'),
    name: p.string(),
    tenantId: p.uuid().nullable(),
    payload: p.json<Record<string, unknown>>(),
    occurredAt: p.datetime(),
    createdAt: p.datetime(),
    dispatchedAt: p.datetime().nullable(),
  },
});

export const DeadLetter = defineEntity({
  name: 'DeadLetter',
  schema: 'kernel',
  tableName: 'dead_letter',
  properties: {
    id: p.uuid().primary(),
    eventId: p.uuid(),
    subscriber: p.string(),
    eventName: p.string(),
    tenantId: p.uuid().nullable(),
    attempts: p.integer(),
    lastError: p.text(),
    deadAt: p.datetime(),
    replayedAt: p.datetime().nullable(),
  },
});

export const AuditEntry = defineEntity({
  name: 'AuditEntry',
  schema: 'kernel',
  tableName: 'audit_log',
  properties: {
    id: p.bigint('number').primary(),
    at: p.datetime(),
    tenantId: p.uuid().nullable(),
    actorType: p.string(),
    actorId: p.string().nullable(),
    action: p.string(),
    target: p.string().nullable(),
    data: p.json<Record<string, unknown>>(),
    requestId: p.string().nullable(),
  },
});

export const kernelEntities = [Tenant, OutboxEvent, DeadLetter, AuditEntry];
