import type { HostAdapter, HostFacts, VmSwitch } from "../host/facts";
import type { HnsNetwork } from "../host/hns";
import type { HostSpec } from "../host/spec";
import { FailureList } from "./failures";
import { validateHostSpec } from "./hostSpec";
import type { ObservedNetwork } from "./networkInspect";
import { containsUnknown } from "./unknown";

/** Name of the internal switch Docker's NAT networks use; a binding must not take it. */
export const NAT_SWITCH_NAME = "nat";

/** The Hyper-V parent of a container host that is a virtual machine. */
export interface NestedHostInputs {
    parent: HostSpec;
    vmName: string;
}

/** The inputs of a VSwitchBinding after check filled in defaults. */
export interface VSwitchBindingInputs {
    host: HostSpec;
    switchName: string;
    adapterNames: string[];
    allowManagementOS: boolean;
    adopt: boolean;
    removeAdoptedOnDelete: boolean;
    confirmManagementCutoff?: string;
    nestedHost?: NestedHostInputs;
    /**
     * `project/stack/name` of the resource, which the resource class adds. Create writes it into
     * the switch's Notes, so that a later run recognises a switch an interrupted run created.
     */
    owner?: string;
}

export const VSWITCH_BINDING_INPUT_KEYS: (keyof VSwitchBindingInputs)[] = [
    "host",
    "switchName",
    "adapterNames",
    "allowManagementOS",
    "adopt",
    "removeAdoptedOnDelete",
    "confirmManagementCutoff",
    "nestedHost",
];

const BOOLEAN_KEYS = ["allowManagementOS", "adopt", "removeAdoptedOnDelete"] as const;

/** Returns the inputs with defaults filled in, and every failure that needs no host. */
export function checkVSwitchBindingInputs(raw: Record<string, unknown>): {
    inputs: Record<string, unknown>;
    failures: FailureList;
} {
    const failures = new FailureList();
    const inputs: Record<string, unknown> = { ...raw };
    inputs.allowManagementOS = raw.allowManagementOS ?? true;
    inputs.adopt = raw.adopt ?? false;
    inputs.removeAdoptedOnDelete = raw.removeAdoptedOnDelete ?? false;

    validateHostSpec(raw.host, failures);
    requirePowerShell(raw.host, "host", failures);
    validateSwitchName(raw.switchName, failures);
    validateAdapterNames(raw.adapterNames, failures);
    for (const key of BOOLEAN_KEYS) {
        const value = inputs[key];
        if (!containsUnknown(value) && typeof value !== "boolean") {
            failures.add(key, `${JSON.stringify(value)} is not a boolean; use true or false`);
        }
    }
    validateConfirmation(raw.confirmManagementCutoff, raw.switchName, failures);
    validateNestedHost(raw.nestedHost, failures);
    return { inputs, failures };
}

function validateSwitchName(value: unknown, failures: FailureList): void {
    if (containsUnknown(value)) {
        return;
    }
    if (value !== undefined && value !== null && typeof value !== "string") {
        failures.add(
            "switchName",
            `${JSON.stringify(value)} is not a string; set it to the name of the external switch, for example "ext-lan"`,
        );
        return;
    }
    if (typeof value !== "string" || value.trim() === "") {
        failures.add("switchName", 'is required: the name of the external switch, for example "ext-lan"');
        return;
    }
    if (value !== value.trim()) {
        failures.add(
            "switchName",
            `${JSON.stringify(value)} starts or ends with a space; Hyper-V keeps the spaces, so remove them`,
        );
    }
    if (value.trim().toLowerCase() === NAT_SWITCH_NAME) {
        failures.add(
            "switchName",
            `"${value}" is the internal switch of Docker's NAT networks; choose another name, for example "ext-lan"`,
        );
    }
}

