// The commands of `dotmac-plugin`, and how their errors are shown.
import { parseArgs } from 'node:util';
import { buildPlugin } from './build.ts';
import { createPlugin } from './create.ts';
import { CliError } from './errors.ts';
import { packPlugin } from './pack.ts';
import { testPlugin } from './test.ts';

const USAGE = `usage: dotmac-plugin <command> [dir] [options]

commands:
  create <dir> --id <plugin id> [--publisher <name>]   scaffold a plugin in a new folder
  build [dir]                                          validate plugin.json, bundle dist/server.js
                                                       and build the UI into dist/ui/
  test [dir] [filter...]                               build, then run test/*.test.ts against the
                                                       real kernel, sandbox and database
  pack [dir] [--out-dir <dir>]                         make <id>-<version>.tgz with checksums

dir defaults to the current folder, except for create.`;

/** Runs one command; answers the process exit code (0 ok, 1 the user's input or failed tests, 2 a bug). */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        id: { type: 'string' },
        publisher: { type: 'string' },
        'out-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const [command, given, ...extra] = positionals;
    if (values.help || command === undefined || command === 'help') {
      console.log(USAGE);
      return 0;
    }
    if (extra.length > 0 && command !== 'test') throw new CliError(`unexpected arguments: ${extra.join(' ')}`);
    const dir = given ?? '.';
    switch (command) {
      case 'create': {
        if (given === undefined) throw new CliError('create needs the new plugin folder: dotmac-plugin create <dir>');
        if (!values.id) throw new CliError('create needs --id, the plugin id (like acme.hello)');
        const files = await createPlugin(dir, {
          id: values.id,
          ...(values.publisher && { publisher: values.publisher }),
        });
        console.log(`created ${values.id} in ${dir}:\n${files.map((f) => `  ${f}`).join('\n')}`);
        return 0;
      }
      case 'build': {
        const { bundle, bytes, ui } = await buildPlugin(dir);
        console.log(`built ${bundle} (${bytes} bytes)`);
        if (ui)
          console.log(`built ${ui.remoteEntry}: remote ${ui.name} exposing ${Object.keys(ui.exposes).join(', ')}`);
        return 0;
      }
      case 'test':
        return (await testPlugin(dir, extra)) ? 0 : 1;
      case 'pack': {
        const { file, checksums } = await packPlugin(dir, values['out-dir']);
        console.log(
          `packed ${file}:\n${Object.keys(checksums)
            .map((f) => `  ${f}`)
            .join('\n')}`,
        );
        return 0;
      }
      default:
        throw new CliError(`unknown command ${command}\n\n${USAGE}`);
    }
  } catch (e) {
    if (e instanceof CliError) {
      console.error(`dotmac-plugin: ${e.message}${e.details.map((d) => `\n  ${d}`).join('')}`);
      return 1;
    }
    if (e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`dotmac-plugin: ${e.message}\n\n${USAGE}`);
      return 1;
    }
    console.error('dotmac-plugin: unexpected failure, please report it:', e);
    return 2;
  }
}
