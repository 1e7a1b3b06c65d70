import { jest } from '@jest/globals';
import { docker, useLiveLab } from '../helpers/live.js';
import { expectNoDrop, watched } from '../helpers/zero-drop.js';

jest.setTimeout(600_000);

/**
 * Zero-drop claims of the distributed lab, judged as a user sees them (test/helpers/zero-drop.ts):
 * losing and healing one app server, a rolling deploy and a blue-green deploy, three runs of each,
 * since one lucky run proves nothing.
 */
const lab = useLiveLab('distributed');
let url: string;
beforeAll(() => {
  url = lab.status().endpoints.http!;
});

describe.each([1, 2, 3])('distributed, run %i', (run) => {
  test('kill and heal of app-1: no request fails or takes 1 s, and app-1 answers again afterwards', async () => {
    const measured = await watched(lab, url, ['experiment', 'distributed', 'kill-one-app', '--flavor', 'debian']);
    expectNoDrop(measured);
    const last = measured.user.slice(-40);
    expect(new Set(last.map((r) => r.instance))).toEqual(new Set(['app-1', 'app-2']));
  });

  test('rolling: no request fails or takes 1 s, and the new version answers afterwards', async () => {
    const version = `rolling-${run}`;
    const measured = await watched(lab, url, ['deploy', '--strategy', 'rolling', '--version', version]);
    expectNoDrop(measured);
    expect(measured.report.versions!.at(-1)!.version).toBe(version);
    expect(measured.user.at(-1)!.version).toBe(version);
  });

  test('blue-green: no request fails or takes 1 s, the new version answers, no twin is left', async () => {
    const version = `blue-green-${run}`;
    const measured = await watched(lab, url, ['deploy', '--strategy', 'blue-green', '--version', version]);
    expectNoDrop(measured);
    expect(measured.user.at(-1)!.version).toBe(version);
    // The twins were helper containers of the lab's project; none is left, running or not.
    expect(docker(['ps', '-aq', '--filter', `label=dev.infra-lab.helper=${lab.projectName}`]).stdout.trim()).toBe('');
  });
});
