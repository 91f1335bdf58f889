import { AsyncResource } from 'node:async_hooks';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { REQUEST_ID_HEADER, TRACEPARENT_HEADER, TRACESTATE_HEADER } from '@shop/shared/core';
import type { Request, Response } from 'express';
import type { Counter } from 'prom-client';
import { NOT_FORWARDED_RESPONSE, publicLocation, type Proxy } from './proxy.js';

export interface MicroCacheSettings {
  /** How long a stored answer is served, counted from when the upstream was asked; 0 turns the cache off. */
  ttlMs: number;
  /** Bounds on what is kept (per gateway worker); the defaults are `MICRO_CACHE_BOUNDS`. */
  maxEntries?: number;
  maxBytes?: number;
  /** An answer larger than this is passed on, never stored. */
  maxEntryBytes?: number;
}

export const MICRO_CACHE_BOUNDS = { maxEntries: 1000, maxBytes: 8 * 1024 * 1024, maxEntryBytes: 256 * 1024 };

export type MicroCacheResult = 'hit' | 'coalesced' | 'miss' | 'bypass';

/** What a stored answer costs besides its body and headers (the map entry, the objects). */
const ENTRY_OVERHEAD_BYTES = 256;

// Headers that belong to one request and its connection, never to a stored answer: hop-by-hop
// ones, and the ids and dates a later request gets of its own.
const NOT_STORED = new Set([
  ...NOT_FORWARDED_RESPONSE,
  REQUEST_ID_HEADER.toLowerCase(),
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
  'date',
  'age',
  'x-cache',
]);

interface Entry {
  status: 200;
  headers: [name: string, value: string | string[]][];
  body: Buffer;
  etag: string | undefined;
  /** When the upstream was asked: the answer shows its state at that moment or later. */
  requestedAt: number;
  expiresAt: number;
  /** The request headers the upstream's `Vary` names, with the values this answer was made for. */
  vary: [name: string, value: string][];
  bytes: number;
}

/** A stored answer fits only requests that agree with it on every header its `Vary` names. */
function fits(entry: Entry, req: Request): boolean {
  return entry.vary.every(([name, value]) => headerText(req.headers, name) === value);
}

function headerText(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

/** Directives of a Cache-Control value, lower-cased: `public, max-age=1` → {public: '', max-age: '1'}. */
function directivesOf(cacheControl: string): Map<string, string> {
  const directives = new Map<string, string>();
  for (const part of cacheControl.split(',')) {
    const [name = '', value = ''] = part.split('=', 2).map((text) => text.trim().toLowerCase());
    if (name !== '') directives.set(name, value.replace(/^"|"$/g, ''));
  }
  return directives;
}

/**
 * How long the upstream lets a shared cache keep this answer, at most `ttlMs`; undefined when it
 * must not be stored: anything but a complete 200, an answer that sets a cookie, is private,
 * no-store or no-cache, says nothing of caching, varies on everything, or is too large.
 */
function storableFor(answer: IncomingMessage, ttlMs: number, maxEntryBytes: number): number | undefined {
  const { headers } = answer;
  if (answer.statusCode !== 200 || headers['set-cookie'] !== undefined) return undefined;
  const directives = directivesOf(headers['cache-control'] ?? '');
  if (['private', 'no-store', 'no-cache'].some((name) => directives.has(name))) return undefined;
  const maxAge = directives.get('s-maxage') ?? directives.get('max-age');
  if (maxAge === undefined && !directives.has('public')) return undefined;
  const freshFor = maxAge === undefined ? ttlMs : Math.min(ttlMs, Number(maxAge) * 1000);
  if (!(freshFor > 0)) return undefined;
  if (headerText(headers, 'vary').includes('*')) return undefined;
  // Only an answer whose size is known up front (services send Content-Length) is taken.
  const length = Number(headers['content-length'] ?? Number.NaN);
  if (!Number.isSafeInteger(length) || length < 0 || length > maxEntryBytes) return undefined;
  return freshFor;
}

/** RFC 9110 §13.1.2: `*`, or any listed tag equal to the current one under weak comparison. */
export function isNoneMatchSatisfied(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  for (const [, tag] of ifNoneMatch.matchAll(/(?:W\/)?("[^"]*")/g)) if (tag === opaque) return true;
  return false;
}

/** Entries by key, least recently used first (a Map keeps insertion order), within both bounds. */
class EntryStore {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly bounds: typeof MICRO_CACHE_BOUNDS) {}

  get(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.remove(key, entry);
    if (entry.expiresAt <= now) return undefined;
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
    return entry;
  }

  set(key: string, entry: Entry): void {
    const old = this.entries.get(key);
    if (old !== undefined) this.remove(key, old);
    if (entry.bytes > this.bounds.maxBytes) return;
    for (const [oldestKey, oldest] of this.entries) {
      if (this.entries.size < this.bounds.maxEntries && this.bytes + entry.bytes <= this.bounds.maxBytes) break;
      this.remove(oldestKey, oldest);
    }
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}

/**
 * Reads a taken answer's body, at most its announced length; undefined if it breaks off (the
 * upstream died or stalled and the proxy cut it, or the client left and took it with it).
 */
function readBody(answer: IncomingMessage, length: number, done: (body: Buffer | undefined) => void): void {
  const chunks: Buffer[] = [];
  let received = 0;
  let isDone = false;
  const finish = (body: Buffer | undefined) => {
    if (isDone) return;
    isDone = true;
    done(body);
  };
  answer.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > length) answer.destroy(new Error('answer longer than its Content-Length'));
    else chunks.push(chunk);
  });
  answer.once('end', () => finish(received === length ? Buffer.concat(chunks, length) : undefined));
  answer.once('error', () => finish(undefined));
  answer.once('close', () => finish(undefined));
}