function validateAdapterNames(value: unknown, failures: FailureList): void {
    if (containsUnknown(value)) {
        return;
    }
    if (value !== undefined && value !== null && !Array.isArray(value)) {
        const example =
            typeof value === "string" && value.trim() !== "" ? JSON.stringify([value]) : '["Ethernet 2"]';
        failures.add(
            "adapterNames",
            `${JSON.stringify(value)} is not a list; adapterNames must be a list of Get-NetAdapter names, such as ${example}`,
        );
        return;
    }
    if (!Array.isArray(value) || value.length === 0) {
        failures.add(
            "adapterNames",
            'is required: one or more physical wired adapters by Get-NetAdapter name, for example ["Ethernet 2"]',
        );
        return;
    }
    const seen = new Map<string, number>();
    value.forEach((name, index) => {
        if (containsUnknown(name)) {
            return;
        }
        if (typeof name !== "string" || name.trim() === "") {
            failures.add(`adapterNames[${index}]`, `${JSON.stringify(name)} is not an adapter name`);
            return;
        }
        const key = name.toLowerCase();
        const first = seen.get(key);
        if (first !== undefined) {
            failures.add(
                `adapterNames[${index}]`,
                `"${name}" is listed twice (also adapterNames[${first}]); Windows adapter names ignore case, so list each adapter once`,
            );
        } else {
            seen.set(key, index);
        }
    });
}

function validateConfirmation(value: unknown, switchName: unknown, failures: FailureList): void {
    if (value === undefined || containsUnknown(value) || containsUnknown(switchName)) {
        return;
    }
    if (typeof value !== "string" || value !== switchName) {
        failures.add(
            "confirmManagementCutoff",
            `${JSON.stringify(value)} does not equal switchName ${JSON.stringify(switchName)}; set it to the switch name ` +
                "to confirm turning off management OS access on the adapter the provider reaches the host through, or remove it",
        );
    }
}

function validateNestedHost(value: unknown, failures: FailureList): void {
    if (value === undefined || containsUnknown(value)) {
        return;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        failures.add(
            "nestedHost",
            "must be an object { parent, vmName }: the Hyper-V host that runs this host's VM and the VM's name, for example { parent: hyperv01, vmName: \"web-01\" }",
        );
        return;
    }
    const nested = value as Record<string, unknown>;
    for (const key of Object.keys(nested)) {
        if (key !== "parent" && key !== "vmName") {
            failures.add(`nestedHost.${key}`, "is not a setting of nestedHost; use parent and vmName");
        }
    }
    const parentFailures = new FailureList();
    validateHostSpec(nested.parent, parentFailures);
    requirePowerShell(nested.parent, "host", parentFailures);
    for (const failure of parentFailures.items) {
        failures.add(failure.property.replace(/^host/, "nestedHost.parent"), failure.reason);
    }
    if (
        !containsUnknown(nested.vmName) &&
        (typeof nested.vmName !== "string" || nested.vmName.trim() === "")
    ) {
        failures.add(
            "nestedHost.vmName",
            "is required: the name of this host's virtual machine on the parent, as Get-VM lists it",
        );
    }
}

/** Adds a failure when a host has no PowerShell channel, which switch changes need. */
function requirePowerShell(host: unknown, path: string, failures: FailureList): void {
    if (host === null || typeof host !== "object" || containsUnknown(host)) {
        return;
    }
    const spec = host as Partial<HostSpec>;
    if (
        spec.powershell === undefined &&
        typeof spec.docker?.url === "string" &&
        !spec.docker.url.startsWith("sim:")
    ) {
        failures.add(
            `${path}.powershell`,
            "is required: Hyper-V switches are changed through PowerShell on the host; set it, for example " +
                '{ transport: "winrm", endpoint: "https://web-01:5986/wsman", auth: "ntlm", username: "wcn", passwordConfigKey: "web01Password" }',
        );
    }
}

/**
 * Action create takes with the switch: make a new one, adopt an existing one, or resume. `resume`
 * takes over a matching switch whose Notes carry this binding's owner marker, as if create had
 * made it, because an interrupted create leaves such a switch behind.
 */
