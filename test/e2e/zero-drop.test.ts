import { jest } from '@jest/globals';
import { useLiveLab } from '../helpers/live.js';
import { expectNoDrop, watched } from '../helpers/zero-drop.js';

jest.setTimeout(600_000);

/** Losing one app server of the distributed lab, and healing it, costs a user nothing (test/helpers/zero-drop.ts judges). */
const lab = useLiveLab('distributed');
let url: string;
beforeAll(() => {
  url = lab.status().endpoints.http!;
});

test('kill and heal of app-1: no request fails or takes 1 s, and app-1 answers again afterwards', async () => {
  const measured = await watched(lab, url, ['experiment', 'distributed', 'kill-one-app', '--flavor', 'debian']);
  expectNoDrop(measured);
  const last = measured.user.slice(-40);
  expect(new Set(last.map((r) => r.instance))).toEqual(new Set(['app-1', 'app-2']));
});
