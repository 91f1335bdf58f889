/**
 * How long callers (ServiceClient, the gateway) keep an idle pooled connection to one of our
 * services. Servers keep theirs open longer, so a server never closes a socket just as a caller
 * reuses it, which would surface as a spurious ECONNRESET.
 */
export const IDLE_SOCKET_TIMEOUT_MS = 30_000;
export const SERVER_KEEP_ALIVE_MS = IDLE_SOCKET_TIMEOUT_MS + 5_000;

/** A client must send its request headers within this, and the whole request within the next. */
export const SERVER_HEADERS_TIMEOUT_MS = 10_000;
export const SERVER_REQUEST_TIMEOUT_MS = 30_000;
