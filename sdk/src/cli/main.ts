// The commands of `dotmac-plugin`, and how their errors are shown.
import { parseArgs } from 'node:util';
import { ValidationError } from '@dotmac/kernel';
import { problemLines } from './api.ts';
import { buildPlugin } from './build.ts';
import { createPlugin } from './create.ts';
import { CliError } from './errors.ts';
import { checkPublisherName, createPublisherKey, defaultKeyFile, readPublisherKey } from './keys.ts';
import { enablePlugin, installPackageFile, installPlugin } from './operator.ts';
import { packPlugin } from './pack.ts';
import { publishPlugin } from './publish.ts';
import { signPackageFile } from './sign.ts';
import { testPlugin } from './test.ts';
import { markVersion } from './versions.ts';

const USAGE = `usage: dotmac-plugin <command> [dir] [options]

commands:
  create <dir> --id <plugin id> [--publisher <name>]   scaffold a plugin in a new folder
  build [dir]                                          validate plugin.json, bundle dist/server.js
                                                       and build the UI into dist/ui/
  test [dir] [filter...]                               build, then run test/*.test.ts against the
                                                       real kernel, sandbox and database
  pack [dir] [--out-dir <dir>]                         make <id>-<version>.tgz with checksums

publisher:
  keygen --publisher <name> [--out <file>]             make a signing key (default
                                                       ~/.config/dotmac/<name>.pem)
  sign <package.tgz> --publisher <name> [--key <file>] [--out <file>]
                                                       sign a packed plugin
  publish [dir] --registry <url> [--publisher <name>] [--key <file>]
                                                       build, pack, sign and upload; registers
                                                       the publisher's key on first use
  deprecate <plugin id>@<version> --registry <url> --publisher <name> --message <text> [--key <file>]
                                                       still offered, with the message shown
  yank <plugin id>@<version> --registry <url> --publisher <name> --reason <text> [--key <file>]
                                                       no longer offered for new installs;
                                                       operators who have it are warned

operator (DOTMAC_ADMIN_TOKEN: the kernel's ADMIN_TOKEN):
  install <plugin id>[@version] --kernel <url> [--registry <url>] [--with-dependencies] [--yes]
  install --file <package.tgz> --kernel <url> [--yes]
                                                       show what the plugin asks for, then
                                                       install it once approved
  enable <plugin id> --kernel <url> --tenant <slug or id>
                                                       switch it on for a tenant

dir defaults to the current folder, except for create. The publisher name defaults to
plugin.json's publisher, lowercased (Acme Networks → acme-networks).`;

