import type * as pulumi from "@pulumi/pulumi";
import { DEFAULT_API_VERSION } from "../docker/connection";
import type { DockerEngine, EngineInfo } from "../docker/engine";
import { EngineError } from "../docker/errors";
import { checkEngine } from "../docker/preflight";
import { claimHostNatConfig, setPendingNatChange } from "../host/claims";
import { engineFor } from "../host/engines";
import type { HostFacts } from "../host/facts";
import { forgetHostFacts, hostOperations, readHostFacts } from "../host/powershell";
import type { HostSpec } from "../host/spec";
import { normalizeCidr } from "../model/cidr";
import { FailureList, formatFailures } from "../model/failures";
import {
    BRIDGE_NONE,
    checkHostNatConfig,
    checkPrefixAgainstHost,
    checkRemovalsAllowed,
    currentDaemonValues,
    DEFAULT_NAT_NAME,
    desiredDaemonValues,
    type HostNatConfigInputs,
    type HostNatPlan,
    type HostNatState,
    type ManagedDaemonValues,
    planHostNat,
} from "../model/hostNatConfig";
import { type HostAddressFact, natLayout } from "../model/nat";
import { RunnerError } from "../powershell/runner";
import type { ObservedNetwork } from "../model/networkInspect";
import {
    type ApplyHostNatConfigInput,
    hostNatConfigTimeoutMs,
    type JsonValue,
} from "../powershell/operations";
import { containsUnknown } from "../model/unknown";
import { pickDefined, plainJson, warn } from "./common";
import { readHostView } from "./hostView";

/** The inputs echoed back plus what the host reports and what delete restores. */
export interface HostNatConfigOutputs extends HostNatConfigInputs {
    /** Path of daemon.json on the host. */
    daemonJsonPath: string;
    /** Subnet of the default `nat` network now; absent when there is none. */
    defaultNetworkSubnet?: string;
    /** Names of the networks the last apply removed. */
    removedNetworks: string[];
    /** The managed daemon.json values before the first apply, which delete writes back. */
    previous: ManagedDaemonValues;
}

const INPUT_KEYS: (keyof HostNatConfigInputs)[] = [
    "host",
    "fixedCidr",
    "defaultNatNetwork",
    "allowRemoveNetworks",
    "allowDetachContainers",
    "restartTimeoutSeconds",
];

export const hostNatConfigProvider: pulumi.dynamic.ResourceProvider = {
    check,
    diff,
    create,
    read,
    update,
    delete: remove,
};

/**
 * Validates inputs and, when the host responds, works out what applying would do. Check rejects
 * a plan that removes networks or detaches containers the user did not name, and a new prefix
 * that covers a host address or a network that stays.
 */
async function check(
    _olds: Record<string, unknown>,
    news: Record<string, unknown>,
): Promise<pulumi.dynamic.CheckResult> {
    const { inputs, failures, warnings } = checkHostNatConfig(news);
    warnings.forEach((message) => warn(message));
    for (const key of Object.keys(news)) {
        if (!KNOWN_KEYS.has(key)) {
            failures.add(
                key,
                "is not a HostNatConfig setting; use fixedCidr, defaultNatNetwork, allowRemoveNetworks, " +
                    "allowDetachContainers or restartTimeoutSeconds",
            );
        }
    }
    if (failures.empty && !containsUnknown(inputs)) {
        const typed = inputs as unknown as HostNatConfigInputs;
        const other = claimHostNatConfig(typed.host.docker.url, String(news.owner ?? ""));
        if (other !== undefined) {
            failures.add(
                "host",
                `host ${typed.host.name} is also configured by ${other}; one HostNatConfig per host, ` +
                    "because each would restart docker and record the other's values as the ones to restore",
            );
            return { inputs: plainJson(inputs), failures: failures.items };
        }
        const view = await readHostView(typed.host, subjectOf(typed.host), failures, { wantFacts: true });
        if (view?.facts) {
            checkDaemonFile(view.facts, typed.host.name, failures);
        }
        if (view) {
            const apiVersion = typed.host.docker.apiVersion ?? DEFAULT_API_VERSION;
            checkEngine(view.info, view.engine.hostName, { driver: "nat", apiVersion }, failures);
        }
        if (view?.facts && failures.empty) {
            const networks = await withEndpoints(view.engine, view.networks);
            const plan = addPlanFailures(
                typed,
                desiredDaemonValues(typed),
                planInput(view.engine.hostName, view.info, view.facts, networks),
                failures,
            );
            setPendingNatChange(typed.host.docker.url, !plan.noop);
        }
    }
    return { inputs: plainJson(inputs), failures: failures.items };
}

