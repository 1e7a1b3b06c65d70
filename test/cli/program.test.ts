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
