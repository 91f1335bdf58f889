import { describe, expect, it } from 'vitest';
import { continueTrace, parseTraceparent, startTrace, traceparentOf } from './trace-context.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const VALID = `00-${TRACE_ID}-${PARENT_ID}-01`;
const STRICT_TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/;

describe('parseTraceparent', () => {
  it('reads the trace id, the parent id and the sampled bit of a version 00 header', () => {
    expect(parseTraceparent(VALID)).toEqual({ traceId: TRACE_ID, parentId: PARENT_ID, isSampled: true });
    expect(parseTraceparent(`00-${TRACE_ID}-${PARENT_ID}-00`)?.isSampled).toBe(false);
    // Only bit 0 means sampled; the others are not ours to read.
    expect(parseTraceparent(`00-${TRACE_ID}-${PARENT_ID}-02`)?.isSampled).toBe(false);
    expect(parseTraceparent(`00-${TRACE_ID}-${PARENT_ID}-03`)?.isSampled).toBe(true);
  });

  it('reads the first four fields of a later version, with or without more after a dash', () => {
    expect(parseTraceparent(`cc-${TRACE_ID}-${PARENT_ID}-01`)).toEqual({
      traceId: TRACE_ID,
      parentId: PARENT_ID,
      isSampled: true,
    });
    expect(parseTraceparent(`01-${TRACE_ID}-${PARENT_ID}-00-what-the-future-holds`)?.traceId).toBe(TRACE_ID);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['uppercase hex', VALID.toUpperCase()],
    ['an uppercase trace id', `00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-01`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${PARENT_ID}-01`],
    ['an all-zero parent id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE_ID}-${PARENT_ID}-01`],
    ['version 00 with a fifth field', `${VALID}-extra`],
    ['a later version with junk glued to the flags', `01-${TRACE_ID}-${PARENT_ID}-01x`],
    ['a short trace id', `00-${TRACE_ID.slice(1)}-${PARENT_ID}-01`],
    ['a short parent id', `00-${TRACE_ID}-${PARENT_ID.slice(1)}-01`],
    ['one-digit flags', `00-${TRACE_ID}-${PARENT_ID}-1`],
    ['non-hex characters', `00-${TRACE_ID.slice(0, 31)}g-${PARENT_ID}-01`],
    ['surrounding text', ` ${VALID}`],
    ['two headers joined', `${VALID}, ${VALID}`],
    ['a later version far too long', `01-${TRACE_ID}-${PARENT_ID}-01-${'a'.repeat(300)}`],
  ])('refuses %s', (_label, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });
});

describe('continueTrace', () => {
  it('keeps the caller’s trace id, flags and tracestate, with a span of its own', () => {
    const trace = continueTrace(`00-${TRACE_ID}-${PARENT_ID}-00`, 'vendor=abc,other=1');
    expect(trace).toMatchObject({ traceId: TRACE_ID, flags: '00', traceState: 'vendor=abc,other=1' });
    expect(trace.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(trace.spanId).not.toBe(PARENT_ID);
    expect(continueTrace(VALID, undefined).flags).toBe('01');
  });

  it('gives each request a different span of the same trace', () => {
    expect(continueTrace(VALID, undefined).spanId).not.toBe(continueTrace(VALID, undefined).spanId);
  });

  it('starts a new, sampled trace for an invalid traceparent, and drops its tracestate', () => {
    const trace = continueTrace(`00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-00`, 'vendor=abc');
    expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(trace.traceId).not.toBe(TRACE_ID);
    expect(trace).toMatchObject({ flags: '01', traceState: undefined });
  });

  it.each([
    ['longer than 512 characters', `a=${'b'.repeat(511)}`],
    ['with a control character', 'vendor=abc\u0007'],
    ['with a non-ASCII character', 'vendor=ábc'],
    ['empty', ''],
  ])('drops a tracestate %s but keeps the trace', (_label, tracestate) => {
    const trace = continueTrace(VALID, tracestate);
    expect(trace.traceId).toBe(TRACE_ID);
    expect(trace.traceState).toBeUndefined();
  });

  it('passes on a tracestate of exactly 512 characters', () => {
    const tracestate = `a=${'b'.repeat(510)}`;
    expect(continueTrace(VALID, tracestate).traceState).toBe(tracestate);
  });
});

describe('startTrace and traceparentOf', () => {
  it('a new trace has random non-zero ids and is sent as a strict version 00 header', () => {
    const first = startTrace();
    const second = startTrace();
    expect(first.traceId).not.toBe(second.traceId);
    expect(first.spanId).not.toBe(second.spanId);
    const header = traceparentOf(first);
    expect(header).toMatch(STRICT_TRACEPARENT);
    expect(header).toBe(`00-${first.traceId}-${first.spanId}-01`);
    expect(parseTraceparent(header)).toEqual({ traceId: first.traceId, parentId: first.spanId, isSampled: true });
  });

  it('a continued trace is sent on with this process’s span as the parent and the caller’s flags', () => {
    const trace = continueTrace(`00-${TRACE_ID}-${PARENT_ID}-00`, undefined);
    expect(traceparentOf(trace)).toBe(`00-${TRACE_ID}-${trace.spanId}-00`);
  });
});