/** Settings check accepts: the inputs, the owner the resource class adds, and the serialized provider. */
const KNOWN_KEYS = new Set<string>([...INPUT_KEYS, "owner", "__provider"]);

/**
 * Adds a failure when daemon.json on the host cannot be read as a JSON object: applying would
 * restart docker, which fails to start with such a file whatever this resource writes.
 */
function checkDaemonFile(facts: HostFacts, hostName: string, failures: FailureList): void {
    const { content, settings, path } = facts.daemonJson;
    if (content !== null && content.trim() !== "" && settings === undefined) {
        failures.add(
            "host",
            `daemon.json at ${path} on host ${hostName} is not a valid JSON object, so docker would not start after ` +
                "the change; fix the file on the host first (the provider does not rewrite a file it cannot read)",
        );
    }
}

function subjectOf(host: HostSpec): string {
    return `HostNatConfig of host ${host.name}`;
}

/** The host as a plan sees it, and the host addresses a new prefix must stay clear of. */
interface PlanInput {
    state: HostNatState;
    hostAddresses: HostAddressFact[];
}

/**
 * Builds the plan's view of the host from one NAT layout. `daemonSettings` replaces the daemon.json
 * in the facts when apply has just read the file again (null: no file).
 */
function planInput(
    hostName: string,
    info: EngineInfo,
    facts: HostFacts,
    networks: ObservedNetwork[],
    daemonSettings?: Record<string, unknown> | null,
): PlanInput {
    const layout = natLayout({ hostName, info, networks, facts });
    const state: HostNatState = {
        hostName,
        daemonSettings:
            daemonSettings === undefined ? facts.daemonJson.settings : (daemonSettings ?? undefined),
        networks,
        winNatGeneration: layout.generation === "winnat",
        winNatPrefix: layout.winNat?.prefix,
    };
    return { state, hostAddresses: layout.hostAddresses };
}

function addPlanFailures(
    inputs: HostNatConfigInputs,
    wanted: ManagedDaemonValues,
    { state, hostAddresses }: PlanInput,
    failures: FailureList,
): HostNatPlan {
    const plan = planHostNat(state, wanted);
    checkRemovalsAllowed(plan, inputs, state.hostName, failures);
    if (typeof wanted.fixedCidr === "string") {
        checkPrefixAgainstHost(
            wanted.fixedCidr,
            plan,
            state.networks,
            hostAddresses,
            state.hostName,
            failures,
            state.winNatGeneration,
        );
    }
    return plan;
}

/** Compares states; every change is an update, because the resource is the host's configuration, not an object on it. */
async function diff(
    _id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
): Promise<pulumi.dynamic.DiffResult> {
    const changed = INPUT_KEYS.filter(
        (key) =>
            containsUnknown(news[key]) ||
            JSON.stringify(comparable(key, olds[key])) !== JSON.stringify(comparable(key, news[key])),
    );
    // A changed connection setting (a new DNS name, npipe:// for an agent on the host) is most
    // often the same host, so it is an update. A replace would restore the old values after the
    // new resource applied its own, on the same daemon.json.
    return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
}

function comparable(key: string, value: unknown): unknown {
    if (key === "fixedCidr" && typeof value === "string") {
        return normalizeCidr(value)?.cidr ?? value;
    }
    if (key === "defaultNatNetwork") {
        return value ?? true;
    }
    return value ?? null;
}

async function create(raw: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
    const inputs = validated(raw);
    const before = await readDaemon(inputs.host);
    const outputs = await apply(inputs, desiredDaemonValues(inputs), currentDaemonValues(before.settings));
    return { id: `${inputs.host.name}:daemon-nat`, outs: plainJson(outputs) };
}

async function update(
    _id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
): Promise<pulumi.dynamic.UpdateResult> {
    const inputs = validated(news);
    const previous = (olds as unknown as HostNatConfigOutputs).previous ?? { fixedCidr: null, bridge: null };
    return { outs: plainJson(await apply(inputs, desiredDaemonValues(inputs), previous)) };
}

/** Writes back the daemon.json values the host had before this resource, by the same procedure. */
async function remove(_id: string, props: Record<string, unknown>): Promise<void> {
    const stored = props as unknown as HostNatConfigOutputs;
    const inputs = validated(stored as unknown as Record<string, unknown>);
    await apply(inputs, stored.previous ?? { fixedCidr: null, bridge: null }, stored.previous);
}

function validated(raw: Record<string, unknown>): HostNatConfigInputs {
    const { inputs, failures } = checkHostNatConfig(raw);
    if (!failures.empty) {
        throw new Error(`HostNatConfig has invalid inputs:\n${formatFailures(failures.items)}`);
    }
    return inputs as unknown as HostNatConfigInputs;
}

