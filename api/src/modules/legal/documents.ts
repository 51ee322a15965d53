import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Marked } from 'marked';

export const LEGAL_DOCUMENTS = {
  terms: { file: 'terms.md', title: 'Terms of service' },
  privacy: { file: 'privacy.md', title: 'Privacy policy' },
} as const;
export type LegalDocument = keyof typeof LEGAL_DOCUMENTS;

/** The texts that ship with the platform, used until the operator writes their own. */
const DEFAULTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../legal');

/**
 * The operator's legal texts: Markdown files in their folder, read on each
 * request (they are small, and an edit shows without a restart), falling back
 * to the shipped defaults. The operator is trusted, but the page still carries
 * a CSP without scripts, so HTML written into the Markdown cannot run.
 */
export class LegalDocuments {
  private readonly markdown = new Marked({ gfm: true, async: false });

  constructor(private readonly operatorDir: string) {}

  async html(doc: LegalDocument): Promise<string> {
    const { file } = LEGAL_DOCUMENTS[doc];
    const text = await readFile(path.join(this.operatorDir, file), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      return readFile(path.join(DEFAULTS_DIR, file), 'utf8');
    });
    return this.markdown.parse(text) as string;
  }
}