export type BindingAction = "create" | "adopt" | "resume";

const OWNER_MARKER_PREFIX = "Managed by pulumi-wcn for ";

/** Returns the text create writes into a new switch's Notes for `owner` (`project/stack/name`). */
export function ownerMarker(owner: string): string {
    return `${OWNER_MARKER_PREFIX}${owner}`;
}

/**
 * Returns the owner that a switch's Notes name in an owner marker, or undefined when no line of
 * the Notes is a marker. Other lines, such as notes an administrator added, are ignored.
 */
export function markedOwner(notes: string | undefined): string | undefined {
    for (const line of (notes ?? "").split(/\r?\n/)) {
        const text = line.trim();
        if (text.startsWith(OWNER_MARKER_PREFIX)) {
            const owner = text.slice(OWNER_MARKER_PREFIX.length).trim();
            if (owner !== "") {
                return owner;
            }
        }
    }
    return undefined;
}

/** The result of checking a binding against the host. */
export interface BindingPlan {
    action: BindingAction;
    /** The switch of that name on the host, when there is one. */
    existing?: VmSwitch;
}

/** Addresses the provider reaches the host at, as the management cutoff rule uses them. */
export interface ManagementView {
    /** IPv4 addresses; empty when unknown, and then every address on the adapter counts. */
    addresses: string[];
    /** Origin of the addresses, for messages. */
    source: string;
}

/**
 * Checks a new binding against the host's facts. Each adapter must exist, be a physical wired
 * adapter and be free of other external switches. A switch of that name is adopted only with
 * `adopt` and only when it matches. A new switch without management OS access must not cut off
 * the management address. Adds a failure for each problem and returns what create would do.
 * With `dockerNetworks`, the message about an existing switch also reports whether Docker lists a
 * network for it.
 */
export function checkBindingAgainstHost(
    inputs: VSwitchBindingInputs,
    facts: HostFacts,
    management: ManagementView,
    hostName: string,
    failures: FailureList,
    dockerNetworks?: ObservedNetwork[],
): BindingPlan {
    const existing = findSwitch(facts, inputs.switchName);
    let plan: BindingPlan = { action: "create" };
    if (existing !== undefined) {
        const docker = dockerNetworks === undefined ? undefined : { facts, dockerNetworks };
        plan = { action: checkExistingSwitch(inputs, existing, hostName, failures, docker), existing };
    }
    inputs.adapterNames.forEach((name, index) => {
        checkAdapter(inputs, facts, name, `adapterNames[${index}]`, hostName, failures);
    });
    if (plan.action === "create" && !inputs.allowManagementOS) {
        checkManagementCutoff(inputs, facts, management, hostName, failures);
    }
    return plan;
}

/** Returns the switch named `name` (Hyper-V switch names ignore case), if the host has one. */
export function findSwitch(facts: HostFacts, name: string): VmSwitch | undefined {
    return facts.vmSwitches.find((vmSwitch) => vmSwitch.name.toLowerCase() === name.toLowerCase());
}

/**
 * Checks a switch that has the binding's name and returns what create does with it. Without
 * `adopt`, a switch whose Notes carry this binding's owner marker and that matches the inputs is
 * resumed, and any other switch is a failure. With `adopt`, the switch must match the inputs.
 */
