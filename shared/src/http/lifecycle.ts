/**
 * Whether this process has been asked to stop. Set once, on SIGTERM, by `runService`; read by
 * every `/health/ready`, which then answers 503 so load balancers stop sending new traffic
 * while in-flight requests finish.
 */
let draining = false;

export function markDraining(): void {
  draining = true;
}

export function isDraining(): boolean {
  return draining;
}
