import type * as pulumi from "@pulumi/pulumi";
import { DEFAULT_API_VERSION } from "../docker/connection";
import type { DockerEngine, EngineInfo } from "../docker/engine";
import { EngineError } from "../docker/errors";
import { checkEngine } from "../docker/preflight";
import { MaterialError } from "../host/config";
import { engineFor } from "../host/engines";
import { checkContainerNetwork, ContainerNetworkInputs } from "../model/containerNetwork";
import { FailureList, formatFailures } from "../model/failures";
import type { ObservedNetwork } from "../model/networkInspect";
import { diffContainerNetwork } from "../model/networkDiff";
import { buildCreateBody, compareForAdoption, isOwnedBy } from "../model/networkSpec";
import { containsUnknown } from "../model/unknown";
import {
    describeAttachments,
    readNetworkProps,
    networkOutputs,
    NetworkOutputs,
} from "./containerNetworkState";
import { plainJson, warn } from "./common";

/** How long check waits for a host's facts before previewing without them. */
const CHECK_FACTS_TIMEOUT_MS = 15_000;

export const containerNetworkProvider: pulumi.dynamic.ResourceProvider = {
    check,
    diff,
    create,
    read,
    update,
    delete: remove,
};

/**
 * Validates inputs. Syntax and per-driver rules always run; the rules that depend on the engine
 * (drivers offered, OS type, API version) run when the engine responds, and otherwise preview goes
 * on with a warning because create checks them again before it changes anything.
 */
async function check(
    _olds: Record<string, unknown>,
    news: Record<string, unknown>,
): Promise<pulumi.dynamic.CheckResult> {
    const { inputs, failures } = checkContainerNetwork(news);
    if (failures.empty && !containsUnknown(news.host) && !containsUnknown(inputs.driver)) {
        await checkAgainstEngine(inputs as unknown as ContainerNetworkInputs, failures);
    }
    return { inputs: plainJson(inputs), failures: failures.items };
}

async function checkAgainstEngine(inputs: ContainerNetworkInputs, failures: FailureList): Promise<void> {
    try {
        const engine = await engineFor(withTimeout(inputs, CHECK_FACTS_TIMEOUT_MS));
        addEngineFailures(inputs, engine.hostName, await engine.info(), failures);
    } catch (error) {
        if (error instanceof MaterialError) {
            failures.add(error.setting, error.message);
        } else if (EngineError.is(error, "untrusted")) {
            failures.add("host.docker.tls", error.message);
        } else if (EngineError.is(error, "unreachable") || EngineError.is(error, "timeout")) {
            warn(
                `network "${inputs.name}": ${error.message}. Preview continues without the host's facts; create checks them again.`,
            );
        } else {
            throw error;
        }
    }
}

function withTimeout(inputs: ContainerNetworkInputs, limitMs: number): ContainerNetworkInputs["host"] {
    const timeoutMs = Math.min(inputs.host.docker.timeoutMs ?? limitMs, limitMs);
    return { ...inputs.host, docker: { ...inputs.host.docker, timeoutMs } };
}

function addEngineFailures(
    inputs: ContainerNetworkInputs,
    hostName: string,
    info: EngineInfo,
    failures: FailureList,
): void {
    checkEngine(
        info,
        hostName,
        {
            driver: inputs.driver,
            windows: inputs.windows,
            apiVersion: inputs.host.docker.apiVersion ?? DEFAULT_API_VERSION,
        },
        failures,
    );
}

/**
 * Compares states without I/O. Docker networks are immutable, so managed changes replace, and
 * always delete first: the old network keeps the name (and, for external-switch drivers, the adapter).
 */
async function diff(
    _id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
): Promise<pulumi.dynamic.DiffResult> {
    const { replaces, updates } = diffContainerNetwork(olds, news);
    return {
        changes: replaces.length + updates.length > 0,
        replaces,
        deleteBeforeReplace: true,
    };
}

/**
 * Creates the network, or takes over an existing one with `adopt`. Nothing is left behind on
 * failure: a network created here is removed again if a later step fails, and if that removal
 * fails too the error carries its id so that Pulumi records it.
 */
async function create(raw: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
    const inputs = await validateForApply(raw);
    const engine = await engineFor(inputs.host);
    const info = await engine.info();

    const existing = await engine.findNetworkByName(inputs.name);
    if (existing) {
        return { id: existing.id, outs: plainJson(adoptExisting(inputs, existing, engine.hostName, info)) };
    }

    const id = await engine.createNetwork(buildCreateBody(inputs));
    try {
        const observed = await engine.inspectNetwork(id);
        if (!observed) {
            throw new Error(
                `network "${inputs.name}" (${id}) disappeared right after it was created on host ${engine.hostName}`,
            );
        }
        return { id, outs: plainJson(networkOutputs(inputs, observed, info, false)) };
    } catch (error) {
        throw await undoCreate(engine, id, inputs, error as Error);
    }
}

async function validateForApply(raw: Record<string, unknown>): Promise<ContainerNetworkInputs> {
    const { inputs, failures } = checkContainerNetwork(raw);
    const typed = inputs as unknown as ContainerNetworkInputs;
    if (failures.empty) {
        const engine = await engineFor(typed.host);
        addEngineFailures(typed, engine.hostName, await engine.info(), failures);
    }
    if (!failures.empty) {
        throw new Error(
            `network "${String(raw.name)}" has invalid inputs:\n${formatFailures(failures.items)}`,
        );
    }
    return typed;
}

