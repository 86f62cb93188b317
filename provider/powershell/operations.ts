import type { RawHostFacts, RawService } from "./facts";

/**
 * Typed contracts of the host operations: for each operation name, the JSON input its script
 * decodes and the JSON result it prints in a successful envelope. Each operation is the script
 * `provider/powershell/scripts/<name>.ps1`.
 */

/** Input of an operation that takes none. */
export type NoInput = Record<string, never>;

/** An HNS endpoint as `get-hns-endpoints` projects `Get-HnsEndpoint` output. */
export interface RawHnsEndpoint {
    ID: string;
    Name: string;
    /** Id of the HNS network the endpoint is on. */
    VirtualNetwork: string;
    VirtualNetworkName: string;
    /** Empty while DHCP has not given the endpoint an address. */
    IPAddress: string;
    PrefixLength: number | null;
    GatewayAddress: string;
    MacAddress: string;
    DNSServerList: string;
    DNSSuffix: string;
    /** Ids of the containers sharing the endpoint. */
    SharedContainers: string[];
}

export interface GetHnsEndpointsInput {
    /** Keeps only the endpoints of this HNS network; GUIDs match in either case. */
    networkId?: string;
}

export interface GetHnsEndpointsResult {
    endpoints: RawHnsEndpoint[];
}

export interface DaemonJsonFile {
    /** `%ProgramData%\docker\config\daemon.json` on the host. */
    path: string;
    exists: boolean;
    /** File text without a byte order mark, or null when the file does not exist. */
    content: string | null;
}

/** A JSON value as daemon.json stores it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface WriteDaemonJsonInput {
    /** Top-level keys to set; other keys keep their values and order. */
    set?: Record<string, JsonValue>;
    /** Top-level keys to remove; a key that is absent is ignored. */
    remove?: string[];
}

export interface WriteDaemonJsonResult {
    path: string;
    /** False when no value changed; the file is then left as it was, byte for byte. */
    changed: boolean;
    oldContent: string | null;
    newContent: string;
}

export interface RestartContainerServicesInput {
    /** Maximum wait for the engine to respond to GET /_ping after the restart, in seconds (default 120). */
    timeoutSeconds?: number;
}

export interface RestartContainerServicesResult {
    services: { hns: RawService | null; docker: RawService | null };
    /** Time from the restart request until the engine responded to GET /_ping, in milliseconds. */
    waitedMs: number;
}

/** Every operation: its input and result types. */
export interface OperationContracts {
    "get-host-facts": { input: NoInput; result: RawHostFacts };
    "get-hns-endpoints": { input: GetHnsEndpointsInput; result: GetHnsEndpointsResult };
    "read-daemon-json": { input: NoInput; result: DaemonJsonFile };
    "write-daemon-json": { input: WriteDaemonJsonInput; result: WriteDaemonJsonResult };
    "restart-container-services": {
        input: RestartContainerServicesInput;
        result: RestartContainerServicesResult;
    };
}

export type OperationName = keyof OperationContracts;
export type OperationInput<Name extends OperationName> = OperationContracts[Name]["input"];
export type OperationResult<Name extends OperationName> = OperationContracts[Name]["result"];

/** Names of all operations, in a stable order. */
export const OPERATION_NAMES: readonly OperationName[] = [
    "get-host-facts",
    "get-hns-endpoints",
    "read-daemon-json",
    "write-daemon-json",
    "restart-container-services",
];

/** Returns true when `name` names an operation. */
export function isOperationName(name: string): name is OperationName {
    return (OPERATION_NAMES as readonly string[]).includes(name);
}
