import { promises as fs } from "node:fs";
import { startSimulatedEngine } from "./engine";
import { rebootHost } from "./out-of-band";
import { DEFAULT_PROFILE, isProfileName, PROFILE_NAMES, type ProfileName } from "./profiles";
import { ensureHostState, resetHostState } from "./seed";
import { readHostState, SIMULATOR_CLI } from "./state";

const COMMANDS = ["init", "serve", "show", "reset", "reboot"] as const;

type Command = (typeof COMMANDS)[number];

const HELP_FLAGS: readonly string[] = ["-h", "--help"];

const USAGE = `usage: ${SIMULATOR_CLI} COMMAND --state FILE [options]
       ${SIMULATOR_CLI} --help

Commands:
  init    create the state file of a simulated Windows container host (no change if it exists)
  serve   serve the host's Docker Engine API on 127.0.0.1 and print its URL; stops on SIGINT or SIGTERM
  show    print the host's profile, services and Docker networks
  reset   replace the state with a freshly seeded host (of the file's profile unless --profile is given)
  reboot  reboot the simulated host

Options:
  --state FILE       state file of the simulated host (required)
  --profile NAME     host generation: ${PROFILE_NAMES.join(", ")} (default ${DEFAULT_PROFILE} for a new host)
  --port N           TCP port for serve, 0 to 65535; 0 picks a free one (default 0)
  --latency-ms N     delay added to every response by serve, in milliseconds (default 0)
  -h, --help         print this help and exit

Exit codes: 0 success or help, 1 the command failed, 2 invalid arguments.
`;

/** An invalid command line, reported with the usage; other errors are reported alone. */
class ArgumentError extends Error {
    override readonly name = "ArgumentError";
}

interface CliOptions {
    command: Command;
    state: string;
    profile?: ProfileName;
    port: number;
    latencyMs: number;
}

function readNumber(flag: string, value: string, maximum?: number): number {
    const number = Number(value);
    if (value === "" || !Number.isSafeInteger(number) || number < 0 || number > (maximum ?? number)) {
        const range = maximum === undefined ? "of 0 or more" : `from 0 to ${maximum}`;
        throw new ArgumentError(`${flag} needs a whole number ${range}, got "${value}"`);
    }
    return number;
}

/** Parses the arguments after the script path; returns "help" when -h or --help comes first or after an option. */
function parseArguments(argv: string[]): CliOptions | "help" {
    const [command, ...rest] = argv;
    if (command === undefined) {
        throw new ArgumentError(`missing COMMAND: expected one of ${COMMANDS.join(", ")}`);
    }
    if (HELP_FLAGS.includes(command)) {
        return "help";
    }
    if (!(COMMANDS as readonly string[]).includes(command)) {
        throw new ArgumentError(`unknown command "${command}": expected one of ${COMMANDS.join(", ")}`);
    }
    const options: CliOptions = { command: command as Command, state: "", port: 0, latencyMs: 0 };
    for (let index = 0; index < rest.length; index++) {
        const flag = rest[index];
        if (HELP_FLAGS.includes(flag)) {
            return "help";
        }
        const value = (): string => {
            const next = rest[++index];
            if (next === undefined) {
                throw new ArgumentError(`option ${flag} needs a value`);
            }
            return next;
        };
        switch (flag) {
            case "--state":
                options.state = value();
                break;
            case "--profile": {
                const name = value();
                if (!isProfileName(name)) {
                    throw new ArgumentError(
                        `unknown simulated host profile "${name}": use one of ${PROFILE_NAMES.join(", ")}`,
                    );
                }
                options.profile = name;
                break;
            }
            case "--port":
                options.port = readNumber(flag, value(), 65535);
                break;
            case "--latency-ms":
                options.latencyMs = readNumber(flag, value());
                break;
            default:
                throw new ArgumentError(`unknown option "${flag}"`);
        }
    }
    if (options.state === "") {
        throw new ArgumentError("--state FILE is required");
    }
    return options;
}

async function show(statePath: string): Promise<void> {
    const state = await readHostState(statePath);
    const lines = [
        `host ${state.hostName} (${state.profile}), boot ${state.bootCount}`,
        `services: docker ${state.services.docker.status}, hns ${state.services.hns.status}`,
        ...(state.services.docker.lastError === null
            ? []
            : [`docker last error: ${state.services.docker.lastError}`]),
        "NETWORK ID     NAME                 DRIVER       SUBNET",
        ...state.dockerNetworks.map(
            (network) =>
                `${network.id.slice(0, 12)}   ${network.name.padEnd(20)} ${network.driver.padEnd(12)} ${network.ipamConfig.map((config) => config.subnet).join(",")}`,
        ),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
}

async function serve(options: CliOptions): Promise<void> {
    let engine;
    try {
        engine = await startSimulatedEngine({
            statePath: options.state,
            profile: options.profile,
            port: options.port,
            latencyMs: options.latencyMs,
        });
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
            throw new Error(
                `port ${options.port} on 127.0.0.1 is already in use: choose another --port, or 0 for a free one`,
            );
        }
        throw error;
    }
    process.stdout.write(`${engine.url}\n`);
    const stop = (): void => {
        void engine.close().then(() => process.exit(0));
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
}

/**
 * Reads only the `profile` field of the state file, so that reset keeps the host generation also of a file that
 * readHostState rejects. Returns undefined when the file has no usable profile.
 */
async function readProfile(statePath: string): Promise<ProfileName | undefined> {
    try {
        const parsed = JSON.parse(await fs.readFile(statePath, "utf8")) as { profile?: unknown } | null;
        const profile = parsed?.profile;
        return typeof profile === "string" && isProfileName(profile) ? profile : undefined;
    } catch {
        return undefined;
    }
}

async function run(options: CliOptions): Promise<void> {
    switch (options.command) {
        case "init": {
            const state = await ensureHostState(options.state, options.profile);
            process.stdout.write(`simulated ${state.profile} host ready in ${options.state}\n`);
            return;
        }
        case "serve":
            return serve(options);
        case "show":
            return show(options.state);
        case "reset": {
            const profile = options.profile ?? (await readProfile(options.state)) ?? DEFAULT_PROFILE;
            const state = await resetHostState(options.state, profile);
            process.stdout.write(`simulated ${state.profile} host reset in ${options.state}\n`);
            return;
        }
        case "reboot":
            await rebootHost(options.state);
            process.stdout.write(`simulated host in ${options.state} rebooted\n`);
            return;
    }
}

function main(argv: string[]): void {
    let parsed: CliOptions | "help";
    try {
        parsed = parseArguments(argv);
    } catch (error) {
        process.stderr.write(`error: ${(error as Error).message}\n\n${USAGE}`);
        process.exit(2);
    }
    if (parsed === "help") {
        process.stdout.write(USAGE);
        return;
    }
    // Runtime errors carry their own fix, so they are printed without the usage.
    run(parsed).catch((error: unknown) => {
        process.stderr.write(`error: ${(error as Error).message}\n`);
        process.exit(1);
    });
}

if (require.main === module) {
    main(process.argv.slice(2));
}
