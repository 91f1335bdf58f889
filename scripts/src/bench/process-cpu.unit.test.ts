import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { childrenOf, hasProcFs, readProcessTable, sampleCpu } from './process-cpu';

// A parent that starts a child which burns 300 ms of CPU, says so, and then idles: the shape of the
// gateway, whose requests are served by a cluster worker under a primary that does nothing.
const PARENT = `
const { spawn } = require('node:child_process');
const child = spawn(process.execPath, ['-e', process.argv[1]], { stdio: ['ignore', 'inherit', 'inherit'] });
process.stdin.on('end', () => { child.kill(); process.exit(0); });
process.stdin.resume();
`;
const BURNING_CHILD = `
const start = process.cpuUsage();
while (process.cpuUsage(start).user + process.cpuUsage(start).system < 300_000) {}
console.log('burnt');
setInterval(() => {}, 1000);
`;

describe.skipIf(!hasProcFs())('CPU of a process tree from /proc', () => {
  it("counts the children's CPU with their parent's, so a cluster worker's work is not missed", async () => {
    const parent = spawn(process.execPath, ['-e', PARENT, BURNING_CHILD], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await once(parent.stdout, 'data');
      const pid = parent.pid ?? 0;
      const own = readProcessTable().find((stat) => stat.pid === pid)?.cpuMs ?? 0;

      const tree = sampleCpu([{ label: 'gateway', pid }]).get('gateway') ?? 0;

      expect(childrenOf(pid)).toHaveLength(1);
      // Clock ticks are 10 ms: allow for that rounding on each of the two processes.
      expect(tree - own).toBeGreaterThanOrEqual(280);
    } finally {
      parent.stdin.end();
      await once(parent, 'exit');
    }
  });
});
