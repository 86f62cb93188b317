import { type Ipv4Prefix, parseIpv4Prefix } from "./ipv4";

/** Path of daemon.json on a Windows host, quoted in the engine's error text. */
export const DAEMON_JSON_PATH = "C:\\ProgramData\\Docker\\config\\daemon.json";

/**
 * Top-level daemon.json keys a Windows dockerd accepts: the json names of its command-line flags
 * and of the few settings that have no flag (`features`, `builder`, `proxies`). Keys are
 * case-sensitive, as dockerd matches them against flag names.
 * NOTE: one list for every simulated engine. Real engines differ by version: 23.0 dropped `graph`
 * and the `cluster-*` keys, and later engines added keys such as `default-network-opts`.
 */
const DAEMON_JSON_KEYS: ReadonlySet<string> = new Set([
    "allow-nondistributable-artifacts",
    "api-cors-header",
    "authorization-plugins",
    "bridge",
    "builder",
    "cluster-advertise",
    "cluster-store",
    "cluster-store-opts",
    "containerd",
    "containerd-namespace",
    "containerd-plugins-namespace",
    "data-root",
    "debug",
    "default-address-pools",
    "default-network-opts",
    "dns",
    "dns-opts",
    "dns-search",
    "exec-opts",
    "exec-root",
    "experimental",
    "features",
    "fixed-cidr",
    "graph",
    "group",
    "hosts",
    "insecure-registries",
    "labels",
    "live-restore",
    "log-driver",
    "log-format",
    "log-level",
    "log-opts",
    "max-concurrent-downloads",
    "max-concurrent-uploads",
    "max-download-attempts",
    "metrics-addr",
    "mtu",
    "network-control-plane-mtu",
    "network-diagnostic-port",
    "node-generic-resources",
    "pidfile",
    "proxies",
    "raw-logs",
    "registry-mirrors",
    "shutdown-timeout",
    "storage-driver",
    "storage-opts",
    "swarm-default-advertise-addr",
    "tls",
    "tlscacert",
    "tlscert",
    "tlskey",
    "tlsverify",
]);

/** Settings of daemon.json that decide the engine's default network on Windows. */
export interface DaemonConfig {
    /** `"bridge": "none"`: the engine creates no default `nat` network. */
    bridgeNone: boolean;
    /** `fixed-cidr`: subnet of the default `nat` network, or null to let HNS pick one. */
    fixedCidr: Ipv4Prefix | null;
}

function configurationError(detail: string): Error {
    return new Error(`unable to configure the Docker daemon with file ${DAEMON_JSON_PATH}: ${detail}`);
}

/** Go's name for the JSON type of a value, as encoding/json prints it in unmarshal errors. */
function goJsonTypeName(value: unknown): string {
    if (Array.isArray(value)) {
        return "array";
    }
    if (typeof value === "number") {
        return "number";
    }
    if (typeof value === "boolean") {
        return "bool";
    }
    return typeof value === "string" ? "string" : "object";
}

/** Returns a string setting, or null when it is missing or JSON null (Go leaves the zero value). */
function stringSetting(config: Record<string, unknown>, key: string): string | null {
    const value = config[key];
    if (value === undefined || value === null) {
        return null;
    }
    if (typeof value !== "string") {
        throw configurationError(
            `json: cannot unmarshal ${goJsonTypeName(value)} into Go struct field Config.${key} of type string`,
        );
    }
    return value;
}

/**
 * Parses daemon.json as dockerd does at start: a missing or empty file means defaults. Throws an
 * Error with dockerd's message for text that is not JSON, for a top level that is not an object,
 * for keys dockerd does not know and for `bridge` or `fixed-cidr` values that are not strings.
 */
export function parseDaemonConfig(text: string | null): DaemonConfig {
    if (text === null || text.trim() === "") {
        return { bridgeNone: false, fixedCidr: null };
    }

    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (error) {
        throw configurationError((error as Error).message);
    }

    if (parsed === null) {
        // Go decodes a JSON null into a map without error and leaves every setting at its default.
        return { bridgeNone: false, fixedCidr: null };
    }
    if (typeof parsed !== "object" || Array.isArray(parsed)) {
        throw configurationError(
            `json: cannot unmarshal ${goJsonTypeName(parsed)} into Go value of type map[string]interface {}`,
        );
    }
    const config = parsed as Record<string, unknown>;

    // dockerd lists the keys in Go map order, which varies between runs. The simulator uses file order.
    const unknownKeys = Object.keys(config).filter((key) => !DAEMON_JSON_KEYS.has(key));
    if (unknownKeys.length > 0) {
        throw configurationError(
            `the following directives don't match any configuration option: ${unknownKeys.join(", ")}`,
        );
    }

    // An empty fixed-cidr means none, as in dockerd.
    const fixedCidrText = stringSetting(config, "fixed-cidr") || null;
    const fixedCidr = fixedCidrText === null ? null : parseIpv4Prefix(fixedCidrText);
    if (fixedCidrText !== null && fixedCidr === null) {
        throw configurationError(`invalid fixed-cidr ${fixedCidrText}`);
    }
    return { bridgeNone: stringSetting(config, "bridge") === "none", fixedCidr };
}
