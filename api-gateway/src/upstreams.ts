import type { Endpoint } from '@shop/shared/discovery';

export const UPSTREAMS = ['user-service', 'product-service', 'order-service'] as const;
export type UpstreamName = (typeof UPSTREAMS)[number];

/**
 * Where each upstream answers: its instances as discovery finds them (the registry, then the last
 * known instances, then the configured URL), or one fixed URL under `DISCOVERY=static`.
 */
export type UpstreamEndpoints = Record<UpstreamName, Endpoint>;

/** Asks one instance of each upstream for `/health/ready`; an upstream that does not answer in time is down. */
export async function upstreamReadiness(
  upstreams: UpstreamEndpoints,
  timeoutMs: number,
): Promise<Record<UpstreamName, 'up' | 'down'>> {
  const entries = await Promise.all(
    UPSTREAMS.map(async (name) => {
      const url = upstreams[name].pick();
      const isUp =
        url !== undefined &&
        (await fetch(new URL('/health/ready', url), { signal: AbortSignal.timeout(timeoutMs) })
          .then((res) => res.ok)
          .catch(() => false));
      return [name, isUp ? 'up' : 'down'] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<UpstreamName, 'up' | 'down'>;
}
