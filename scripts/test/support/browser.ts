import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { describeRequiring } from './requires-tool';

/**
 * Debian's `chromium`: the binary itself (the `/usr/bin/chromium` wrapper script adds flags of
 * its own), or whatever `chromium` is on PATH elsewhere.
 */
export function findChromium(): string | undefined {
  if (existsSync('/usr/lib/chromium/chromium')) return '/usr/lib/chromium/chromium';
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * `describe` for tests that drive a real headless Chromium: skipped with a warning when it is not
 * installed, unless REQUIRE_BROWSER=1 (as in CI), where its absence fails.
 */
export function describeWithBrowser(name: string, body: (executablePath: string) => void): void {
  const executablePath = findChromium();
  describeRequiring(
    { name: 'chromium', isInstalled: executablePath !== undefined, requiredBy: 'REQUIRE_BROWSER' },
    name,
    () => body(executablePath ?? ''),
  );
}