function adoptExisting(
    inputs: ContainerNetworkInputs,
    existing: ObservedNetwork,
    hostName: string,
    info: EngineInfo,
): NetworkOutputs {
    const ownedHere = isOwnedBy(existing, inputs.owner);
    if (!inputs.adopt && !ownedHere) {
        throw new Error(
            `network "${inputs.name}" already exists on host ${hostName} (id ${existing.id.slice(0, 12)}) and was not created by this resource. ` +
                "Set adopt: true to take it over, or choose another name",
        );
    }
    const differences = compareForAdoption(inputs, existing);
    if (differences.length > 0) {
        throw new Error(
            `network "${inputs.name}" on host ${hostName} (id ${existing.id.slice(0, 12)}) cannot be adopted because it differs:\n` +
                differences.map((line) => `  - ${line}`).join("\n") +
                "\nChange the inputs to match it, or remove the network on the host first",
        );
    }
    return networkOutputs(inputs, existing, info, !ownedHere);
}

async function undoCreate(
    engine: DockerEngine,
    id: string,
    inputs: ContainerNetworkInputs,
    cause: Error,
): Promise<Error> {
    try {
        await engine.removeNetwork(id, `"${inputs.name}"`);
        return cause;
    } catch (removeError) {
        const message =
            `${cause.message}. Removing the new network ${id.slice(0, 12)} also failed (${(removeError as Error).message}); ` +
            "it is recorded in the stack so that the next update or destroy can handle it";
        // The dynamic-provider server stores these properties as they are, and later Read and Delete
        // calls load the provider code from them, so the serialized provider must be among them.
        const properties = plainJson({
            ...inputs,
            networkId: id,
            __provider: (inputs as unknown as Record<string, unknown>).__provider,
        });
        return Object.assign(new Error(message), { id, properties, reasons: [message] });
    }
}

/**
 * Reads the network as it is now. The id can change when a Windows host re-creates networks after a
 * reboot, so a missing id falls back to the name and the ownership labels. Only a network that is
 * really gone is reported gone; an unreachable engine fails the refresh instead.
 */
async function read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
    const stored = props as unknown as NetworkOutputs;
    const engine = await engineFor(stored.host);
    const observed = (await engine.inspectNetwork(id)) ?? (await findByOwnership(engine, stored));
    if (!observed) {
        return { id: "" };
    }
    const refreshed = readNetworkProps(stored, observed);
    return { id: observed.id, props: plainJson(refreshed.props), inputs: plainJson(refreshed.inputs) };
}

async function findByOwnership(
    engine: DockerEngine,
    stored: NetworkOutputs,
): Promise<ObservedNetwork | undefined> {
    const candidate = await engine.findNetworkByName(stored.name);
    if (!candidate) {
        return undefined;
    }
    const ours = stored.adopted ? candidate.driver === stored.driver : isOwnedBy(candidate, stored.owner);
    return ours ? candidate : undefined;
}

/** Applies changes that need no new network: connection settings and the provider's own flags. */
async function update(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
): Promise<pulumi.dynamic.UpdateResult> {
    const inputs = await validateForApply(news);
    const engine = await engineFor(inputs.host);
    const observed = await engine.inspectNetwork(id);
    if (!observed) {
        throw new Error(
            `network "${inputs.name}" (${id.slice(0, 12)}) no longer exists on host ${engine.hostName}; ` +
                "run `pulumi refresh` so that the next `pulumi up` creates it again",
        );
    }
    const adopted = (olds as unknown as NetworkOutputs).adopted ?? false;
    return { outs: plainJson(networkOutputs(inputs, observed, await engine.info(), adopted)) };
}

/**
 * Removes the network. A network that is already gone counts as deleted. While containers are
 * attached it fails naming them, unless `disconnectContainersOnDelete` is set.
 */
async function remove(id: string, props: Record<string, unknown>): Promise<void> {
    const stored = props as unknown as NetworkOutputs;
    const engine = await engineFor(stored.host);
    const observed = await engine.inspectNetwork(id);
    if (!observed) {
        return;
    }
    const label = `"${observed.name}"`;
    if (observed.endpoints.length > 0) {
        if (!stored.disconnectContainersOnDelete) {
            throw new Error(
                `network ${label} on host ${engine.hostName} still has containers attached: ${describeAttachments(observed)}. ` +
                    "Stop or disconnect them, or set disconnectContainersOnDelete: true to let the provider disconnect them",
            );
        }
        for (const endpoint of observed.endpoints) {
            await engine.disconnectContainer(id, endpoint.containerId, label);
        }
    }
    try {
        await engine.removeNetwork(id, label);
    } catch (error) {
        if (EngineError.is(error, "in-use")) {
            const now = await engine.inspectNetwork(id);
            throw new Error(
                `${error.message}. Attached now: ${now ? describeAttachments(now) : "none"}. ` +
                    "Stop or disconnect them, or set disconnectContainersOnDelete: true",
            );
        }
        throw error;
    }
}
