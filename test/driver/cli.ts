// Command line for the lifecycle driver:
//   node dist/test/driver/cli.js <preview|up|refresh|destroy> --program P --state S [--project-root R]
//       [--stack N] [--project N] [--config k=v]... [--secret k=v]... [--refresh] [--expect-no-changes] [--json]
// Exit code 0 when the operation succeeded, 1 when it failed (including changes under --expect-no-changes),
// 2 for invalid arguments.
import { runDriver } from "./index";
import { DriverOptions, Operation } from "./types";

const OPERATIONS: readonly Operation[] = ["preview", "up", "refresh", "destroy"];

const USAGE =
    "usage: cli.js <preview|up|refresh|destroy> --program <compiled program .js> --state <state file>\n" +
    "    [--project-root <dir>] [--stack <name>] [--project <name>] [--config key=value]...\n" +
    "    [--secret key=value]... [--refresh] [--expect-no-changes] [--json]";

export interface CliArguments {
    options: DriverOptions;
    json: boolean;
}

/** Parses the command line (without `node` and the script path); throws with a message on invalid input. */
export function parseArguments(argv: string[]): CliArguments {
    const [operation, ...rest] = argv;
    if (!OPERATIONS.includes(operation as Operation)) {
        throw new Error(`unknown operation "${operation ?? ""}"; expected one of ${OPERATIONS.join(", ")}`);
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
    return { options, json };
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
        process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
        return 2;
    }
    const result = await runDriver(parsed.options);
    if (parsed.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
        process.stdout.write(result.log);
    }
    if (!result.ok) {
        const reasons = result.failures.map((failure) => failure.reason).join("; ");
        process.stderr.write(`error: ${parsed.options.operation} failed: ${reasons}\n`);
    }
    return result.ok ? 0 : 1;
}

if (require.main === module) {
    main().then((code) => {
        process.exitCode = code;
    });
}
