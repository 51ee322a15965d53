import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

/**
 * The arrows of ARCHITECTURE.md are ESLint rules (eslint.config.js): each bad
 * import below must be refused in its room, and the allowed import next to it
 * must pass, so a rule that stops matching fails here.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: ROOT });

async function restrictions(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport const used = x;\n`, { filePath: path.join(ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const cases: Array<{ rule: string; file: string; bad: string; good: string }> = [
  { rule: 'the renderer imports no node:* module', file: 'desktop/src/renderer/screens/New.tsx', bad: "import x from 'node:fs';", good: "import x from '../lib/format';" },
  { rule: 'the renderer imports no bare Node builtin', file: 'desktop/src/renderer/lib/new.ts', bad: "import x from 'path';", good: "import x from 'react';" },
  { rule: 'the renderer imports no core', file: 'desktop/src/renderer/lib/new.ts', bad: "import x from '../../core/settings';", good: "import x from '../../contract/models';" },
  { rule: 'the renderer imports no main', file: 'desktop/src/renderer/new.ts', bad: "import x from '../main/ipc';", good: "import x from './lib/format';" },
  { rule: 'the renderer imports no bridge server', file: 'desktop/src/renderer/new.ts', bad: "import x from '../bridge/server';", good: "import x from '../bridge/protocol';" },
  { rule: 'the core imports no main', file: 'desktop/src/core/new.ts', bad: "import x from '../main/updater';", good: "import x from './settings';" },
  { rule: 'the core imports no bridge', file: 'desktop/src/core/new.ts', bad: "import x from '../bridge/server';", good: "import x from '../contract/models';" },
  { rule: 'only main imports electron', file: 'desktop/src/core/new.ts', bad: "import x from 'electron';", good: "import x from 'node:fs';" },
  { rule: 'api/src/lib imports no module', file: 'api/src/lib/new.ts', bad: "import x from '../modules/licenses/service';", good: "import x from './errors';" },
  { rule: 'api/src/lib imports no db model', file: 'api/src/lib/http/new.ts', bad: "import x from '../../db/models';", good: "import x from '../errors';" },
  { rule: 'a module reaches another only through its service', file: 'api/src/modules/support/new.ts', bad: "import x from '../licenses/rows';", good: "import x from '../licenses/service';" },
  { rule: 'a nested file of a module too', file: 'api/src/modules/purchases/webhook-handlers/new.ts', bad: "import x from '../../licenses/issuing';", good: "import x from '../../licenses/service';" },
  { rule: 'shared imports nothing of api', file: 'shared/src/new.ts', bad: "import x from '../../api/src/config';", good: "import x from './semver';" },
  { rule: 'shared imports nothing of desktop', file: 'shared/src/schemas/new.ts', bad: "import x from '../../../desktop/src/core/settings';", good: "import x from '../semver';" },
];

describe('import boundaries between the rooms', () => {
  for (const c of cases) {
    it(`${c.rule}: refuses \`${c.bad}\` in ${c.file}, accepts \`${c.good}\``, async () => {
      assert.equal((await restrictions(c.file, c.bad)).length, 1, 'the bad import is refused');
      assert.deepEqual(await restrictions(c.file, c.good), [], 'the allowed import passes');
    });
  }
});
