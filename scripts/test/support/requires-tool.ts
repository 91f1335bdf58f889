import { describe, expect, it } from 'vitest';

export interface RequiredTool {
  /** How the tool is named in messages, e.g. `redis-server`. */
  name: string;
  /** Whether this machine has it. */
  isInstalled: boolean;
  /** The variable that makes its absence a failure (set by `.ci/run`), e.g. `REQUIRE_REDIS`. */
  requiredBy: string;
}

/**
 * `describe` for tests that need an outside tool: skipped with a warning when it is not
 * installed, unless `<requiredBy>=1` (as in CI), where its absence fails.
 */
export function describeRequiring(tool: RequiredTool, name: string, body: () => void): void {
  if (tool.isInstalled) {
    describe(name, body);
    return;
  }
  if (process.env[tool.requiredBy] === '1') {
    describe(name, () => {
      it(`needs ${tool.name}`, () => {
        expect.fail(`${tool.requiredBy}=1 but ${tool.name} is not installed (apt-get install ${tool.name})`);
      });
    });
    return;
  }
  console.warn(`${tool.name} not found: skipping "${name}" (set ${tool.requiredBy}=1 to make this a failure)`);
  describe.skip(name, body);
}
