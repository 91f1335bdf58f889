import { FAST_FAILURE_MS, type DrillResult } from './drill-scenarios';

const pad = (text: string, width: number) => text.padEnd(width);

/** One scenario as a table of measurements, then its checks. */
export function formatDrill(result: DrillResult): string {
  const rows: [string, string][] = [
    ['requests', String(result.requests)],
    ['successes', String(result.successes)],
    ['fast failures', `${result.fastFailures}  (5xx answered < ${FAST_FAILURE_MS} ms)`],
    ['slow failures', `${result.slowFailures}  (5xx answered >= ${FAST_FAILURE_MS} ms)`],
    ['other failures', `${result.otherFailures}  (4xx, or no answer)`],
    ['oversold units', `${result.oversold}  (must be 0)`],
    ['leaked units', `${result.leaked}  (must be 0; balanced ${result.stock.settledMs} ms after the drill)`],
    ['recovery time', `${result.recoveryMs === null ? 'never' : `${result.recoveryMs} ms`}  (${result.recoveryLabel})`],
    ...result.facts,
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const line = '-'.repeat(Math.min(110, width + 60));
  return [
    `== ${result.title}`,
    line,
    ...rows.map(([label, value]) => `${pad(label, width)}${value}`),
    line,
    ...result.checks.map((check) => `${check.ok ? 'PASS' : 'FAIL'}  ${check.name}: ${check.detail}`),
    '',
  ].join('\n');
}

/** One row per scenario. */
export function formatSummary(results: DrillResult[]): string {
  const header = [
    'scenario',
    'requests',
    'success',
    'fast 5xx',
    'slow 5xx',
    'other',
    'oversold',
    'leaked',
    'recovery',
    'checks',
  ];
  const rows = results.map((r) => [
    r.id,
    String(r.requests),
    String(r.successes),
    String(r.fastFailures),
    String(r.slowFailures),
    String(r.otherFailures),
    String(r.oversold),
    String(r.leaked),
    r.recoveryMs === null ? 'never' : `${r.recoveryMs} ms`,
    `${r.checks.filter((c) => c.ok).length}/${r.checks.length} pass`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const format = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(format)].join('\n');
}
