/**
 * Where calls to one service go: any number of instances behind one name. Callers pick an
 * instance per attempt and report those that failed to connect, so the next attempt (and the
 * next request) goes elsewhere.
 */
export interface Endpoint {
  /**
   * The base URL of an instance to try next, round robin across the live ones, skipping those
   * resting after a failure and those in `tried` (this call's earlier attempts). Undefined only
   * when every known instance is in `tried`.
   */
  pick(tried?: ReadonlySet<string>): string | undefined;
  /** The instance at `url` failed to connect or dropped the connection: rest it for a while. */
  markFailed(url: string): void;
}

/** One fixed address: a platform's own discovery (a Kubernetes Service) or a test stands behind it. */
export function fixedEndpoint(url: string): Endpoint {
  return {
    pick: (tried) => (tried?.has(url) === true ? undefined : url),
    markFailed: () => undefined,
  };
}
