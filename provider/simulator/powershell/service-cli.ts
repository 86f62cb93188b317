import { promises as fs } from "node:fs";
import { startDockerService, startHnsService, stopDockerService, stopHnsService } from "../daemon";
import type { HostState, ServiceName } from "../model";
import { updateHostState } from "../state";

/**
 * Command line the simulated cmdlets (WcnSimulatedHost.psm1) call to start, stop or restart the
 * simulated `hns` and `docker` services. It changes the state file under its proper-lockfile lock
 * with the same rules as the Docker Engine API face, and prints the services object as JSON.
 */

const USAGE =
    "usage: node dist/provider/simulator/powershell/service-cli.js start|stop|restart " +
    "--state FILE --service hns|docker [--daemon-json-file FILE]\n";

type ServiceAction = "start" | "stop" | "restart";

interface ServiceCommand {
    action: ServiceAction;
    statePath: string;
    service: ServiceName;
    /** daemon.json the simulated engine reads when it starts; a missing file means no daemon.json. */
    daemonJsonFile: string | null;
}

function parseServiceCommand(argv: readonly string[]): ServiceCommand {
    const [action, ...rest] = argv;
    if (action !== "start" && action !== "stop" && action !== "restart") {
        throw new Error(`unknown action "${action ?? ""}": expected start, stop or restart`);
    }
    const options = new Map<string, string>();
    for (let index = 0; index < rest.length; index += 2) {
        const value = rest[index + 1];
        if (value === undefined) {
            throw new Error(`option ${rest[index]} needs a value`);
        }
        options.set(rest[index], value);
    }
    const statePath = options.get("--state");
    const service = options.get("--service");
    if (statePath === undefined) {
        throw new Error("--state FILE is required");
    }
    if (service !== "hns" && service !== "docker") {
        throw new Error(`unknown service "${service ?? ""}": expected hns or docker`);
    }
    return { action, statePath, service, daemonJsonFile: options.get("--daemon-json-file") ?? null };
}

/** Reads daemon.json as the engine does at start; returns null when the file does not exist. */
async function readDaemonJsonFile(filePath: string | null): Promise<string | null> {
    if (filePath === null) {
        return null;
    }
    try {
        const text = await fs.readFile(filePath, "utf8");
        return text.replace(/^\uFEFF/, "");
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") {
            return null;
        }
        throw error;
    }
}

/**
 * Applies one service action to the state. Starting a running service changes nothing, as on
 * Windows. Restarting hns stops docker with it and leaves docker stopped.
 */
export function applyServiceAction(
    state: HostState,
    action: ServiceAction,
    service: ServiceName,
    daemonJson: string | null,
): void {
    const stop = service === "hns" ? stopHnsService : stopDockerService;
    const start = (): void => {
        if (service === "hns") {
            startHnsService(state);
            return;
        }
        state.daemonJson = daemonJson;
        startDockerService(state);
    };
    if (action === "stop" || action === "restart") {
        stop(state);
    }
    if (action === "restart" || (action === "start" && state.services[service].status !== "Running")) {
        start();
    }
}

/** Runs one service command and returns the services afterwards. */
export async function runServiceCommand(command: ServiceCommand): Promise<HostState["services"]> {
    const daemonJson = await readDaemonJsonFile(command.daemonJsonFile);
    return updateHostState(command.statePath, (state) => {
        applyServiceAction(state, command.action, command.service, daemonJson);
        return state.services;
    });
}

async function main(argv: readonly string[]): Promise<void> {
    let command: ServiceCommand;
    try {
        command = parseServiceCommand(argv);
    } catch (error) {
        process.stderr.write(`error: ${(error as Error).message}\n${USAGE}`);
        process.exitCode = 2;
        return;
    }
    try {
        const services = await runServiceCommand(command);
        process.stdout.write(`${JSON.stringify(services)}\n`);
    } catch (error) {
        process.stderr.write(`error: ${(error as Error).message}\n`);
        process.exitCode = 1;
    }
}

if (require.main === module) {
    void main(process.argv.slice(2));
}
