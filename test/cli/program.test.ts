import { runCli } from '../helpers/cli.js';

test('--help lists the commands and exits 0', () => {
  const r = runCli(['--help']);
  expect(r.code).toBe(0);
  for (const command of ['labs', 'show', 'generate', 'up', 'status', 'down', 'images']) expect(r.stdout).toContain(command);
});

test('an unknown command is a usage error (exit 2)', () => {
  const r = runCli(['frobnicate']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("unknown command 'frobnicate'");
});

test('an unknown flavor is a usage error that lists the choices', () => {
  const r = runCli(['generate', 'single-server', '--flavor', 'alpine']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('official, debian');
});

test('an unknown lab names the built-in ones and suggests the closest', () => {
  const r = runCli(['show', 'single-sever']);
  expect(r.code).toBe(2);
  expect(r.stderr.trim()).toBe(
    "infra-lab: unknown lab 'single-sever' (did you mean 'single-server'?); built-in labs: single-server, distributed, secured-monitored, scale-up; or give the path of a lab file",
  );
});

test('labs lists the four curriculum stages in order', () => {
  const r = runCli(['labs', '--json']);
  expect(r.code).toBe(0);
  const labs = JSON.parse(r.stdout) as { name: string; stage: number }[];
  expect(labs.map((l) => [l.name, l.stage])).toEqual([
    ['single-server', 1],
    ['distributed', 2],
    ['secured-monitored', 3],
    ['scale-up', 4],
  ]);
});

test('show prints components, DNS records, scenarios and questions', () => {
  const r = runCli(['show', 'single-server']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/www\.foobar\.com\s+CNAME\s+foobar\.com/);
  expect(r.stdout).toMatch(/foobar\.com\s+A\s+address of web/);
  expect(r.stdout).toContain('kill-db: The database server dies [kill db]');
  expect(r.stdout).toContain('Questions to answer afterwards:');
});

test.each([
  [['watch', '--interval', '1e20'], "option '--interval <ms>' argument '1e20' is invalid. a whole number from 10 to 10000"],
  [['watch', '--timeout', '0'], 'a whole number from 100 to 60000'],
  [['load', '--connections', '1000000000'], 'a whole number from 1 to 1000'],
  [['load', '--rate', '-1'], 'a whole number from 1 to 100000'],
  [['experiment', 'single-server', 'kill-db', '--hold', '3601'], 'a whole number from 1 to 600'],
  [['up', 'single-server', '--timeout', '1e9'], 'a whole number from 10 to 3600'],
  [['logs', 'web', '--tail', '0x10'], 'a whole number from 0 to 100000'],
  [['load', '--path', 'http://evil.example/'], "a path on the lab's site starting with a single '/'"],
  [['load', '--path', '//evil.example/'], "a path on the lab's site starting with a single '/'"],
])('infra-lab %j is refused with exit 2 before anything runs', (args, message) => {
  const r = runCli(args, { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(message);
  expect(r.stdout).toBe('');
});

test('--help states the range of every numeric option', () => {
  for (const [command, ranges] of [
    ['watch', ['10 to 10000', '100 to 60000', '1 to 86400']],
    ['load', ['1 to 1000', '1 to 3600', '1 to 100000']],
    ['experiment', ['10 to 10000', '1 to 600']],
    ['up', ['10 to 3600']],
  ] as const) {
    const r = runCli([command, '--help']);
    for (const range of ranges) expect(r.stdout.replace(/\s+/g, ' ')).toContain(range);
  }
});
