import { AppError, NotFoundError } from '@shop/shared/core';

/** A new service or instance would pass a configured bound; expired instances still count until removed. */
export class RegistryFullError extends AppError {
  constructor(limit: string) {
    super('REGISTRY.FULL', 507, `The registry is full: ${limit}`);
  }
}

/** Unknown, deregistered, or removed after its grace: the client registers again. */
export class InstanceNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('REGISTRY.INSTANCE_NOT_FOUND', `Instance ${id} is not registered`, { extensions: { id } });
  }
}

/** No instance of the service is ready and within its TTL. */
export class NoInstanceError extends NotFoundError {
  constructor(name: string) {
    super('REGISTRY.NO_INSTANCE', `No ready instance of ${name} is registered`, { extensions: { name } });
  }
}

export class ServiceNotFoundError extends NotFoundError {
  constructor(name: string) {
    super('REGISTRY.SERVICE_NOT_FOUND', `No instance of ${name} is registered`, { extensions: { name } });
  }
}
