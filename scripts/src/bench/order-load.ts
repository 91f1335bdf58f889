import { randomInt } from 'node:crypto';
import { percentile } from '../stats';

export interface OrderLine {
  productId: string;
  quantity: number;
}

/** One answer: `status` 0 when none came (connection refused or cut, or the request timed out). */
export interface OrderAnswer {
  status: number;
  /** The problem's `code` (`STOCK.INSUFFICIENT`), when the answer was an error with one. */
  code?: string;
}

/** Places one order with these lines and reports the answer; must not throw. */
export type SendOrder = (lines: OrderLine[]) => Promise<OrderAnswer>;

export interface AnswerSample {
  /** When the answer came, in ms since the load started. */
  atMs: number;
  /** How long it took. */
  ms: number;
  status: number;
}

export interface LoadResult {
  /** From the first request to the last answer (the requests in flight at the deadline are waited for). */
  elapsedMs: number;
  samples: AnswerSample[];
  created: number;
  conflicts: number;
  /** 4xx other than 409, and any other non-201 below 500. */
  otherClientErrors: number;
  serverErrors: number;
  networkErrors: number;
  /** How often each status and problem code was answered, e.g. `409 STOCK.INSUFFICIENT` → 12. */
  answers: Map<string, number>;
  /** When the first 409 came (ms since the start): a product ran short. Undefined if none did. */
  firstConflictMs?: number;
}

export const MAX_LINES_PER_ORDER = 3;
export const MAX_QUANTITY_PER_LINE = 3;

/** 1 to 3 lines of distinct random products, 1 to 3 units each. */
export function randomLines(productIds: readonly string[]): OrderLine[] {
  const count = randomInt(1, Math.min(MAX_LINES_PER_ORDER, productIds.length) + 1);
  const chosen = new Set<string>();
  while (chosen.size < count) {
    const id = productIds[randomInt(productIds.length)];
    if (id !== undefined) chosen.add(id);
  }
  return [...chosen].map((productId) => ({ productId, quantity: randomInt(1, MAX_QUANTITY_PER_LINE + 1) }));
}

/**
 * A closed loop: `concurrency` workers each place one order after another until `durationMs` has
 * passed. Every answer's latency is kept, so percentiles are exact.
 */
export async function runOrderLoad(options: {
  concurrency: number;
  durationMs: number;
  productIds: readonly string[];
  send: SendOrder;
  /** Called at once (synchronously) when the first 409 arrives, e.g. to sample CPU at that moment. */
  onFirstConflict?: () => void;
}): Promise<LoadResult> {
  const result: LoadResult = {
    elapsedMs: 0,
    samples: [],
    created: 0,
    conflicts: 0,
    otherClientErrors: 0,
    serverErrors: 0,
    networkErrors: 0,
    answers: new Map(),
  };
  const startedAt = performance.now();
  const deadline = startedAt + options.durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const sentAt = performance.now();
      const answer = await options.send(randomLines(options.productIds));
      const answeredAt = performance.now();
      result.samples.push({ atMs: answeredAt - startedAt, ms: answeredAt - sentAt, status: answer.status });
      if (answer.status === 201) result.created++;
      else if (answer.status === 409) {
        result.conflicts++;
        if (result.firstConflictMs === undefined) {
          result.firstConflictMs = answeredAt - startedAt;
          options.onFirstConflict?.();
        }
      } else if (answer.status === 0) result.networkErrors++;
      else if (answer.status >= 500) result.serverErrors++;
      else result.otherClientErrors++;
      const key = answer.status === 0 ? 'no answer' : `${answer.status} ${answer.code ?? ''}`.trim();
      result.answers.set(key, (result.answers.get(key) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  result.elapsedMs = performance.now() - startedAt;
  return result;
}

/** POSTs a JSON body and reads the answer to the end; never throws (no answer is status 0). */
export async function postOrder(url: string, body: unknown, headers: Record<string, string>): Promise<OrderAnswer> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (res.status === 201) return { status: 201 };
    let code: unknown;
    try {
      code = (JSON.parse(text) as { code?: unknown }).code;
    } catch {
      code = undefined;
    }
    return typeof code === 'string' ? { status: res.status, code } : { status: res.status };
  } catch {
    return { status: 0 };
  }
}

/**
 * How long the products lasted: until the first 409 (a product ran short), or the whole phase.
 * Past it a design answers more and more cheap 409s, so throughput and CPU per order are taken
 * over this window, where every order could succeed, and two designs compare like for like.
 */
export const sellingMs = (load: LoadResult): number => load.firstConflictMs ?? load.elapsedMs;

/** Orders placed (201) within the selling window. */
export const ordersWhileSelling = (load: LoadResult): number =>
  load.samples.filter((sample) => sample.status === 201 && sample.atMs <= sellingMs(load)).length;

/** Orders placed per second while stock lasted. */
export const ordersPerSecond = (load: LoadResult): number => ordersWhileSelling(load) / (sellingMs(load) / 1000);

/** Every answer (201, 409, errors) per second, over the whole phase. */
export const requestsPerSecond = (load: LoadResult): number => load.samples.length / (load.elapsedMs / 1000);

/** A percentile of the latency of placed orders (201s), over the whole phase. */
export const orderLatencyMs = (load: LoadResult, p: number): number =>
  percentile(
    load.samples.filter((sample) => sample.status === 201).map((sample) => sample.ms),
    p,
  );