function storedHeaders(headers: IncomingHttpHeaders): Entry['headers'] {
  const kept: Entry['headers'] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || NOT_STORED.has(name)) continue;
    kept.push([name, name === 'location' && typeof value === 'string' ? publicLocation(value) : value]);
  }
  return kept;
}

/**
 * Answers from a stored entry, as the proxy would have: the entry's headers on top of the ones
 * this request already has (its own X-Request-Id, rate-limit and security headers), or 304 when
 * the caller's `If-None-Match` holds the entry's tag.
 */
function serve(res: Response, entry: Entry, ifNoneMatch: string | undefined, origin: 'HIT' | 'MISS'): void {
  for (const [name, value] of entry.headers) res.setHeader(name, value);
  res.setHeader('X-Cache', origin);
  // RFC 9111 §5.1: an answer not made for this request says how old it is.
  if (origin === 'HIT') res.setHeader('Age', String(Math.floor((Date.now() - entry.requestedAt) / 1000)));
  if (ifNoneMatch !== undefined && entry.etag !== undefined && isNoneMatchSatisfied(ifNoneMatch, entry.etag)) {
    res.statusCode = 304;
    res.removeHeader('content-length');
    res.removeHeader('content-type');
    res.end();
    return;
  }
  res.statusCode = entry.status;
  // To a HEAD, node sends the headers only.
  res.end(entry.body);
}

/**
 * A bounded cache of anonymous answers to cacheable operations (catalogue reads) in front of
 * `proxy`, keyed by the path and query as forwarded (GET and HEAD share entries), for `ttlMs`
 * from when the upstream was asked (the upstream's `s-maxage`/`max-age` may shorten it). A burst
 * of misses for one key makes one upstream call: the others wait for its answer and are served
 * from it; if it cannot be stored (an error, an uncacheable answer, a broken call), each of them
 * makes its own call, so every client gets an answer from its own attempt, with its own request
 * id, and instances that failed the first call are already rested for the second. Requests with
 * a token or a cookie never touch it. Answers are served with this request's own headers, and
 * 304 to a matching `If-None-Match`; `X-Cache` says HIT (no upstream call for this request) or MISS.
 */
