import { promises as fs } from "node:fs";
import { OperationError, type OperationFailure } from "../../powershell/operation";
import type {
    ApplyHostNatConfigInput,
    ApplyHostNatConfigResult,
    HnsNetworkRef,
} from "../../powershell/operations";
import type { HnsNetwork, HostState } from "../model";
import { readHostState, updateHostState } from "../state";
import { computeDaemonJsonEdit, readTextFile, writeTextFile } from "./daemon-json-twin";
import { removeHnsNetworks } from "./hns-cli";
import { applyServiceAction } from "./service-cli";

/**
 * TypeScript twin of apply-host-nat-config.ps1 on the simulator state: the same steps, results
 * and error envelopes as the script in pwsh against WcnSimulatedHost.psm1. The simulated docker
 * start is synchronous, so the twin never waits and reports no timeout.
 */

const OPERATION = "apply-host-nat-config";

const HNS_MODULE_HINT =
    "import the HostNetworkingService module (or Microsoft's hns.psm1 helper module on hosts without it) and apply again";

/** The message of the simulated Start-Service when docker stops during its start, without its final period. */
const DOCKER_START_ERROR =
    "Service 'Docker Engine (docker)' cannot be started due to the following error: Cannot start service docker on computer '.'";

/** HResult of System.InvalidOperationException (COR_E_INVALIDOPERATION). */
const INVALID_OPERATION_HRESULT = "0x80131509";

export interface HostNatConfigTwinOptions {
    /** Cmdlets the simulated host lacks. */
    absentCmdlets: string[];
}

type Outcome = "HostNatConfigUnchanged" | "HostNatConfigRolledBack" | "HostNatConfigRollbackFailed";

function failure(details: Omit<OperationFailure, "win32Code">): OperationError {
    return new OperationError(OPERATION, { ...details, win32Code: null });
}

/** Builds the error of a failure after docker was stopped, with the outcome marker as its id. */
function natConfigError(
    message: string,
    outcome: Outcome,
    dockerRunning: boolean,
    category: string,
): OperationError {
    return failure({
        message,
        category,
        hresult: INVALID_OPERATION_HRESULT,
        fullyQualifiedErrorId: `${outcome}.${dockerRunning ? "DockerRunning" : "DockerStopped"}`,
        exceptionType: "System.InvalidOperationException",
    });
}

function timeoutSecondsOf(input: ApplyHostNatConfigInput): number {
    if (input.timeoutSeconds === undefined || input.timeoutSeconds === null) {
        return 120;
    }
    if (typeof input.timeoutSeconds !== "number" || !Number.isFinite(input.timeoutSeconds)) {
        throw failure({
            message: `Cannot convert value "${String(input.timeoutSeconds)}" to type "System.Int32".`,
            category: "InvalidArgument",
            hresult: "0x80131501",
            fullyQualifiedErrorId: "InvalidCastFromStringToInteger",
            exceptionType: "System.Management.Automation.RuntimeException",
        });
    }
    const seconds = Math.round(input.timeoutSeconds);
    if (seconds < 1) {
        const message = `timeoutSeconds must be at least 1, but it is ${seconds} (Parameter 'timeoutSeconds')`;
        throw failure({
            message,
            category: "OperationStopped",
            hresult: "0x80131502",
            fullyQualifiedErrorId: message,
            exceptionType: "System.ArgumentOutOfRangeException",
        });
    }
    return seconds;
}

function requestedNetworks(input: ApplyHostNatConfigInput): HnsNetworkRef[] {
    const requested: HnsNetworkRef[] = [];
    for (const item of input.removeHnsNetworks ?? []) {
        if (item === null || item === undefined) {
            continue;
        }
        if (
            typeof item !== "object" ||
            Array.isArray(item) ||
            typeof item.id !== "string" ||
            item.id === ""
        ) {
            const message = "every removeHnsNetworks item must be an object with an id";
            throw failure({
                message,
                category: "OperationStopped",
                hresult: "0x80070057",
                fullyQualifiedErrorId: message,
                exceptionType: "System.ArgumentException",
            });
        }
        requested.push({ id: item.id, name: typeof item.name === "string" ? item.name : "" });
    }
    return requested;
}