function checkExistingSwitch(
    inputs: VSwitchBindingInputs,
    existing: VmSwitch,
    hostName: string,
    failures: FailureList,
    docker?: { facts: HostFacts; dockerNetworks: ObservedNetwork[] },
): "adopt" | "resume" {
    const summary = describeSwitch(existing);
    const differences = switchDifferences(inputs, existing);

    const marked = markedOwner(existing.notes);
    if (inputs.adopt) {
        if (differences.length > 0) {
            failures.add(
                "adopt",
                `switch "${existing.name}" on host ${hostName} does not match the inputs, so it cannot be adopted: ` +
                    `${differences.join("; ")}. Change the inputs to match the switch, or choose another switchName`,
            );
        }
        // Another stack's destroy removes that switch; removing it from here too would take it
        // away under the other stack's networks.
        if (inputs.removeAdoptedOnDelete && marked !== undefined && marked !== inputs.owner) {
            failures.add(
                "removeAdoptedOnDelete",
                `switch "${existing.name}" on host ${hostName} is managed by pulumi-wcn for ${marked}, as its Notes say, ` +
                    "so this binding may adopt it but not remove it; set removeAdoptedOnDelete to false",
            );
        }
        return "adopt";
    }

    if (marked !== undefined && marked === inputs.owner) {
        if (differences.length > 0) {
            failures.add(
                "switchName",
                `switch "${existing.name}" on host ${hostName} was created for this binding (${inputs.owner}) by a run ` +
                    `that did not finish, but it does not match the inputs: ${differences.join("; ")}. ` +
                    `Remove it with Remove-VMSwitch -Name "${existing.name}" -Force, or change the inputs to match it`,
            );
        }
        return "resume";
    }

    if (marked !== undefined) {
        failures.add(
            "switchName",
            `switch "${existing.name}" already exists on host ${hostName} (${summary}) and is managed by pulumi-wcn ` +
                `for ${marked}, as its Notes say; choose another switchName, or remove the switch from that stack first`,
        );
        return "adopt";
    }

    // A matching switch without an owner marker that Docker does not see is what a provider
    // version that wrote no marker leaves when the run stops between New-VMSwitch and the hns
    // and docker restart.
    const leftover =
        docker !== undefined &&
        differences.length === 0 &&
        findSwitchDockerNetwork(existing, docker.dockerNetworks, docker.facts) === undefined;
    const hint = leftover
        ? ". Docker does not list a network for it, so an interrupted run of this stack may have created it; " +
          "set adopt: true with removeAdoptedOnDelete: true to take it over and remove it on destroy"
        : "";
    failures.add(
        "switchName",
        `switch "${existing.name}" already exists on host ${hostName} (${summary}); set adopt: true to take it over, ` +
            `or choose another switchName${hint}`,
    );
    return "adopt";
}

/** Lists how a switch differs from the inputs: type, bound adapters and management OS access. */
export function switchDifferences(inputs: VSwitchBindingInputs, existing: VmSwitch): string[] {
    const differences: string[] = [];
    if (existing.switchType !== "external") {
        differences.push(`it is ${existing.switchType || "of unknown type"}, not external`);
    }
    if (!sameNames(existing.adapterNames, inputs.adapterNames)) {
        differences.push(
            `it is bound to ${formatNames(existing.adapterNames, existing.adapterDescriptions)}, not ${formatNames(inputs.adapterNames)}`,
        );
    }
    if (existing.allowManagementOS !== undefined && existing.allowManagementOS !== inputs.allowManagementOS) {
        differences.push(
            `its AllowManagementOS is ${String(existing.allowManagementOS)}, not ${String(inputs.allowManagementOS)}`,
        );
    }
    return differences;
}

function checkAdapter(
    inputs: VSwitchBindingInputs,
    facts: HostFacts,
    name: string,
    property: string,
    hostName: string,
    failures: FailureList,
): void {
    const adapter = facts.adapters.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase());
    const choices = bindableAdapterText(facts, inputs.switchName);
    if (adapter === undefined) {
        failures.add(property, `adapter "${name}" not found on host ${hostName}; ${choices}`);
        return;
    }
    const reason = notBindableReason(adapter, facts);
    if (reason !== undefined) {
        failures.add(property, `adapter "${adapter.name}" on host ${hostName} ${reason}; ${choices}`);
        return;
    }
    const owner = adapter.boundSwitch?.name;
    if (owner !== undefined && owner.toLowerCase() !== inputs.switchName.toLowerCase()) {
        failures.add(
            property,
            `adapter "${adapter.name}" on host ${hostName} is bound to external switch "${owner}", and an adapter carries ` +
                `one external switch; set switchName to "${owner}" with adopt: true to use that switch, or choose another adapter`,
        );
    }
}

