import { parseBody, parseParams } from '@shop/shared/core';
import { heartbeatSchema, registrationSchema } from '@shop/shared/discovery';
import { serviceRouter } from '@shop/shared/http';
import type { RequestHandler, Router } from 'express';
import type { InstanceTable } from '../domain/instance-table.js';
import { instanceIdParamsSchema, serviceNameParamsSchema } from '../domain/registry.schemas.js';
import { toInstanceView, toLeaseView, toServicesView, toServiceView } from './instance.view.js';

// Callers poll the registry for the live set: a cached answer would hand out a dead instance.
const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

/** Writes are let through only with the registry token (see `requireTokenForWrites`); reads are open. */
export function registryRoutes(deps: { table: InstanceTable }): Router {
  const router = serviceRouter();
  const { table } = deps;

  router.post('/register', (req, res) => {
    const { lease, created } = table.register(parseBody(req, registrationSchema));
    if (created) res.status(201).location(`/instances/${lease.id}`);
    res.json(toLeaseView(lease));
  });

  router.post('/heartbeat/:id', (req, res) => {
    const { id } = parseParams(req, instanceIdParamsSchema);
    const { status } = parseBody(req, heartbeatSchema);
    res.json(toLeaseView(table.heartbeat(id, status)));
  });

  router.delete('/instances/:id', (req, res) => {
    const { id } = parseParams(req, instanceIdParamsSchema);
    table.deregister(id);
    res.status(204).end();
  });

  router.get('/discover/:name', noStore, (req, res) => {
    const { name } = parseParams(req, serviceNameParamsSchema);
    res.json(toInstanceView(table.discover(name)));
  });

  router.get('/services', noStore, (_req, res) => {
    res.json(toServicesView(table.list()));
  });

  router.get('/services/:name', noStore, (req, res) => {
    const { name } = parseParams(req, serviceNameParamsSchema);
    res.json(toServiceView(table.service(name)));
  });

  return router;
}
