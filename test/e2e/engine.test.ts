import { Readable } from 'node:stream';
import { DockerodeRuntime } from '../../src/engine/dockerode-runtime.js';
import { findEndpoint } from '../../src/engine/endpoint.js';
import { docker, requireDocker } from '../helpers/live.js';

// The engine adapter against the real engine: what `images build` relies on when it imports the base.
test('an imported image is named name:tag (not :latest) and keeps its labels', async () => {
  requireDocker();
  const runtime = new DockerodeRuntime(findEndpoint().endpoint);
  const tag = `infra-lab-test/import-${process.pid}:bookworm`;
  // An empty tar archive: two 512-byte blocks of zeros.
  await runtime.importImage(Readable.from([Buffer.alloc(1024)]), tag, { 'dev.infra-lab.test': 'yes' });
  try {
    expect(await runtime.imageLabels(tag)).toEqual({ 'dev.infra-lab.test': 'yes' });
    expect(docker(['image', 'inspect', '--format', '{{json .RepoTags}}', tag]).stdout.trim()).toBe(JSON.stringify([tag]));
  } finally {
    docker(['rmi', tag]);
  }
});

test('a container cut from its network is reconnected at the address it had, also one the engine chose', async () => {
  requireDocker();
  const runtime = new DockerodeRuntime(findEndpoint().endpoint);
  const name = `infra-lab-test-attach-${process.pid}`;
  expect(docker(['network', 'create', '--subnet', '10.250.77.0/24', name]).code).toBe(0);
  try {
    expect(docker(['run', '-d', '--name', name, '--network', name, 'infra-lab/debian-base:bookworm', 'sleep', '300']).code).toBe(0);
    const address = () => docker(['inspect', '--format', `{{(index .NetworkSettings.Networks "${name}").IPAddress}}`, name]).stdout.trim();
    const before = address();
    const [attachment] = await runtime.attachments(name);
    expect(attachment.ipv4).toBe(before);
    await runtime.disconnect(name, name);
    // Left to itself the engine hands out the next address, not the one given back.
    await runtime.connect(name, name, { ipv4: attachment.ipv4, aliases: attachment.aliases });
    expect(address()).toBe(before);
  } finally {
    docker(['rm', '-f', name]);
    docker(['network', 'rm', name]);
  }
});
