import { jest } from '@jest/globals';
import { LiveLab, leftoversOf, requireDocker, ensureImages } from '../helpers/live.js';

jest.setTimeout(600_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(() => {
  requireDocker();
  ensureImages();
});

// Each moment is counted from when up says it starts compose: from then on there are containers to remove.
describe.each([
  ['SIGINT', 2000],
  ['SIGINT', 5000],
  ['SIGINT', 8000],
  ['SIGTERM', 3000],
  ['SIGHUP', 3000],
] as const)('%s %d ms into compose up', (signal, ms) => {
  const lab = new LiveLab('single-server');
  afterAll(() => expect(lab.destroy()).toEqual([]));

  test("removes the half-started lab's containers and networks, and ends with code 1 and one line", async () => {
    const up = lab.spawn(['up', 'single-server', '--flavor', 'debian']);
    await up.waitFor(/… starting single-server/);
    await sleep(ms);
    expect(up.child.kill(signal)).toBe(true);
    const { code } = await up.exited;
    const errors = up.stderr.split('\n').filter((l) => l.startsWith('infra-lab: '));
    expect(errors).toEqual([
      'infra-lab: interrupted; the lab single-server was removed, its database volume kept (infra-lab down single-server --volumes deletes it)',
    ]);
    expect(code).toBe(1);
    expect(leftoversOf(lab.projectName).filter((l) => !l.startsWith('volume'))).toEqual([]);
  });
});
