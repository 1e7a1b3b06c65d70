import fs from 'node:fs';
import path from 'node:path';
import { renderProject } from '../../src/render/project.js';
import { repoRoot } from '../helpers/cli.js';
import { fixedInput } from '../helpers/render-input.js';

// The configuration of load balancers and web servers, and the compose file, of the labs that have
// them, as rendered before the lab file had tuning knobs: a lab that sets none renders exactly this.
// Refresh with UPDATE_GOLDEN=1 only after an intended change, and read the diff.
const DEFAULTS = [
  ['distributed', ['docker-compose.yml', 'config/haproxy/lb.cfg', 'config/nginx/web-1.conf', 'config/nginx/web-2.conf']],
  ['secured-monitored', ['config/haproxy/lb.cfg']],
  ['scale-up', ['config/haproxy/lb-1.cfg', 'config/nginx/web-1.conf']],
] as const;

describe.each(DEFAULTS)('%s at the default settings matches the golden files', (labName, paths) => {
  const goldenDir = path.join(repoRoot, 'test', 'golden', 'defaults', labName);
  const files = renderProject(fixedInput(labName, 'debian'));
  test.each(paths)('%s', (file) => {
    const content = files.find((f) => f.path === file)!.content;
    if (process.env.UPDATE_GOLDEN) {
      fs.mkdirSync(path.dirname(path.join(goldenDir, file)), { recursive: true });
      fs.writeFileSync(path.join(goldenDir, file), content);
    }
    expect(content).toBe(fs.readFileSync(path.join(goldenDir, file), 'utf8'));
  });
});
