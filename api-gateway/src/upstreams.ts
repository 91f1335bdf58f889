export const UPSTREAMS = ['user-service', 'product-service', 'order-service'] as const;
export type UpstreamName = (typeof UPSTREAMS)[number];

/**
 * Where each upstream answers. Static from config today; the registry will plug in
 * behind this same interface (discovery with a cache and configured fallbacks).
 */
export interface UpstreamResolver {
  resolve(name: UpstreamName): string;
}

export function staticUpstreams(urls: Record<UpstreamName, string>): UpstreamResolver {
  return { resolve: (name) => urls[name] };
}

/** Asks each upstream's `/health/ready`; an upstream that does not answer in time is down. */
export async function upstreamReadiness(
  resolver: UpstreamResolver,
  timeoutMs: number,
): Promise<Record<UpstreamName, 'up' | 'down'>> {
  const entries = await Promise.all(
    UPSTREAMS.map(async (name) => {
      const isUp = await fetch(new URL('/health/ready', resolver.resolve(name)), {
        signal: AbortSignal.timeout(timeoutMs),
      })
        .then((res) => res.ok)
        .catch(() => false);
      return [name, isUp ? 'up' : 'down'] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<UpstreamName, 'up' | 'down'>;
}