function assertHnsCommands(absentCmdlets: string[]): void {
    const absent = new Set(absentCmdlets.map((name) => name.toLowerCase()));
    for (const name of ["Get-HnsNetwork", "Remove-HnsNetwork"]) {
        if (absent.has(name.toLowerCase())) {
            throw failure({
                message: `${name} was not found, so no HNS network can be removed and nothing was changed: ${HNS_MODULE_HINT}`,
                category: "ObjectNotFound",
                hresult: "0x80131501",
                fullyQualifiedErrorId: "HnsCommandNotFound",
                exceptionType: "System.Management.Automation.CommandNotFoundException",
            });
        }
    }
}

/** Returns the requested networks that exist. A network whose name differs from the request raises an error. */
function findNetworks(state: HostState, requested: HnsNetworkRef[]): HnsNetwork[] {
    const found: HnsNetwork[] = [];
    for (const request of requested) {
        for (const network of state.hnsNetworks) {
            if (network.id.toLowerCase() !== request.id.toLowerCase()) {
                continue;
            }
            if (request.name !== "" && network.name !== request.name) {
                const message =
                    `HNS network ${request.id} is named "${network.name}", not "${request.name}", so it was not ` +
                    "removed and nothing was changed: read the host's HNS networks again";
                throw failure({
                    message,
                    category: "OperationStopped",
                    hresult: INVALID_OPERATION_HRESULT,
                    fullyQualifiedErrorId: message,
                    exceptionType: "System.InvalidOperationException",
                });
            }
            found.push(network);
        }
    }
    return found;
}

function networkList(networks: HnsNetwork[]): string {
    return networks.map((network) => `${network.name} (${network.id})`).join(", ");
}

function removedNote(removed: HnsNetwork[]): string {
    if (removed.length === 0) {
        return "No HNS network was removed.";
    }
    return (
        `The removed HNS networks ${networkList(removed)} are not restored. The engine re-creates the default ` +
        'nat network when it starts unless daemon.json sets "bridge": "none".'
    );
}

function dockerNote(running: boolean): string {
    return running
        ? "docker is running again."
        : "docker is NOT running: fix the cause and start it with Start-Service docker.";
}

/** The simulated host's steps, each one locked update of the state file as the cmdlets make them. */
class SimulatedSteps {
    constructor(
        private readonly statePath: string,
        private readonly daemonJsonPath: string,
    ) {}

    async stopDocker(): Promise<void> {
        await updateHostState(this.statePath, (state) => applyServiceAction(state, "stop", "docker", null));
    }

    /** Starts docker with the daemon.json file. Returns null when it runs, or the failure text. */
    async startDocker(): Promise<string | null> {
        const daemonJson = await readTextFile(this.daemonJsonPath);
        const services = await updateHostState(this.statePath, (state) => {
            applyServiceAction(state, "start", "docker", daemonJson);
            return state.services;
        });
        return services.docker.status === "Running"
            ? null
            : `Start-Service docker failed: ${DOCKER_START_ERROR}`;
    }

    async dockerRunning(): Promise<boolean> {
        return (await readHostState(this.statePath)).services.docker.status === "Running";
    }

    async removeNetworks(networks: HnsNetwork[]): Promise<void> {
        await updateHostState(this.statePath, (state) =>
            removeHnsNetworks(
                state,
                networks.map((network) => network.id),
            ),
        );
    }

    async services(): Promise<ApplyHostNatConfigResult["services"]> {
        const state = await readHostState(this.statePath);
        return {
            hns: { Status: state.services.hns.status, StartType: "Automatic" },
            docker: { Status: state.services.docker.status, StartType: "Automatic" },
        };
    }
}

/** Starts docker again after a failure that left daemon.json as it was, and returns the error. */
async function unchangedError(
    steps: SimulatedSteps,
    reason: string,
    removed: HnsNetwork[],
): Promise<OperationError> {
    const startFailure = await steps.startDocker();
    const running = startFailure === null && (await steps.dockerRunning());
    let message = `${reason}. daemon.json was not changed. ${removedNote(removed)} ${dockerNote(running)}`;
    if (startFailure !== null) {
        message += ` Restarting docker failed: ${startFailure}.`;
    }
    return natConfigError(message, "HostNatConfigUnchanged", running, "InvalidOperation");
}

