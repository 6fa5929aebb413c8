import { DEFAULT_COMPONENTS } from '@polymodal/mdn';
import { Command, CommanderError, Option } from 'commander';
import { BACKEND_CHOICES, type CliBackend, describeBackend, startBackend } from './backend.js';
import { fitMdnCommand } from './commands/fit_mdn.js';
import { PREDICT_OUTPUTS, predictCommand } from './commands/predict.js';
import { reproduceCommand } from './commands/reproduce.js';
import { sampleCommand } from './commands/sample.js';
import { demoCommand } from './demo.js';
import { EXIT, UsageError } from './errors.js';
import { EXPERIMENTS } from './experiments/index.js';
import { backendOption, choiceOption, columnsOption, integerOption, numberOption } from './options.js';

const backendFlag = () =>
  new Option(
    '--backend <name>',
    `tfjs backend: ${BACKEND_CHOICES.join(' | ')} (default auto, or $POLYMODAL_BACKEND)`,
  ).argParser(backendOption);

const listOfIntegers = (value: string): number[] =>
  value.split(',').map((v) => integerOption('hidden', 1, 65_536)(v.trim()));

/** The `polymodal` command line (commander), with every command and its options. */
export function buildProgram(): Command {
  const program = new Command('polymodal')
    .description('Multimodal scientific machine learning on TensorFlow.js: reproductions, demos, fitting.')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  let exitCode: number = EXIT.ok;

  program
    .command('reproduce')
    .description(
      "reproduce the seed papers' experiments; prints tables and writes results.json and report.html",
    )
    .argument('[experiments...]', `any of ${EXPERIMENTS.map((e) => e.name).join(', ')}, or all (default)`)
    .addOption(
      new Option(
        '--scale <scale>',
        'quick (minutes on 2 CPU cores) or paper (the published protocol, for a GPU)',
      )
        .argParser(choiceOption('scale', ['quick', 'paper'] as const))
        .default('quick'),
    )
    .addOption(
      new Option(
        '--seeds <n>',
        'seeds (members or repetitions) per setting (default: per experiment)',
      ).argParser(integerOption('seeds', 1, 100)),
    )
    .addOption(backendFlag())
    .option('--out <dir>', 'where results.json and report.html go', 'polymodal-results')
    .option('--json', 'print results.json to stdout instead of tables')
    .option('--list', 'list the experiments and exit')
    .action(
      async (
        names: string[],
        o: {
          scale: 'quick' | 'paper';
          seeds?: number;
          backend?: CliBackend;
          out: string;
          json?: boolean;
          list?: boolean;
        },
      ) => {
        if (o.list) {
          for (const e of EXPERIMENTS) process.stdout.write(`${e.name.padEnd(18)} ${e.title} (${e.paper})\n`);
          return;
        }
        exitCode = await reproduceCommand(names, {
          scale: o.scale,
          out: o.out,
          ...(o.seeds !== undefined ? { seeds: o.seeds } : {}),
          ...(o.backend !== undefined ? { backend: o.backend } : {}),
          ...(o.json ? { json: true } : {}),
        });
      },
    );

  program
    .command('demo')
    .description('train an MDN ensemble on the sine inverse problem and compare it with the exact density')
    .addOption(
      new Option('--iterations <n>', 'training iterations')
        .argParser(integerOption('iterations', 1))
        .default(4000),
    )
    .addOption(
      new Option('--members <n>', 'ensemble members').argParser(integerOption('members', 1, 64)).default(3),
    )
    .addOption(
      new Option('--components <n>', 'mixture components')
        .argParser(integerOption('components', 1, 256))
        .default(DEFAULT_COMPONENTS),
    )
    .addOption(new Option('--seed <n>', 'seed').argParser(integerOption('seed', 0)).default(0))
    .addOption(backendFlag())
    .action(
      async (o: {
        iterations: number;
        members: number;
        components: number;
        seed: number;
        backend?: CliBackend;
      }) => {
        await demoCommand({
          iterations: o.iterations,
          members: o.members,
          components: o.components,
          seed: o.seed,
          ...(o.backend ? { backend: o.backend } : {}),
        });
      },
    );

  program
    .command('info')
    .description('which tfjs backend would be used, and why')
    .addOption(backendFlag())
    .option('--json', 'print the backend description as JSON')
    .action(async (o: { backend?: CliBackend; json?: boolean }) => {
      const info = await startBackend(o.backend);
      if (o.json) process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
      else {
        process.stdout.write(`${describeBackend(info)}\n`);
        process.stdout.write(`tfjs-core ${info.tfjsVersion} in ${info.environment}\n`);
        for (const t of info.tried) process.stdout.write(`  not used: ${t.backend} (${t.error})\n`);
      }
    });

  const fit = program.command('fit').description('train a model on your own data');
  fit
    .command('mdn')
    .description('train a mixture density network on columns of a CSV file and save it')
    .argument('<data.csv>', 'a CSV file with a header row')
    .requiredOption('--x <columns>', 'input columns, comma-separated', columnsOption('x'))
    .requiredOption('--y <columns>', 'output columns, comma-separated', columnsOption('y'))
    .requiredOption('--out <dir>', 'the model folder to write')
    .addOption(
      new Option('--components <n>', 'mixture components K')
        .argParser(integerOption('components', 1, 256))
        .default(DEFAULT_COMPONENTS),
    )
    .addOption(
      new Option('--members <n>', 'ensemble members').argParser(integerOption('members', 1, 64)).default(1),
    )
    .addOption(
      new Option('--iterations <n>', 'training iterations')
        .argParser(integerOption('iterations', 1))
        .default(3000),
    )
    .addOption(
      new Option('--hidden <units>', 'hidden layer widths, comma-separated')
        .argParser(listOfIntegers)
        .default([64, 64]),
    )
    .addOption(new Option('--seed <n>', 'seed').argParser(integerOption('seed', 0)).default(0))
    .addOption(backendFlag())
    .option('--json', 'print the outcome as JSON')
    .action(async (data: string, o: Parameters<typeof fitMdnCommand>[1]) => {
      await fitMdnCommand(data, o);
    });

  program
    .command('predict')
    .description("a trained model's conditional distribution at each row of a CSV file (stdout)")
    .argument('<model>', "a folder written by 'polymodal fit'")
    .argument('<data.csv>', 'rows with the input columns the model was trained on')
    .addOption(
      new Option('--output <what>', PREDICT_OUTPUTS.join(' | '))
        .argParser(choiceOption('output', PREDICT_OUTPUTS))
        .default('modes'),
    )
    .addOption(
      new Option('--format <format>', 'csv | json')
        .argParser(choiceOption('format', ['csv', 'json'] as const))
        .default('csv'),
    )
    .addOption(
      new Option('--samples <n>', 'draws per row for --output samples')
        .argParser(integerOption('samples', 1, 100_000))
        .default(100),
    )
    .addOption(
      new Option('--mass <p>', 'probability mass of --output intervals')
        .argParser(numberOption('mass', 0, 1))
        .default(0.9),
    )
    .addOption(new Option('--seed <n>', 'seed of the draws').argParser(integerOption('seed', 0)).default(0))
    .addOption(backendFlag())
    .action(async (model: string, data: string, o: Parameters<typeof predictCommand>[2]) => {
      await predictCommand(model, data, o);
    });

  program
    .command('sample')
    .description('the divide-and-conquer sampler on your own log density (an ES module)')
    .requiredOption('--target <module.mjs>', 'exports logDensity(x, tf): points [N, dim] → log densities [N]')
    .requiredOption('--box <box>', 'the prior box, low,high per dimension separated by ; (e.g. "-5,5;-5,5")')
    .addOption(
      new Option('--samples <n>', 'draws to write')
        .argParser(integerOption('samples', 1, 10_000_000))
        .default(10_000),
    )
    .addOption(new Option('--seed <n>', 'seed').argParser(integerOption('seed', 0)).default(0))
    .option('--out <file.csv>', 'where the draws go (default stdout)')
    .option('--json', 'print the modes, weights ± SE and log Z as JSON (needs --out)')
    .option(
      '--config <file.json>',
      'sampler settings as JSON, e.g. {"starts": 500, "chains": 32} (see DivideAndConquerConfig; defaults otherwise)',
    )
    .addOption(backendFlag())
    .action(async (o: Parameters<typeof sampleCommand>[0]) => {
      await sampleCommand(o);
    });

  return Object.assign(program, { exitCodeOf: () => exitCode });
}

/**
 * Runs the command line on `argv` (without node and the script) and returns the exit code. Usage
 * errors are one line and code 2; failures one line and code 1 (`POLYMODAL_DEBUG=1` adds the stack).
 */
export async function runCli(argv: string[]): Promise<number> {
  // `pnpm <script> -- --flag` passes the `--` through; nothing here takes `--` literally.
  const args = argv.filter((a) => a !== '--');
  const program = buildProgram() as Command & { exitCodeOf(): number };
  try {
    if (args.length === 0) {
      program.outputHelp();
      return EXIT.usage;
    }
    await program.parseAsync(args, { from: 'user' });
    return program.exitCodeOf();
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version requests "fail" with code 0; commander has already printed its message.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n(add --help for usage)\n`);
      return EXIT.usage;
    }
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(`error: ${message}\n`);
    if (process.env.POLYMODAL_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return EXIT.failure;
  }
}
