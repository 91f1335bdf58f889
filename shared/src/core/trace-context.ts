import { randomFillSync } from 'node:crypto';

/**
 * The W3C Trace Context (https://www.w3.org/TR/trace-context/) of what a process is doing: the
 * trace it belongs to and this process's own span in it. Nothing records spans yet; the trace id
 * ties log lines together across processes, and the headers let a tracer further on join in.
 */
export interface TraceContext {
  /** 32 lowercase hex digits, the same in every process the trace crosses. */
  readonly traceId: string;
  /** 16 lowercase hex digits, made by this process: the parent-id of every call it makes for this work. */
  readonly spanId: string;
  /** `01` (sampled) or `00`: only the sampled bit is kept, the others are undefined in version 00. */
  readonly flags: '00' | '01';
  /** The caller's `tracestate`, passed on unchanged, if it looked sound. */
  readonly traceState: string | undefined;
}

export const TRACEPARENT_HEADER = 'traceparent';
export const TRACESTATE_HEADER = 'tracestate';

/**
 * A trace this process starts is marked sampled: every request is logged with its trace id, so
 * a tracer further on may record it too. A caller's choice is kept as it came.
 */
const NEW_TRACE_FLAGS = '01';
// version-traceid-parentid-flags; a later version may append fields after another dash, which
// are read past (the spec's rule), while version 00 has exactly these four. Version ff is invalid.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const VERSION_00_LENGTH = 55;
const MAX_TRACEPARENT_LENGTH = 256;
const SAMPLED = 0x01;
// The spec's list members are printable ASCII; 512 characters is what every vendor must pass on.
const ACCEPTABLE_TRACESTATE = /^[\x20-\x7e]{1,512}$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

export interface Traceparent {
  traceId: string;
  parentId: string;
  isSampled: boolean;
}

/** The fields of a `traceparent` header, or undefined when it is absent or not one the spec accepts. */
export function parseTraceparent(value: string | undefined): Traceparent | undefined {
  if (value === undefined || value.length > MAX_TRACEPARENT_LENGTH || !TRACEPARENT.test(value)) return undefined;
  const version = value.slice(0, 2);
  if (version === 'ff' || (version === '00' && value.length !== VERSION_00_LENGTH)) return undefined;
  const traceId = value.slice(3, 35);
  const parentId = value.slice(36, 52);
  if (traceId === ZERO_TRACE_ID || parentId === ZERO_SPAN_ID) return undefined;
  return { traceId, parentId, isSampled: (Number.parseInt(value.slice(53, 55), 16) & SAMPLED) === SAMPLED };
}

// A randomBytes call costs microseconds (7-9 µs measured on a loaded 2-core machine, several
// times the rest of a request's trace handling); ids are cut from a pool refilled 4 KiB at a
// time instead, as randomUUID does.
const randomPool = Buffer.alloc(4096);
let randomPoolOffset = randomPool.length;

/** `bytes` random bytes as hex, never all zeros (an all-zero id means "none" to the spec). */
function randomId(bytes: number): string {
  for (;;) {
    if (randomPoolOffset + bytes > randomPool.length) {
      randomFillSync(randomPool);
      randomPoolOffset = 0;
    }
    const id = randomPool.toString('hex', randomPoolOffset, randomPoolOffset + bytes);
    randomPoolOffset += bytes;
    if (/[^0]/.test(id)) return id;
  }
}

/** A new trace, with this process's span as its root. */
export function startTrace(): TraceContext {
  return { traceId: randomId(16), spanId: randomId(8), flags: NEW_TRACE_FLAGS, traceState: undefined };
}

/**
 * This process's span in the caller's trace, from the request's `traceparent` and `tracestate`;
 * a new trace when the `traceparent` is absent or invalid (its `tracestate` is then dropped too).
 */
export function continueTrace(traceparent: string | undefined, tracestate: string | undefined): TraceContext {
  const parent = parseTraceparent(traceparent);
  if (parent === undefined) return startTrace();
  return {
    traceId: parent.traceId,
    spanId: randomId(8),
    flags: parent.isSampled ? '01' : '00',
    traceState: tracestate !== undefined && ACCEPTABLE_TRACESTATE.test(tracestate) ? tracestate : undefined,
  };
}

/** The `traceparent` of a call made as part of `trace`: its trace id, this process's span as the parent (version 00). */
export function traceparentOf(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.flags}`;
}
