import { runCli } from '../helpers/cli.js';
import { ensureImages, requireDocker } from '../helpers/live.js';

test('an engine that cannot be reached is an environment error (exit 3) naming the endpoint tried', () => {
  const r = runCli(['up', 'single-server', '--flavor', 'debian'], { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
  expect(r.code).toBe(3);
  expect(r.stderr).toContain('cannot reach a container engine at unix:///nonexistent/docker.sock (found by DOCKER_HOST)');
  expect(r.stderr).toContain('Start Docker');
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
});

test('status with no lab started says how to start one', () => {
  requireDocker();
  const r = runCli(['status'], { env: { INFRA_LAB_HOME: '/nonexistent/infra-lab-home' } });
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('No lab has been started yet');
});

test('down with no lab up is a usage error', () => {
  requireDocker();
  const r = runCli(['down'], { env: { INFRA_LAB_HOME: '/nonexistent/infra-lab-home' } });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('no lab is up; start one with infra-lab up <lab>');
});

test('images build skips what is up to date; images list shows each flavor', () => {
  requireDocker();
  ensureImages();
  const build = runCli(['images', 'build']);
  expect(build.code).toBe(0);
  expect(build.stdout).toContain('Built 0 image(s), 8 already up to date');
  const list = runCli(['images', 'list', '--json']);
  expect(list.code).toBe(0);
  const images = JSON.parse(list.stdout) as { flavor: string; role: string; present: boolean; upToDate?: boolean }[];
  const debian = images.filter((i) => i.flavor === 'debian');
  expect(debian.map((i) => i.role)).toEqual(['base', 'dns', 'lb', 'web', 'app', 'db', 'monitor', 'netfault']);
  expect(debian.every((i) => i.present && i.upToDate)).toBe(true);
  expect(images.filter((i) => i.flavor === 'official').map((i) => i.role)).toEqual(['dns', 'lb', 'web', 'app', 'db', 'monitor', 'netfault']);
});
