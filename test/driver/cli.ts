// Command line for the lifecycle driver; USAGE below lists the operations, options and exit codes.
import { constants } from "os";

import { runDriver } from "./index";
import { describeFailure } from "./recorder";
import { DriverOptions, Operation } from "./types";

const OPERATIONS: readonly Operation[] = ["preview", "up", "refresh", "destroy"];

const HELP_FLAGS: readonly string[] = ["-h", "--help"];

/** Signals after which the driver kills its child processes and exits with 128 plus the signal number. */
const STOP_SIGNALS = ["SIGINT", "SIGTERM"] as const;

const USAGE = `usage: node dist/test/driver/cli.js <preview|up|refresh|destroy> --state FILE [options]
       node dist/test/driver/cli.js --help

Runs a compiled Pulumi program with the SDK's runtime and dynamic-provider server, as the Pulumi CLI does,
and keeps the stack in a JSON state file.

Operations:
  preview   list the steps that up would run, without changing objects or the state file
  up        create, update, replace and delete resources to match the program
  refresh   read every resource in the state file and record drift
  destroy   delete every resource in the state file

Options:
  --program FILE        compiled entry point (.js) of the program; required for preview and up, and for
                        refresh and destroy unless --project-root is given
  --state FILE          state file of the stack, created by the first up (required)
  --project-root DIR    working directory of the program and the provider server (default: the nearest
                        directory at or above the program that contains Pulumi.yaml)
  --stack NAME          stack name (default: the stack in the state file, else dev)
  --project NAME        project name (default: name: in Pulumi.yaml)
  --config KEY=VALUE    stack configuration; a KEY without a namespace gets the project name; repeatable
  --secret KEY=VALUE    secret stack configuration, with the same KEY rules; repeatable
  --refresh             refresh before preview or up
  --expect-no-changes   fail when the operation proposes or makes any change
  --json                print the result as JSON instead of the summary
  -h, --help            print this help and exit

Exit codes: 0 success or help, 1 failed operation (also for changes under --expect-no-changes),
2 invalid arguments, 130 and 143 when stopped by SIGINT and SIGTERM.
`;

/** A parsed command line: a request for help, or an operation to run. */
export type CliArguments = { help: true } | { help: false; options: DriverOptions; json: boolean };

/** Parses the command line (without `node` and the script path); throws with a message on invalid input. */
export function parseArguments(argv: string[]): CliArguments {
    const [operation, ...rest] = argv;
    if (operation === undefined) {
        throw new Error(`missing operation: expected one of ${OPERATIONS.join(", ")}`);
    }
    if (HELP_FLAGS.includes(operation)) {
        return { help: true };
    }
    if (!OPERATIONS.includes(operation as Operation)) {
        throw new Error(`unknown operation "${operation}": expected one of ${OPERATIONS.join(", ")}`);
    }
    const options: DriverOptions = { operation: operation as Operation, programPath: "", statePath: "" };
    let json = false;
    for (let i = 0; i < rest.length; i++) {
        const flag = rest[i];
        const value = () => {
            const next = rest[++i];
            if (next === undefined) {
                throw new Error(`option ${flag} needs a value`);
            }
            return next;
        };
        switch (flag) {
            case "-h":
            case "--help":
                return { help: true };
            case "--program":
                options.programPath = value();
                break;
            case "--state":
                options.statePath = value();
                break;
            case "--project-root":
                options.projectRoot = value();
                break;
            case "--stack":
                options.stack = value();
                break;
            case "--project":
                options.project = value();
                break;
            case "--config":
                options.config = { ...options.config, ...parsePair(flag, value()) };
                break;
            case "--secret":
                options.secretConfig = { ...options.secretConfig, ...parsePair(flag, value()) };
                break;
            case "--refresh":
                options.refresh = true;
                break;
            case "--expect-no-changes":
                options.expectNoChanges = true;
                break;
            case "--json":
                json = true;
                break;
            default:
                throw new Error(`unknown option ${flag}`);
        }
    }
    if (options.statePath === "") {
        throw new Error("--state is required");
    }
    const needsProgram = options.operation === "preview" || options.operation === "up";
    if (options.programPath === "" && (needsProgram || options.projectRoot === undefined)) {
        throw new Error(`--program is required for ${options.operation} (or give --project-root)`);
    }
    if (options.programPath === "") {
        options.programPath = `${options.projectRoot}/index.js`;
    }
    return { help: false, options, json };
}

function parsePair(flag: string, pair: string): Record<string, string> {
    const index = pair.indexOf("=");
    if (index <= 0) {
        throw new Error(`${flag} expects key=value, got "${pair}"`);
    }
    return { [pair.slice(0, index)]: pair.slice(index + 1) };
}

async function main(): Promise<number> {
    let parsed: CliArguments;
    try {
        parsed = parseArguments(process.argv.slice(2));
    } catch (error) {
        process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
        return 2;
    }
    if (parsed.help) {
        process.stdout.write(USAGE);
        return 0;
    }
    exitOnStopSignals(parsed.options.operation);
    const result = await runDriver(parsed.options);
    if (parsed.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
        process.stdout.write(result.log);
    }
    for (const failure of result.failures) {
        process.stderr.write(`error: ${parsed.options.operation} failed: ${describeFailure(failure)}\n`);
    }
    return result.ok ? 0 : 1;
}

/**
 * Exits at once on SIGINT and SIGTERM. process.exit runs the `exit` listeners that killOnDriverExit registered,
 * so the provider server and the program process are killed before the driver ends.
 */
function exitOnStopSignals(operation: Operation): void {
    for (const signal of STOP_SIGNALS) {
        process.once(signal, () => {
            process.stderr.write(
                `error: ${operation} stopped by ${signal}: the provider server and the program were killed, ` +
                    "so an object that a running step created or changed may be missing from the state file\n",
            );
            process.exit(128 + constants.signals[signal]);
        });
    }
}

if (require.main === module) {
    main().then((code) => {
        process.exitCode = code;
    });
}
