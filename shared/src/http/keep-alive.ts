/**
 * How long callers (ServiceClient, the gateway) keep an idle pooled connection to one of our
 * services. Servers keep theirs open longer, so a server never closes a socket just as a caller
 * reuses it, which would surface as a spurious ECONNRESET.
 */
export const IDLE_SOCKET_TIMEOUT_MS = 30_000;
export const SERVER_KEEP_ALIVE_MS = IDLE_SOCKET_TIMEOUT_MS + 5_000;
