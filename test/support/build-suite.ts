// Compiles the extension-host test index (test/vscode/suite/index.ts) to CommonJS with `vscode` external.
import { build } from 'esbuild';
import { join } from 'node:path';

export async function buildSuite(outDir: string): Promise<string> {
  const outfile = join(outDir, 'suite', 'index.js');
  await build({
    entryPoints: [join(process.cwd(), 'test/vscode/suite/index.ts')], outfile, bundle: true, platform: 'node',
    format: 'cjs', target: 'node20', external: ['vscode'], logLevel: 'silent',
  });
  return outfile;
}
