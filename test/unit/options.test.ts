import { InvalidArgumentError } from 'commander';
import { requestPath, wholeNumber } from '../../src/cli/program.js';

test('a whole number option takes digits within its range and nothing else', () => {
  const interval = wholeNumber(10, 10_000);
  expect([interval('10'), interval('50'), interval('10000')]).toEqual([10, 50, 10_000]);
  for (const bad of ['9', '10001', '1e20', '1e3', '0x10', '-5', '5.5', ' 50', '', 'Infinity', '99999999999999999999'])
    expect(() => interval(bad)).toThrow(InvalidArgumentError);
});

test('load --path is a path on the lab, never another host', () => {
  for (const ok of ['/', '/api/visits', '/a?b=c&d=%20', '/x#y']) expect(requestPath(ok)).toBe(ok);
  for (const bad of ['http://evil.example/', 'api', '', '//evil.example/', '/\\evil.example', '/\\\\evil.example', '/a b', '/a\nb', '\\/evil.example'])
    expect(() => requestPath(bad)).toThrow(InvalidArgumentError);
});
