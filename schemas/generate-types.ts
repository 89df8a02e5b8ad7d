// Generates TypeScript types from the JSON Schemas (the source of truth) into schemas/types/.
// `npm run schemas:types` writes them; `--check` fails when a committed type is stale.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'types');

/** Every schema file with a generated type: kernel ones and the event catalogue. */
export async function schemaFiles(): Promise<string[]> {
  const top = (await readdir(here)).filter((f) => f.endsWith('.schema.json')).map((f) => join(here, f));
  const events = (await readdir(join(here, 'events')))
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(here, 'events', f));
  return [...top, ...events].sort();
}

/** The generated source for one schema file. */
export async function generate(file: string): Promise<{ out: string; source: string }> {
  const schema = JSON.parse(await readFile(file, 'utf8'));
  const name = basename(file).replace(/(\.schema)?\.json$/, '');
  const source = await compile(schema, schema.title ?? name, {
    bannerComment: `// Generated from schemas/${file.slice(here.length + 1)} by \`npm run schemas:types\`. Do not edit.`,
    additionalProperties: false,
    format: false,
  });
  return { out: join(outDir, `${name}.ts`), source };
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  await mkdir(outDir, { recursive: true });
  let stale = 0;
  for (const file of await schemaFiles()) {
    const { out, source } = await generate(file);
    if (check) {
      const current = await readFile(out, 'utf8').catch(() => '');
      if (current !== source) {
        console.error(`stale: ${out} (run npm run schemas:types)`);
        stale++;
      }
    } else {
      await writeFile(out, source);
    }
  }
  if (stale) process.exit(1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
