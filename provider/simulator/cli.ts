import { startSimulatedEngine } from "./engine";
import { rebootHost } from "./out-of-band";
import { DEFAULT_PROFILE, getProfile, PROFILE_NAMES } from "./profiles";
import { ensureHostState, resetHostState } from "./seed";
import { readHostState } from "./state";

const USAGE = `usage: node dist/provider/simulator/cli.js COMMAND --state FILE [options]

Commands:
  init    create the state file of a simulated Windows container host (no change if it exists)
  serve   serve the host's Docker Engine API on 127.0.0.1 and print its URL; stops on SIGINT or SIGTERM
  show    print the host's profile, services and Docker networks
  reset   replace the state with a freshly seeded host
  reboot  reboot the simulated host

Options:
  --state FILE       state file of the simulated host (required)
  --profile NAME     host generation: ${PROFILE_NAMES.join(", ")} (default ${DEFAULT_PROFILE} for a new host)
  --port N           TCP port for serve; 0 picks a free one (default 0)
  --latency-ms N     delay added to every response by serve, in milliseconds (default 0)
`;

interface CliOptions {
    command: string;
    state: string;
    profile?: string;
    port: number;
    latencyMs: number;
}

function readNumber(flag: string, value: string | undefined): number {
    const number = Number(value);
    if (value === undefined || !Number.isInteger(number) || number < 0) {
        throw new Error(`${flag} needs a whole number, got "${value ?? ""}"`);
    }
    return number;
}

function parseArguments(argv: string[]): CliOptions {
    const [command, ...rest] = argv;
    const options: CliOptions = { command: command ?? "", state: "", port: 0, latencyMs: 0 };
    for (let index = 0; index < rest.length; index += 2) {
        const flag = rest[index];
        const value = rest[index + 1];
        if (flag === "--state" && value !== undefined) {
            options.state = value;
        } else if (flag === "--profile" && value !== undefined) {
            options.profile = getProfile(value).name;
        } else if (flag === "--port") {
            options.port = readNumber(flag, value);
        } else if (flag === "--latency-ms") {
            options.latencyMs = readNumber(flag, value);
        } else {
            throw new Error(`unknown or incomplete option "${flag}"`);
        }
    }
    if (options.state === "") {
        throw new Error("--state FILE is required");
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
    const engine = await startSimulatedEngine({
        statePath: options.state,
        profile: options.profile,
        port: options.port,
        latencyMs: options.latencyMs,
    });
    process.stdout.write(`${engine.url}\n`);
    const stop = (): void => {
        void engine.close().then(() => process.exit(0));
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
}

async function run(argv: string[]): Promise<void> {
    const options = parseArguments(argv);
    const profile = options.profile === undefined ? undefined : getProfile(options.profile).name;
    switch (options.command) {
        case "init": {
            const state = await ensureHostState(options.state, profile);
            process.stdout.write(`simulated ${state.profile} host ready in ${options.state}\n`);
            return;
        }
        case "serve":
            return serve(options);
        case "show":
            return show(options.state);
        case "reset": {
            const current = await readHostState(options.state).catch(() => null);
            const state = await resetHostState(options.state, profile ?? current?.profile ?? DEFAULT_PROFILE);
            process.stdout.write(`simulated ${state.profile} host reset in ${options.state}\n`);
            return;
        }
        case "reboot":
            await rebootHost(options.state);
            process.stdout.write(`simulated host in ${options.state} rebooted\n`);
            return;
        default:
            throw new Error(`unknown command "${options.command}"`);
    }
}

if (require.main === module) {
    run(process.argv.slice(2)).catch((error: unknown) => {
        process.stderr.write(`error: ${(error as Error).message}\n\n${USAGE}`);
        process.exit(2);
    });
}
