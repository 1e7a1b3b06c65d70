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