/**
 * Returns why an adapter cannot carry an external switch for container networks, or undefined
 * when it can. Hyper-V rejects a host vNIC or a bridge with 0x57 and a Wi-Fi adapter with "bind
 * failed ... (0x80070490)".
 */
export function notBindableReason(adapter: HostAdapter, facts: HostFacts): string | undefined {
    switch (adapter.kind) {
        case "physical":
            return undefined;
        case "host-vnic": {
            const under = physicalUnderVnic(adapter, facts);
            const instead = under === undefined ? "" : ` (use "${under}", the physical adapter under it)`;
            return (
                `is the host vNIC of switch "${adapter.hostVnicSwitchName ?? "?"}" (${adapter.description}), not a physical adapter, ` +
                `and Hyper-V rejects it as an uplink with "The parameter is incorrect (0x57)"${instead}`
            );
        }
        case "bridge-or-team":
            return (
                `is a Network Bridge or LBFO team (${adapter.description}), which Hyper-V rejects as an uplink; ` +
                "remove the bridge or team and list its member adapters in adapterNames, which makes a SET team"
            );
        case "wifi":
            return (
                `is a Wi-Fi adapter (${adapter.description}); external switches for container networks need a wired ` +
                'adapter, and binding Wi-Fi fails with "bind failed: Element not found (0x80070490)"'
            );
        default:
            return `is a ${adapter.kind} adapter (${adapter.description}), not a physical wired adapter`;
    }
}

/** Returns the physical adapter that shares its MAC with a host vNIC, or the switch's first adapter. */
function physicalUnderVnic(vnic: HostAdapter, facts: HostFacts): string | undefined {
    const byMac = facts.adapters.find(
        (other) => other.kind === "physical" && vnic.sharesMacWith.includes(other.name),
    );
    if (byMac !== undefined) {
        return byMac.name;
    }
    const vmSwitch =
        vnic.hostVnicSwitchName === undefined ? undefined : findSwitch(facts, vnic.hostVnicSwitchName);
    return vmSwitch?.adapterNames[0];
}

/** Describes the adapters a binding could use, for messages. */
function bindableAdapterText(facts: HostFacts, switchName: string): string {
    const free = facts.adapters
        .filter(
            (adapter) =>
                adapter.kind === "physical" &&
                (adapter.boundSwitch === undefined ||
                    adapter.boundSwitch.name.toLowerCase() === switchName.toLowerCase()),
        )
        .map((adapter) => `"${adapter.name}"`);
    return free.length === 0
        ? "the host has no physical wired adapter free of external switches"
        : `physical wired adapters free of other external switches: ${free.join(", ")}`;
}

/**
 * Adds a failure when turning management OS access off on the binding's adapters would remove an
 * address the provider reaches the host at, unless `confirmManagementCutoff` names the switch.
 * The addresses are those on the adapters and on the switch's host vNIC `vEthernet (<switch>)`.
 */
