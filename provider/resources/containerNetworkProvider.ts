import type * as pulumi from "@pulumi/pulumi";
import { DEFAULT_API_VERSION } from "../docker/connection";
import type { DockerEngine, EngineInfo } from "../docker/engine";
import { EngineError } from "../docker/errors";
import { checkEngine, checkNetworkLayout } from "../docker/preflight";
import { MaterialError } from "../host/config";
import { claimNetwork } from "../host/claims";
import { engineFor } from "../host/engines";
import {
    checkContainerNetwork,
    ContainerNetworkInputs,
    MANAGED_BY_VALUE,
    OwnerLabel,
} from "../model/containerNetwork";
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
    const known = (value: unknown) => !containsUnknown(value);
    if (failures.empty && known(inputs.host) && known(inputs.name) && known(inputs.driver)) {
        // A subnet that is not known yet is left out of the rules that compare subnets.
        const subnet = known(inputs.subnet) ? inputs.subnet : undefined;
        const typed = { ...inputs, subnet } as unknown as ContainerNetworkInputs;
        checkSiblings(typed, failures);
        await checkAgainstEngine(typed, failures);
    }
    return { inputs: plainJson(inputs), failures: failures.items };
}

/** Reports resources checked in the same operation that declare the same name or overlapping subnets. */
function checkSiblings(inputs: ContainerNetworkInputs, failures: FailureList): void {
    const conflicts = claimNetwork(inputs.host.docker.url, {
        owner: inputs.owner,
        name: inputs.name,
        subnet: inputs.subnet,
    });
    if (conflicts.sameName !== undefined) {
        failures.add(
            "name",
            `"${inputs.name}" is also declared by ${conflicts.sameName} for host ${inputs.host.name}; ` +
                "network names are unique on a host, so give each resource its own name",
        );
    }
    for (const other of conflicts.overlapping) {
        failures.add(
            "subnet",
            `${inputs.subnet} overlaps ${other.subnet}, which ${other.owner} declares for host ${inputs.host.name}; ` +
                "give each network its own subnet",
        );
    }
}

async function checkAgainstEngine(inputs: ContainerNetworkInputs, failures: FailureList): Promise<void> {
    try {
        const engine = await engineFor(withTimeout(inputs, CHECK_FACTS_TIMEOUT_MS));
        await addEngineFailures(inputs, engine, failures);
    } catch (error) {
        if (error instanceof MaterialError) {
            failures.add(error.setting, error.reason);
        } else if (EngineError.is(error, "untrusted")) {
            failures.add("host.docker.tls", error.message);
        } else if (EngineError.is(error, "unreachable") || EngineError.is(error, "timeout")) {
            warn(
                `network "${inputs.name}": ${error.message}. Continuing without the host's facts; create checks them again before changing anything.`,
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

/** Adds the failures that depend on what the engine offers and on the networks it already has. */
async function addEngineFailures(
    inputs: ContainerNetworkInputs,
    engine: DockerEngine,
    failures: FailureList,
): Promise<void> {
    const info = await engine.info();
    const apiVersion = inputs.host.docker.apiVersion ?? DEFAULT_API_VERSION;
    checkEngine(
        info,
        engine.hostName,
        { driver: inputs.driver, windows: inputs.windows, apiVersion },
        failures,
    );
    if (failures.empty) {
        const planned = { name: inputs.name, driver: inputs.driver, subnet: inputs.subnet };
        checkNetworkLayout(info, engine.hostName, planned, await engine.listNetworks(), failures);
    }
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
        const taken = await takeOverExisting(engine, inputs, existing, info);
        if (taken) {
            return { id: existing.id, outs: plainJson(taken) };
        }
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
        await addEngineFailures(typed, await engineFor(typed.host), failures);
    }
    if (!failures.empty) {
        throw new Error(
            `network "${String(raw.name)}" has invalid inputs:\n${formatFailures(failures.items)}`,
        );
    }
    return typed;
}

/**
 * Decides what to do with a network that already has the requested name. Returns the outputs when
 * the network is taken over, or undefined when it was removed so that create makes a new one.
 * A network is never taken from another pulumi-wcn resource, even with `adopt`, because two
 * resources managing one network would delete it under each other.
 */
async function takeOverExisting(
    engine: DockerEngine,
    inputs: ContainerNetworkInputs,
    existing: ObservedNetwork,
    info: EngineInfo,
): Promise<NetworkOutputs | undefined> {
    const where = `network "${inputs.name}" on host ${engine.hostName} (id ${existing.id.slice(0, 12)})`;
    const owner = ownerOf(existing);
    if (owner === inputs.owner) {
        return reuseLeftover(engine, inputs, existing, info, where);
    }
    if (owner !== undefined) {
        throw new Error(
            `${where} belongs to another pulumi-wcn resource, ${owner}. Two resources cannot manage one network: ` +
                "give this one another name, or remove the network from the other stack first",
        );
    }
    if (!inputs.adopt) {
        throw new Error(
            `${where} already exists and was not created by pulumi-wcn. ` +
                "Set adopt: true to take it over, or choose another name",
        );
    }
    const differences = compareForAdoption(inputs, existing);
    if (differences.length > 0) {
        throw new Error(
            `${where} cannot be adopted because it differs:\n` +
                differences.map((line) => `  - ${line}`).join("\n") +
                "\nChange the inputs to match it, or remove the network on the host first",
        );
    }
    return networkOutputs(inputs, existing, info, true);
}

/**
 * Handles a network this resource created in a run that did not finish (the owner label matches,
 * but the stack has no record of it). A matching one is kept; one that differs is removed so that
 * create makes it again, unless containers are attached.
 */
async function reuseLeftover(
    engine: DockerEngine,
    inputs: ContainerNetworkInputs,
    existing: ObservedNetwork,
    info: EngineInfo,
    where: string,
): Promise<NetworkOutputs | undefined> {
    const differences = compareForAdoption(inputs, existing);
    if (differences.length === 0) {
        return networkOutputs(inputs, existing, info, false);
    }
    if (existing.endpoints.length > 0) {
        throw new Error(
            `${where} is left over from an earlier run of this resource and differs (${differences.join("; ")}), ` +
                `but containers are attached: ${describeAttachments(existing)}. Disconnect them and run again`,
        );
    }
    warn(
        `${where} is left over from an earlier run of this resource and differs (${differences.join("; ")}); replacing it`,
    );
    await engine.removeNetwork(existing.id, `"${inputs.name}"`);
    return undefined;
}

function ownerOf(network: ObservedNetwork): string | undefined {
    return network.labels[OwnerLabel.managedBy] === MANAGED_BY_VALUE
        ? network.labels[OwnerLabel.owner]
        : undefined;
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