interface DaemonFile {
    path: string;
    settings: Record<string, unknown> | undefined;
}

async function readDaemon(host: HostSpec): Promise<DaemonFile> {
    const file = await hostOperations(host).run("read-daemon-json", {});
    if (!file.exists || file.content === null || file.content.trim() === "") {
        return { path: file.path, settings: undefined };
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(file.content);
    } catch (error) {
        // Node's parse message quotes the text around the error, which can hold a registry
        // password, so only the position is reported.
        const position = /position (\d+)/.exec((error as Error).message)?.[1];
        const where = position === undefined ? "" : ` at character ${position}`;
        throw new Error(
            `daemon.json at ${file.path} on host ${host.name} is not valid JSON${where}; ` +
                "fix the file by hand, since the provider does not rewrite a file it cannot read",
        );
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new Error(
            `daemon.json at ${file.path} on host ${host.name} does not hold a JSON object; fix it by hand`,
        );
    }
    return { path: file.path, settings: parsed as Record<string, unknown> };
}

/**
 * Applies `wanted` by the documented procedure, after checking the plan against the host as it is
 * now. Networks other than the default one are removed through the engine first, because an
 * engine that re-creates missing NAT networks at start would bring them back. Then one script on
 * the host stops docker, removes the default network from HNS, edits daemon.json, starts docker,
 * and rolls the file back if the service does not come up. Last, the engine's networks are checked.
 */
async function apply(
    inputs: HostNatConfigInputs,
    wanted: ManagedDaemonValues,
    previous: ManagedDaemonValues,
): Promise<HostNatConfigOutputs> {
    const host = inputs.host;
    forgetHostFacts(host);
    const engine = await engineFor(host);
    const [facts, daemon] = await Promise.all([readHostFacts(host), readDaemon(host)]);
    const listed = await engine.listNetworks().catch((error: unknown) => {
        throw explainStoppedDocker(error, facts, engine.hostName);
    });
    const networks = await withEndpoints(engine, listed);
    const hostName = engine.hostName;
    const hostView = planInput(hostName, await engine.info(), facts, networks, daemon.settings ?? null);
    const failures = new FailureList();
    const plan = addPlanFailures(inputs, wanted, hostView, failures);
    if (!failures.empty) {
        throw new Error(
            `HostNatConfig of host ${hostName} cannot be applied:\n${formatFailures(failures.items)}`,
        );
    }
    if (!plan.noop) {
        await removeThroughEngine(engine, plan);
        const defaultRemoval = plan.removals.find((removal) => removal.name === DEFAULT_NAT_NAME);
        const input: ApplyHostNatConfigInput = {
            set: plan.set as Record<string, JsonValue>,
            remove: plan.remove,
            removeHnsNetworks:
                defaultRemoval?.hnsId === undefined
                    ? []
                    : [{ id: defaultRemoval.hnsId, name: DEFAULT_NAT_NAME }],
            timeoutSeconds: inputs.restartTimeoutSeconds,
        };
        try {
            await hostOperations(host).run("apply-host-nat-config", input, {
                timeoutMs: hostNatConfigTimeoutMs(input),
            });
        } catch (error) {
            forgetHostFacts(host);
            throw lostDuringApply(error, hostName);
        }
        forgetHostFacts(host);
    }
    setPendingNatChange(host.docker.url, false);
    const after = await engine.listNetworks();
    const defaultNat = after.find((network) => network.name === DEFAULT_NAT_NAME && network.driver === "nat");
    verify(hostName, wanted, defaultNat);
    const outputs: HostNatConfigOutputs = {
        ...pickInputs(inputs),
        daemonJsonPath: daemon.path,
        removedNetworks: plan.removals.map((removal) => removal.name),
        previous,
    };
    if (defaultNat?.subnet !== undefined) {
        outputs.defaultNetworkSubnet = defaultNat.subnet;
    }
    return outputs;
}

/**
 * Returns the networks with their attached containers. The engine's network list leaves
 * `Containers` empty from API 1.28 on, and only inspecting a network lists them.
 */
async function withEndpoints(engine: DockerEngine, networks: ObservedNetwork[]): Promise<ObservedNetwork[]> {
    return Promise.all(
        networks.map(async (network) =>
            network.driver === "nat" ? ((await engine.inspectNetwork(network.id)) ?? network) : network,
        ),
    );
}

/**
 * Explains an unreachable engine whose service the host reports stopped, as an interrupted change
 * can leave it: the provider reads the networks through the engine before it changes anything.
 */
function explainStoppedDocker(error: unknown, facts: HostFacts, hostName: string): unknown {
    if (!EngineError.is(error, "unreachable") || facts.services.docker?.status !== "stopped") {
        return error;
    }
    return new Error(
        `the docker service is stopped on host ${hostName}, so its networks cannot be read before the change. ` +
            "Start it with Start-Service docker (and check the Application event log, source docker, if it does not start), " +
            "then run the update again",
    );
}