export function withMicroCache(
  proxy: Proxy,
  settings: MicroCacheSettings | undefined,
  results: Counter<'result'>,
): Proxy {
  if (settings === undefined || settings.ttlMs <= 0) return proxy;
  const { ttlMs } = settings;
  const bounds = {
    maxEntries: settings.maxEntries ?? MICRO_CACHE_BOUNDS.maxEntries,
    maxBytes: settings.maxBytes ?? MICRO_CACHE_BOUNDS.maxBytes,
    maxEntryBytes: settings.maxEntryBytes ?? MICRO_CACHE_BOUNDS.maxEntryBytes,
  };
  const store = new EntryStore(bounds);
  /** Upstream calls in flight, by key, with the requests waiting for their answer. */
  const flights = new Map<string, ((filled: Entry | undefined) => void)[]>();
  const count = (result: MicroCacheResult) => results.inc({ result });

  return (req, res, target, next) => {
    if (target.isCacheable !== true || (req.method !== 'GET' && req.method !== 'HEAD')) {
      proxy(req, res, target, next);
      return;
    }
    if (req.headers.authorization !== undefined || req.headers.cookie !== undefined) {
      count('bypass');
      proxy(req, res, target, next);
      return;
    }
    const key = target.path;
    const ifNoneMatch = headerText(req.headers, 'if-none-match') || undefined;
    const stored = store.get(key, Date.now());
    if (stored !== undefined && fits(stored, req)) {
      count('hit');
      serve(res, stored, ifNoneMatch, 'HIT');
      return;
    }
    const waiters = flights.get(key);
    if (waiters !== undefined) {
      count('coalesced');
      // Bound to this request's own context (request id, trace), not that of the call it waits for.
      waiters.push(
        AsyncResource.bind((filled: Entry | undefined) => {
          if (res.destroyed) return;
          if (filled !== undefined && fits(filled, req)) {
            serve(res, filled, ifNoneMatch, 'HIT');
            return;
          }
          res.setHeader('X-Cache', 'MISS');
          proxy(req, res, target, next);
        }),
      );
      return;
    }
    count('miss');
    res.setHeader('X-Cache', 'MISS');
    // A HEAD answer has no body to store; too many calls in flight: no more coalescing.
    if (req.method === 'HEAD' || flights.size >= bounds.maxEntries) {
      proxy(req, res, target, next);
      return;
    }

    const waiting: ((filled: Entry | undefined) => void)[] = [];
    flights.set(key, waiting);
    let isSettled = false;
    const settle = (filled: Entry | undefined) => {
      if (isSettled) return;
      isSettled = true;
      flights.delete(key);
      for (const waiter of waiting) waiter(filled);
    };
    // No answer stored by the time this request is over (the call failed, or the client left):
    // the waiters go upstream themselves.
    res.once('close', () => settle(undefined));
    // The upstream is asked without the caller's conditions, so that its answer (a 200) can be
    // stored; the conditions are answered here, from the stored answer.
    delete req.headers['if-none-match'];
    delete req.headers['if-modified-since'];
    const requestedAt = Date.now();
    const onResponse = (answer: IncomingMessage): boolean => {
      const freshFor = storableFor(answer, ttlMs, bounds.maxEntryBytes);
      if (freshFor === undefined) {
        settle(undefined);
        return false;
      }
      readBody(answer, Number(answer.headers['content-length']), (body) => {
        if (body === undefined) {
          // As the proxy does for an answer that breaks off: the client's connection is cut.
          res.destroy();
          settle(undefined);
          return;
        }
        const headers = storedHeaders(answer.headers);
        const vary = headerText(answer.headers, 'vary')
          .split(',')
          .map((name) => name.trim().toLowerCase())
          .filter((name) => name !== '')
          .map((name): [string, string] => [name, headerText(req.headers, name)]);
        const etag = answer.headers.etag;
        const size = body.length + key.length + ENTRY_OVERHEAD_BYTES;
        const entry: Entry = {
          status: 200,
          headers,
          body,
          etag,
          requestedAt,
          expiresAt: requestedAt + freshFor,
          vary,
          bytes: headers.reduce((sum, [name, value]) => sum + name.length + String(value).length, size),
        };
        store.set(key, entry);
        serve(res, entry, ifNoneMatch, 'MISS');
        settle(entry);
      });
      return true;
    };
    proxy(req, res, { ...target, onResponse }, next);
  };
}