export function checkManagementCutoff(
    inputs: VSwitchBindingInputs,
    facts: HostFacts,
    management: ManagementView,
    hostName: string,
    failures: FailureList,
): void {
    if (inputs.confirmManagementCutoff === inputs.switchName) {
        return;
    }
    const carriers = [...inputs.adapterNames, `vEthernet (${inputs.switchName})`].map((name) =>
        name.toLowerCase(),
    );
    const carried = facts.ipAddresses.filter((entry) =>
        carriers.includes(entry.interfaceAlias.toLowerCase()),
    );
    // An address on no adapter of the host (a public address in front of a cloud VM, NAT, a port
    // forward or a tunnel to 127.0.0.1) does not tell which adapter carries the connection.
    const onHost = management.addresses.filter((address) =>
        facts.ipAddresses.some((entry) => entry.address === address),
    );
    const known = onHost.length > 0;
    const cut = known ? carried.filter((entry) => onHost.includes(entry.address)) : carried;
    if (cut.length === 0) {
        return;
    }
    const where = cut.map((entry) => `${entry.address} on "${entry.interfaceAlias}"`).join(", ");
    let why: string;
    if (known) {
        why = `carries the management address (${where}, from ${management.source})`;
    } else if (management.addresses.length > 0) {
        why =
            `carries IPv4 addresses (${where}). The address the provider reaches the host at ` +
            `(${management.addresses.join(", ")}, from ${management.source}) is on no adapter of the host, as behind ` +
            "NAT, a port forward or a tunnel, so the provider cannot tell which adapter carries the connection. " +
            "Set host.address to the host's own address on the adapter the provider reaches it through";
    } else {
        why =
            `carries IPv4 addresses (${where}), and the provider cannot tell which address it reaches the host at; ` +
            "set host.address to that address if it is on another adapter";
    }
    failures.add(
        "allowManagementOS",
        `false on switch "${inputs.switchName}" of host ${hostName} cuts the host off, because the adapter ${why}. ` +
            `Keep allowManagementOS true, or set confirmManagementCutoff to "${inputs.switchName}" to confirm`,
    );
}

/** A switch as the Docker network lookups need it: its name and, when known, its Hyper-V id. */
export interface SwitchRef {
    name: string;
    /** Lower-case GUID. */
    id?: string;
}

/**
 * True when an HNS network is layered on the switch. The `SwitchGuid` decides when both ids are
 * known, because HNS keeps a network of a removed switch until it restarts, and a new switch can
 * have the old one's name. Otherwise the `SwitchName` decides, without case.
 */
export function isHnsNetworkOnSwitch(network: HnsNetwork, vmSwitch: SwitchRef): boolean {
    if (network.switchGuid !== undefined && vmSwitch.id !== undefined) {
        return network.switchGuid === vmSwitch.id.toLowerCase();
    }
    return network.switchName?.toLowerCase() === vmSwitch.name.toLowerCase();
}

/** True when the facts show which switch each HNS network is on, so a lookup by name is not needed. */
function factsTellSwitches(facts: HostFacts | undefined): facts is HostFacts {
    return (
        facts !== undefined &&
        facts.hnsNetworks.some(
            (network) => network.switchName !== undefined || network.switchGuid !== undefined,
        )
    );
}

/**
 * Returns the transparent Docker network that Docker shows for a switch: one whose HNS network is
 * on the switch, preferring the one named after it. Only when the facts cannot tell which switch
 * an HNS network is on does a transparent network named after the switch count.
 */
export function findSwitchDockerNetwork(
    vmSwitch: SwitchRef,
    networks: ObservedNetwork[],
    facts: HostFacts | undefined,
): ObservedNetwork | undefined {
    const named = (network: ObservedNetwork) => network.name.toLowerCase() === vmSwitch.name.toLowerCase();
    if (!factsTellSwitches(facts)) {
        return networks.find((network) => network.driver === "transparent" && named(network));
    }
    const onSwitch = networksOnSwitch(vmSwitch, networks, facts).filter(
        (network) => network.driver === "transparent",
    );
    return onSwitch.find(named) ?? onSwitch[0];
}

/** Returns the Docker networks whose HNS network is on the switch, matched through the facts' HNS networks. */
export function networksOnSwitch(
    vmSwitch: SwitchRef,
    networks: ObservedNetwork[],
    facts: HostFacts | undefined,
): ObservedNetwork[] {
    const hnsIds = new Set(
        (facts?.hnsNetworks ?? [])
            .filter((network) => isHnsNetworkOnSwitch(network, vmSwitch))
            .map((network) => network.id),
    );
    return networks.filter((network) => network.hnsId !== undefined && hnsIds.has(network.hnsId));
}

/**
 * Returns the user networks on a switch: every Docker network on it except the transparent
 * network HNS made for the switch itself, which is named after the switch and which delete
 * removes with the switch.
 */
