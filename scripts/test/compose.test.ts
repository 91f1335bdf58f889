import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from '@shop/shared/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configShape as gateway } from '../../api-gateway/src/config';
import { configShape as orders } from '../../order-service/src/config';
import { configShape as products } from '../../product-service/src/config';
import { configShape as registry } from '../../service-registry/src/config';
import { configShape as users } from '../../user-service/src/config';

/**
 * docker-compose.yml checked on paper: what `docker compose up` would start is consistent with
 * the code (images, required variables, addresses and ports). The smoke script runs it for real.
 */
const ROOT = path.join(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args: Record<string, string | number> };
  environment?: Record<string, string | number | null>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;
const SHAPES = {
  'api-gateway': gateway,
  'user-service': users,
  'product-service': products,
  'order-service': orders,
  'service-registry': registry,
};
type Built = keyof typeof SHAPES;
const PLACEHOLDER_SECRET = 's'.repeat(32);

/** `.env.example` as an operator fills it in: each required secret set to a 32-byte value. */
const dotEnv = Object.fromEntries(
  read('.env.example')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);

/** Compose's interpolation: `${VAR}`, `${VAR:-default}`, `${VAR:?error}` (which refuses an empty value). */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$\{([A-Z_]+)(?:(:-|:\?)([^}]*))?\}/g,
    (_match, name: string, operator?: string, rest?: string) => {
      const set = env[name];
      if (operator === ':?' && (set === undefined || set === '')) throw new Error(`${name}: ${rest}`);
      if (operator === ':-' && (set === undefined || set === '')) return rest ?? '';
      return set ?? '';
    },
  );
}

function environmentOf(name: string, env: Record<string, string>): Record<string, string> {
  const declared = services[name]?.environment ?? {};
  return Object.fromEntries(
    Object.entries(declared).map(([key, value]) => [key, interpolate(String(value ?? ''), env)]),
  );
}

const operatorEnv = Object.fromEntries(
  Object.entries(dotEnv).map(([key, value]) => [
    key,
    value === '' && /SECRET|TOKEN/.test(key) ? PLACEHOLDER_SECRET : value,
  ]),
);

const built = Object.entries(services).filter(([, service]) => service.build !== undefined);
const portOf = (name: string): number | undefined => {
  if (name.endsWith('-db')) return 27_017;
  if (name === 'redis') return 6379;
  const port = services[name]?.build?.args.PORT;
  return port === undefined ? undefined : Number(port);
};

describe('docker-compose.yml', () => {
  it('builds the gateway, the three services and the registry, each from the Dockerfile with its own folder', () => {
    expect(built.map(([name]) => name).sort()).toEqual(Object.keys(SHAPES).sort());
    for (const [name, service] of built) {
      expect(existsSync(path.join(ROOT, service.build!.dockerfile)), name).toBe(true);
      expect(service.build!.args.SERVICE).toBe(name);
      expect(existsSync(path.join(ROOT, name, 'src', 'main.ts')), name).toBe(true);
    }
  });

  it('sets every variable each process requires in production, given the secrets .env.example asks for', () => {
    for (const [name] of built) {
      const env = { ...environmentOf(name, operatorEnv), PORT: String(portOf(name)) };
      expect(() => parseConfig(SHAPES[name as Built], env), name).not.toThrow();
    }
  });

  it('refuses to start without the secrets: they have no defaults', () => {
    const withoutSecrets = { ...operatorEnv, JWT_SECRET: '', REGISTRY_TOKEN: '' };
    for (const [name] of built) expect(() => environmentOf(name, withoutSecrets), name).toThrow(/in \.env/);
  });

  it('every variable compose reads from .env is in .env.example', () => {
    const referenced = [...read('docker-compose.yml').matchAll(/\$\{([A-Z_]+)/g)].map((match) => match[1]!);
    expect([...new Set(referenced)].filter((name) => !(name in dotEnv))).toEqual([]);
  });

  it('every address a process is given names a compose service, on the port that service listens on', () => {
    for (const [name] of built) {
      for (const [key, value] of Object.entries(environmentOf(name, operatorEnv))) {
        if (!/^(https?|mongodb|redis):\/\//.test(value)) continue;
        const url = new URL(value);
        expect(Object.keys(services), `${name} ${key}`).toContain(url.hostname);
        expect(Number(url.port), `${name} ${key}`).toBe(portOf(url.hostname));
      }
    }
  });

  it('Prometheus scrapes every process at an address and port compose gives it', () => {
    const prometheus = parse(read('deploy/prometheus.yml')) as {
      scrape_configs: {
        job_name: string;
        static_configs?: { targets: string[] }[];
        dns_sd_configs?: { names: string[]; port: number }[];
      }[];
    };
    const scraped = prometheus.scrape_configs.map((job) => job.job_name).sort();
    expect(scraped).toEqual(Object.keys(SHAPES).sort());
    for (const job of prometheus.scrape_configs) {
      for (const sd of job.dns_sd_configs ?? []) {
        for (const host of sd.names) expect(sd.port, host).toBe(portOf(host));
      }
      for (const target of job.static_configs?.flatMap((config) => config.targets) ?? []) {
        const [host, port] = target.split(':');
        expect(Object.keys(services)).toContain(host);
        // The gateway's metrics are on its internal METRICS_PORT.
        expect(port).toBe(String(services[host!]?.environment?.METRICS_PORT));
      }
    }
  });

  it('Prometheus loads the alert rules: the rule_files of deploy/prometheus.yml are alerts.yml, mounted read-only', () => {
    const { rule_files: ruleFiles } = parse(read('deploy/prometheus.yml')) as { rule_files?: string[] };
    // "source:target:mode" (the short syntax compose and the offline override use).
    const mounts = (services.prometheus?.volumes ?? []).map((volume) => volume.split(':'));
    const mountedAt = (target: string) => mounts.find((mount) => mount[1] === target);
    expect(mountedAt('/etc/prometheus/prometheus.yml')).toEqual([
      './deploy/prometheus.yml',
      '/etc/prometheus/prometheus.yml',
      'ro',
    ]);
    expect(ruleFiles).toHaveLength(1);
    expect(mountedAt(ruleFiles![0]!)).toEqual(['./deploy/prometheus/alerts.yml', ruleFiles![0], 'ro']);
    expect(existsSync(path.join(ROOT, 'deploy', 'prometheus', 'alerts.yml'))).toBe(true);
    // The offline stand-in replaces the image only, so it gets the same files.
    const offline = parse(read('deploy/compose.offline.yml')) as { services: Record<string, ComposeService> };
    expect(offline.services.prometheus?.volumes).toBeUndefined();
  });

  it('the registry write token is given only to the processes that register, not to the public gateway', () => {
    const holders = built
      .filter(([name]) => 'REGISTRY_TOKEN' in environmentOf(name, operatorEnv))
      .map(([name]) => name);
    expect(holders.sort()).toEqual(['order-service', 'product-service', 'service-registry', 'user-service']);
  });

  it('gives every process time to drain and shut down before Docker kills it', () => {
    for (const [name, service] of built)
      expect((service as { stop_grace_period?: string }).stop_grace_period, name).toBe('20s');
  });

  it('publishes only the gateway, and Prometheus on loopback', () => {
    const published = Object.entries(services).filter(([, service]) => (service.ports ?? []).length > 0);
    expect(published.map(([name]) => name).sort()).toEqual(['api-gateway', 'prometheus']);
    expect(services.prometheus?.ports?.every((port) => port.startsWith('127.0.0.1:'))).toBe(true);
  });
});