/**
 * Runs one command; answers the process exit code (0 ok, 1 the user's input, a refusal or failed
 * tests, 2 a bug). `env` holds DOTMAC_ADMIN_TOKEN and HOME.
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const report = (line: string) => console.log(line);
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        id: { type: 'string' },
        publisher: { type: 'string' },
        'out-dir': { type: 'string' },
        out: { type: 'string' },
        key: { type: 'string' },
        registry: { type: 'string' },
        kernel: { type: 'string' },
        tenant: { type: 'string' },
        file: { type: 'string' },
        yes: { type: 'boolean', short: 'y' },
        'with-dependencies': { type: 'boolean' },
        message: { type: 'string' },
        reason: { type: 'string' },
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
      case 'keygen': {
        const publisher = checkPublisherName(
          required(values.publisher, 'keygen needs --publisher, your publisher name (acme)'),
        );
        const key = await createPublisherKey(values.out ?? defaultKeyFile(publisher, env));
        report(`wrote ${key.file} (mode 0600): your private key; keep it secret and back it up`);
        report(`public key ${key.publicKey}`);
        report(`key id     ${key.keyId}`);
        report(`next: dotmac-plugin publish registers it for publisher ${publisher} with the registry on first use;`);
        report("give operators the public key to trust, in their kernel's PLUGIN_REGISTRIES trustedKeys:");
        report(`  { "publisher": "${publisher}", "publicKey": "${key.publicKey}" }`);
        return 0;
      }
      case 'sign': {
        if (given === undefined)
          throw new CliError('sign needs the package: dotmac-plugin sign <package.tgz> --publisher <name>');
        const publisher = checkPublisherName(
          required(values.publisher, 'sign needs --publisher, the name the key is registered under'),
        );
        const key = await readPublisherKey(
          values.key ?? defaultKeyFile(publisher, env),
          `run dotmac-plugin keygen --publisher ${publisher}, or pass --key`,
        );
        const signed = await signPackageFile(given, key, publisher, values.out);
        report(`signed ${signed.file}: ${signed.pluginId} ${signed.version} by ${publisher}, key ${signed.keyId}`);
        report(`checksums.json sha256 ${signed.checksumsSha256}`);
        return 0;
      }
      case 'publish':
        await publishPlugin(dir, {
          registry: required(values.registry, 'publish needs --registry, the registry URL'),
          ...(values.publisher !== undefined && { publisher: values.publisher }),
          ...(values.key !== undefined && { keyFile: values.key }),
          env,
          report,
        });
        return 0;
      case 'deprecate':
      case 'yank': {
        if (given === undefined) throw new CliError(`${command} needs <plugin id>@<version>`);
        const text =
          command === 'yank'
            ? required(values.reason, 'yank needs --reason: operators who have the version are warned with it')
            : required(values.message, 'deprecate needs --message: what users should do instead');
        await markVersion(command, given, text, {
          registry: required(values.registry, `${command} needs --registry, the registry URL`),
          publisher: required(values.publisher, `${command} needs --publisher, the name the key is registered for`),
          ...(values.key !== undefined && { keyFile: values.key }),
          env,
          report,
        });
        return 0;
      }
      case 'install': {
        const common = {
          kernel: required(values.kernel, 'install needs --kernel, the URL of the kernel to install into'),
          yes: values.yes ?? false,
          env,
          report,
        };
        if (values.file !== undefined) {
          if (given !== undefined) throw new CliError('install takes a plugin id or --file <package.tgz>, not both');
          if (values.registry !== undefined || values['with-dependencies']) {
            throw new CliError(
              'install --file takes neither --registry nor --with-dependencies: install the dependencies first, each from its file',
            );
          }
          await installPackageFile(values.file, common);
        } else {
          if (given === undefined) {
            throw new CliError('install needs the plugin: dotmac-plugin install <plugin id>[@version] --kernel <url>');
          }
          await installPlugin(given, {
            ...common,
            ...(values.registry !== undefined && { registry: values.registry }),
            withDependencies: values['with-dependencies'] ?? false,
          });
        }
        return 0;
      }
      case 'enable':
        if (given === undefined)
          throw new CliError(
            'enable needs the plugin: dotmac-plugin enable <plugin id> --kernel <url> --tenant <slug>',
          );
        await enablePlugin(given, required(values.tenant, 'enable needs --tenant, the tenant slug or id'), {
          kernel: required(values.kernel, 'enable needs --kernel, the URL of the kernel'),
          env,
          report,
        });
        return 0;
      default:
        throw new CliError(`unknown command ${command}\n\n${USAGE}`);
    }
  } catch (e) {
    if (e instanceof CliError) {
      console.error(`dotmac-plugin: ${e.message}${e.details.map((d) => `\n  ${d}`).join('')}`);
      return 1;
    }
    // The kernel's package library refuses a package with a ValidationError naming the check and file.
    if (e instanceof ValidationError) {
      console.error(
        `dotmac-plugin: ${e.message}${problemLines(e.message, e.errors)
          .map((line) => `\n  ${line}`)
          .join('')}`,
      );
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

function required(value: string | undefined, message: string): string {
  if (value === undefined || value === '') throw new CliError(message);
  return value;
}
