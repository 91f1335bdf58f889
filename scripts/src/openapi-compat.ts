// npm run openapi:check (after the freshness check): fails when api-gateway/openapi.json breaks a
// client of the newest released document (docs/api/openapi-<version>.json) without a major bump of
// its info.version. The comparison is oasdiff's (`oasdiff breaking --fail-on ERR`), pinned below and
// installed with `go install` into a cache outside the repository on first use.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export const OASDIFF_VERSION = 'v1.36.0';
const OASDIFF_MODULE = 'github.com/oasdiff/oasdiff';
const ROOT = path.resolve(__dirname, '../..');
export const CURRENT_DOCUMENT = path.join(ROOT, 'api-gateway/openapi.json');
export const RELEASES_DIR = path.join(ROOT, 'docs/api');

type Version = [major: number, minor: number, patch: number];

function parseVersion(text: string): Version | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(text);
  return match === null ? undefined : [Number(match[1]), Number(match[2]), Number(match[3])];
}

function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

function versionOf(file: string): string {
  const document = JSON.parse(readFileSync(file, 'utf8')) as { info?: { version?: unknown } };
  return String(document.info?.version ?? '');
}

/** The newest released document: `docs/api/openapi-<major.minor.patch>.json` with the highest version. */
export function latestRelease(dir: string = RELEASES_DIR): { file: string; version: string } | undefined {
  const releases = readdirSync(dir)
    .map((name) => ({ name, version: parseVersion(/^openapi-(.+)\.json$/.exec(name)?.[1] ?? '') }))
    .filter((release): release is { name: string; version: Version } => release.version !== undefined)
    .sort((a, b) => compareVersions(b.version, a.version));
  const newest = releases[0];
  return newest === undefined ? undefined : { file: path.join(dir, newest.name), version: newest.version.join('.') };
}

/** The pinned oasdiff, built with `go install` into a per-version cache directory the first time. */
export function ensureOasdiff(): string {
  const cacheRoot = process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache');
  const dir = path.join(cacheRoot, 'shop-tools', `oasdiff-${OASDIFF_VERSION}`);
  const binary = path.join(dir, 'oasdiff');
  if (existsSync(binary)) return binary;
  console.error(`installing oasdiff ${OASDIFF_VERSION} into ${dir} (go install, once)`);
  const installed = spawnSync('go', ['install', `${OASDIFF_MODULE}@${OASDIFF_VERSION}`], {
    env: { ...process.env, GOBIN: dir },
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 10 * 60_000,
  });
  if (installed.error !== undefined || installed.status !== 0 || !existsSync(binary))
    throw new Error(
      `could not install oasdiff ${OASDIFF_VERSION} (${installed.error?.message ?? `go install exited ${installed.status}`}): ` +
        'the breaking-change check needs Go (https://go.dev) on PATH',
    );
  return binary;
}

export interface CompatibilityResult {
  ok: boolean;
  /** What to tell the person who ran the check: the verdict, and oasdiff's list of breaking changes if any. */
  report: string;
}

/**
 * Compares `current` with the released document `released`. A breaking change (oasdiff level ERR)
 * passes only with a higher major version in `current`'s info.version; a version lower than the
 * released one never passes.
 */
export function checkCompatibility(
  released: string,
  current: string,
  oasdiff: string = ensureOasdiff(),
): CompatibilityResult {
  const [releasedText, currentText] = [versionOf(released), versionOf(current)];
  const [releasedVersion, currentVersion] = [parseVersion(releasedText), parseVersion(currentText)];
  const name = (file: string) => path.relative(process.cwd(), file);
  if (releasedVersion === undefined || currentVersion === undefined)
    return {
      ok: false,
      report: `info.version must be major.minor.patch: ${releasedText} in ${name(released)}, ${currentText} in ${name(current)}`,
    };
  if (compareVersions(currentVersion, releasedVersion) < 0)
    return { ok: false, report: `info.version ${currentText} is lower than the released ${releasedText}` };

  const diff = spawnSync(
    oasdiff,
    [
      'breaking',
      released,
      current,
      '--fail-on',
      'ERR',
      '--format',
      'text',
      '--color',
      'never',
      '--allow-external-refs=false',
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  const output = `${diff.stdout ?? ''}${diff.stderr ?? ''}`.trim();
  if (diff.error !== undefined || (diff.status !== 0 && diff.status !== 1))
    return { ok: false, report: `oasdiff failed (${diff.error?.message ?? `exit ${diff.status}`}):\n${output}` };
  if (diff.status === 0)
    return {
      ok: true,
      report: `no breaking change against the released ${releasedText} (${name(released)})\n${output}`,
    };
  if (currentVersion[0] > releasedVersion[0])
    return {
      ok: true,
      report:
        `breaking changes against ${releasedText}, allowed by the major version ${currentText}; ` +
        `on release, commit the document as docs/api/openapi-${currentText}.json\n${output}`,
    };
  return {
    ok: false,
    report:
      `${name(current)} (${currentText}) breaks clients of the released ${releasedText} (${name(released)}).\n` +
      `Keep the old behaviour, or make it a new major version: API_INFO.version in api-gateway/src/contract.ts, ` +
      `then npm run openapi.\n\n${output}`,
  };
}

function main(): void {
  const release = latestRelease();
  if (release === undefined) {
    console.error(`no released document in ${path.relative(process.cwd(), RELEASES_DIR)} (openapi-<version>.json)`);
    process.exit(1);
  }
  if (versionOf(release.file) !== release.version) {
    console.error(
      `${path.relative(process.cwd(), release.file)} says info.version ${versionOf(release.file)}: its name must match`,
    );
    process.exit(1);
  }
  const result = checkCompatibility(release.file, CURRENT_DOCUMENT);
  (result.ok ? console.log : console.error)(result.report);
  process.exit(result.ok ? 0 : 1);
}

if (require.main === module) main();