/**
 * Adds what to do to a transport failure that came after the script started: over SSH and local
 * runners the script ends with the connection, possibly between stopping and starting docker.
 */
function lostDuringApply(error: unknown, hostName: string): unknown {
    if (!RunnerError.isInstance(error) || !error.scriptMayHaveRun) {
        return error;
    }
    return new Error(
        `the PowerShell channel to host ${hostName} failed while it changed the NAT configuration (${error.message}). ` +
            "The docker service may be stopped there: check it with Get-Service docker, start it with " +
            "Start-Service docker, then run `pulumi refresh` to see daemon.json as it is",
    );
}

/** Disconnects the allowed containers and removes the networks other than the default one. */
async function removeThroughEngine(engine: DockerEngine, plan: HostNatPlan): Promise<void> {
    for (const removal of plan.removals) {
        if (removal.name === DEFAULT_NAT_NAME) {
            continue;
        }
        const listed = await engine.findNetworkByName(removal.name);
        const network = listed && (await engine.inspectNetwork(listed.id));
        if (!network) {
            continue;
        }
        for (const endpoint of network.endpoints) {
            await engine.disconnectContainer(network.id, endpoint.containerId, `"${removal.name}"`);
        }
        await engine.removeNetwork(network.id, `"${removal.name}"`);
    }
}

function verify(
    hostName: string,
    wanted: ManagedDaemonValues,
    defaultNat: ObservedNetwork | undefined,
): void {
    const problem =
        wanted.bridge === BRIDGE_NONE
            ? defaultNat
                ? `the default nat network still exists (${defaultNat.subnet ?? "subnet not reported"})`
                : undefined
            : !defaultNat
              ? "the engine did not create the default nat network"
              : typeof wanted.fixedCidr === "string" &&
                  defaultNat.subnet !== undefined &&
                  normalizeCidr(defaultNat.subnet)?.cidr !== normalizeCidr(wanted.fixedCidr)?.cidr
                ? `the default nat network has ${defaultNat.subnet}, not ${wanted.fixedCidr}`
                : undefined;
    if (problem !== undefined) {
        throw new Error(
            `daemon.json on host ${hostName} was changed and docker restarted, but ${problem}. ` +
                "Check the engine's log on the host; run `pulumi refresh` to see the host as it is",
        );
    }
}

/**
 * Reports the host's configuration as it is: the managed daemon.json values, and the live default
 * network where it contradicts the file (daemon.json edited but docker not restarted, or the
 * network removed by hand), so that either shows as drift.
 */
async function read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
    const stored = props as unknown as HostNatConfigOutputs;
    const engine = await engineFor(stored.host);
    const [daemon, networks] = await Promise.all([readDaemon(stored.host), engine.listNetworks()]);
    const values = currentDaemonValues(daemon.settings);
    const defaultNat = networks.find(
        (network) => network.name === DEFAULT_NAT_NAME && network.driver === "nat",
    );
    const next: HostNatConfigOutputs = { ...stored, daemonJsonPath: daemon.path };
    // When the file and the engine disagree (the file was edited but docker not restarted, or the
    // network was removed by hand), the stored value is reported flipped so that it shows as drift.
    const fileEnabled = values.bridge !== BRIDGE_NONE;
    next.defaultNatNetwork =
        fileEnabled === (defaultNat !== undefined) ? fileEnabled : !stored.defaultNatNetwork;
    delete next.fixedCidr;
    if (typeof values.fixedCidr === "string") {
        // An edited file shows as itself. While the file still has the stored value, a default
        // network on another subnet (moved by hand) is reported instead, so either shows as drift.
        const canonical = (cidr: unknown) =>
            typeof cidr === "string" ? (normalizeCidr(cidr)?.cidr ?? cidr) : undefined;
        const fileMatchesStored = canonical(values.fixedCidr) === canonical(stored.fixedCidr);
        next.fixedCidr =
            fileMatchesStored &&
            defaultNat?.subnet !== undefined &&
            canonical(defaultNat.subnet) !== canonical(values.fixedCidr)
                ? defaultNat.subnet
                : values.fixedCidr;
    }
    delete next.defaultNetworkSubnet;
    if (defaultNat?.subnet !== undefined) {
        next.defaultNetworkSubnet = defaultNat.subnet;
    }
    return { id, props: plainJson(next), inputs: plainJson(pickInputs(next)) };
}

function pickInputs(source: HostNatConfigInputs): HostNatConfigInputs {
    return pickDefined(source, INPUT_KEYS);
}