export function userNetworksOnSwitch(
    vmSwitch: SwitchRef,
    networks: ObservedNetwork[],
    facts: HostFacts | undefined,
): ObservedNetwork[] {
    return networksOnSwitch(vmSwitch, networks, facts).filter(
        (network) =>
            !(network.driver === "transparent" && network.name.toLowerCase() === vmSwitch.name.toLowerCase()),
    );
}

/** Result of comparing old and new inputs. */
export interface BindingDiff {
    changes: boolean;
    replaces: string[];
}

/**
 * Compares old and new inputs: a new switch name, adapter set or host replaces the switch, and a
 * new allowManagementOS updates it in place. The other inputs change only the provider's state.
 * Switch names compare without case, as Hyper-V compares them.
 */
export function diffBindingInputs(olds: Record<string, unknown>, news: Record<string, unknown>): BindingDiff {
    const differs = (key: string, view: (key: string, value: unknown) => unknown) =>
        containsUnknown(news[key]) ||
        JSON.stringify(view(key, olds[key])) !== JSON.stringify(view(key, news[key]));
    // confirmManagementCutoff only permits a change that another input requests, so it changes
    // nothing by itself.
    const changed = VSWITCH_BINDING_INPUT_KEYS.filter(
        (key) => key !== "confirmManagementCutoff" && differs(key, comparable),
    );
    const replaces = ["host", "switchName", "adapterNames"].filter((key) => differs(key, identity));
    return { changes: changed.length > 0, replaces };
}

function comparable(key: string, value: unknown): unknown {
    if (key === "switchName" && typeof value === "string") {
        // Hyper-V switch names ignore case, so a case-only change leaves the switch as it is.
        return value.toLowerCase();
    }
    if (key === "adapterNames" && Array.isArray(value)) {
        // The members of a switch have no order, so a reordered list leaves the switch as it is
        // and keeps the stored order, which networks on the binding take their adapter from.
        return value.map((name) => String(name).toLowerCase()).sort();
    }
    if (key === "allowManagementOS") {
        return value ?? true;
    }
    if (key === "adopt" || key === "removeAdoptedOnDelete") {
        return value ?? false;
    }
    return value ?? null;
}

/**
 * Returns the part of an input that identifies the switch. Only the Docker URL identifies the host, so a
 * new display name or time limit updates the state without replacing the switch. Adapter names
 * ignore case and order.
 */
function identity(key: string, value: unknown): unknown {
    if (key === "adapterNames" && Array.isArray(value)) {
        return value.map((name) => String(name).toLowerCase()).sort();
    }
    if (key === "host" && value !== null && typeof value === "object") {
        return { url: (value as Partial<HostSpec>).docker?.url ?? null };
    }
    if (key === "switchName" && typeof value === "string") {
        return value.toLowerCase();
    }
    return value ?? null;
}

/** Returns true when two lists contain the same names, ignoring order and case. */
export function sameNames(left: string[], right: string[]): boolean {
    const normalize = (names: string[]) => names.map((name) => name.toLowerCase()).sort();
    return JSON.stringify(normalize(left)) === JSON.stringify(normalize(right));
}

function formatNames(names: string[], descriptions: string[] = []): string {
    if (names.length === 0) {
        return descriptions.length === 0 ? "no adapter" : descriptions.map((text) => `"${text}"`).join(", ");
    }
    return names.map((name) => `"${name}"`).join(", ");
}

/** Describes a switch for messages, for example `External on "Ethernet 2", AllowManagementOS true`. */
export function describeSwitch(vmSwitch: VmSwitch): string {
    const type = vmSwitch.switchType === "" ? "unknown type" : vmSwitch.switchType;
    const adapters = formatNames(vmSwitch.adapterNames, vmSwitch.adapterDescriptions);
    return `${type} on ${adapters}, AllowManagementOS ${String(vmSwitch.allowManagementOS ?? "unknown")}`;
}