/** Restores daemon.json after docker failed to start with the new content, starts docker and returns the error. */
async function rollbackError(
    steps: SimulatedSteps,
    daemonJsonPath: string,
    oldBytes: Buffer | null,
    startFailure: string,
    removed: HnsNetwork[],
): Promise<OperationError> {
    let restoreFailure: string | null = null;
    try {
        if (oldBytes === null) {
            await fs.rm(daemonJsonPath, { force: true });
        } else {
            await fs.writeFile(`${daemonJsonPath}.${process.pid}.tmp`, oldBytes);
            await fs.rename(`${daemonJsonPath}.${process.pid}.tmp`, daemonJsonPath);
        }
    } catch (error) {
        restoreFailure = (error as Error).message;
    }
    const secondFailure = await steps.startDocker();
    const running = secondFailure === null && (await steps.dockerRunning());
    let message = `docker did not start with the new daemon.json: ${startFailure}. `;
    if (restoreFailure === null) {
        message +=
            oldBytes === null
                ? "The new daemon.json was deleted, because the host had none before. "
                : `The previous daemon.json was restored at ${daemonJsonPath}. `;
    } else {
        message += `Restoring the previous daemon.json at ${daemonJsonPath} failed (${restoreFailure}), so it still has the new content. `;
    }
    message += `${removedNote(removed)} ${dockerNote(running)}`;
    if (secondFailure !== null) {
        message += ` Starting docker again failed too: ${secondFailure}.`;
    }
    message += " Windows records the engine's reason in the Application event log (source docker).";
    const outcome = restoreFailure === null ? "HostNatConfigRolledBack" : "HostNatConfigRollbackFailed";
    return natConfigError(message, outcome, running, "OpenError");
}

/** Runs apply-host-nat-config on the simulated host; see apply-host-nat-config.ps1 for the steps. */
export async function applyHostNatConfigTwin(
    statePath: string,
    daemonJsonPath: string,
    input: ApplyHostNatConfigInput,
    options: HostNatConfigTwinOptions,
): Promise<ApplyHostNatConfigResult> {
    timeoutSecondsOf(input);
    const requested = requestedNetworks(input);
    const edit = await computeDaemonJsonEdit(daemonJsonPath, input, OPERATION);
    // No file and no keys to write: the engine already runs with the defaults.
    const writeFile = edit.changed && !(edit.oldContent === null && edit.newContent === "{}");
    const newContent = writeFile ? edit.newContent : edit.oldContent;

    let networks: HnsNetwork[] = [];
    if (requested.length > 0) {
        assertHnsCommands(options.absentCmdlets);
        networks = findNetworks(await readHostState(statePath), requested);
    }
    const steps = new SimulatedSteps(statePath, daemonJsonPath);
    const result: ApplyHostNatConfigResult = {
        path: daemonJsonPath,
        changed: false,
        oldContent: edit.oldContent,
        newContent,
        removedHnsNetworks: [],
        services: { hns: null, docker: null },
        waitedMs: 0,
    };
    if (!writeFile && networks.length === 0) {
        // A run that lost its connection while docker was stopped is finished by starting docker.
        if (!(await steps.dockerRunning())) {
            const startFailure = await steps.startDocker();
            if (startFailure !== null) {
                throw natConfigError(
                    `daemon.json already has the requested values, but docker was stopped and did not start: ${startFailure}`,
                    "HostNatConfigUnchanged",
                    false,
                    "OpenError",
                );
            }
        }
        result.services = await steps.services();
        return result;
    }
    const oldBytes = edit.oldContent === null ? null : await fs.readFile(daemonJsonPath);

    // The simulated Stop-Service always leaves docker stopped.
    await steps.stopDocker();
    if (networks.length > 0) {
        await steps.removeNetworks(networks);
    }
    if (writeFile) {
        await writeTextFile(daemonJsonPath, edit.newContent);
    }
    const startedAt = Date.now();
    const startFailure = await steps.startDocker();
    if (startFailure !== null) {
        throw writeFile
            ? await rollbackError(steps, daemonJsonPath, oldBytes, startFailure, networks)
            : await unchangedError(
                  steps,
                  `docker did not start after the HNS networks were removed: ${startFailure}`,
                  networks,
              );
    }
    result.changed = true;
    result.removedHnsNetworks = networks.map((network) => network.id);
    result.services = await steps.services();
    result.waitedMs = Date.now() - startedAt;
    return result;
}
