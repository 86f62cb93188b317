/**
 * Classification of the error envelopes that host operation scripts print when a cmdlet fails.
 * The kind comes from codes (Win32 code, HRESULT, `Windows System Error N` in a CIM error id),
 * from the FullyQualifiedErrorId and the error category, and from the operation that failed.
 * English message text is used only when the envelope carries no code and no id, because hosts
 * print messages in their display language.
 */
import {
    classifyUncodedText,
    classifyWindowsCode,
    findWindowsCode,
    parseWindowsCode,
    toWin32Code,
    type WindowsErrorClass,
} from "../model/windowsErrors";

/** The error part of a script's envelope, as the script prints it from the ErrorRecord. */
export interface PowerShellErrorEnvelope {
    /** `Exception.Message`, in the host's display language. */
    message: string;
    /** `CategoryInfo.Category`: a name such as `InvalidArgument`, or its number if the script did not project it. */
    category?: string | number | null;
    /** `Exception.HResult`, usually a signed 32-bit number. */
    hresult?: number | string | null;
    /** `NativeErrorCode` of a Win32Exception, or the Win32 code the script found. */
    win32Code?: number | string | null;
    /** For example `Windows System Error 87,New-NetNat` or `ObjectInUse,Microsoft.HyperV.PowerShell.Commands.NewVMSwitch`. */
    fullyQualifiedErrorId?: string | null;
    /** Exception type name, for example `Microsoft.Management.Infrastructure.CimException`. */
    exceptionType?: string | null;
}

/** Action of the failed operation, which decides what an ambiguous code such as 0x57 means. */
export type HostAction =
    | "create-nat"
    | "create-network"
    | "delete-network"
    | "create-endpoint"
    | "bind-switch"
    | "modify-switch"
    | "read";

/** Where the error happened, for the message and for codes whose meaning depends on the operation. */
export interface HostErrorContext {
    /** Host display name. */
    host?: string;
    /** The operation in words, for example `create network "lan"`. */
    operation?: string;
    action?: HostAction;
    /** The cmdlet that failed, read from the FullyQualifiedErrorId when not given. */
    command?: string;
    /** The uplink adapter the operation chose, named in uplink errors. */
    adapterName?: string;
    /** Type of the network being created (`nat`, `transparent`, ...), because 0x57 means something else for each. */
    networkType?: string;
}

/** Kinds of host errors, each with a fixed retry advice (see {@link RETRY_ADVICE}). */
export type HostErrorKind =
    /** 0x57 from New-NetNat: the NAT prefix is invalid or overlaps. */
    | "nat-prefix-invalid"
    /** 0x57 while creating a network: the uplink adapter cannot carry it. */
    | "uplink-invalid"
    /** 0x57 anywhere else. */
    | "invalid-parameter"
    | "already-exists"
    | "port-in-use"
    /** An RPC failure (0x6be, 0x6ba) while HNS or WMI restarts. */
    | "rpc-failed"
    /** 0x80070490, for example `Ethernet port '{...}' bind failed`. */
    | "element-not-found"
    /** ObjectInUse or ResourceBusy: an adapter already bound to another external switch. */
    | "in-use"
    | "access-denied"
    /** Set-VMSwitch or New-VMSwitch failed with OperationFailed and no code. */
    | "switch-operation-failed"
    /** A parameter the cmdlet rejected before running: wrong type or not in its ValidateSet. */
    | "parameter-binding"
    /** "Unspecified error" (E_FAIL): HNS gives no reason. */
    | "unspecified"
    | "timeout"
    | "unknown";

/**
 * Whether a retry can help: `never`; `backoff` (retry with backoff, the cause passes by itself);
 * `bounded` (a few retries may help, then stop and report).
 */
export type RetryAdvice = "never" | "backoff" | "bounded";

/** Retry advice per kind. "Already exists" right after a delete clears within seconds on some hosts, hence bounded. */
export const RETRY_ADVICE: Record<HostErrorKind, RetryAdvice> = {
    "nat-prefix-invalid": "never",
    "uplink-invalid": "never",
    "invalid-parameter": "never",
    "already-exists": "bounded",
    "port-in-use": "never",
    "rpc-failed": "backoff",
    "element-not-found": "never",
    "in-use": "never",
    "access-denied": "never",
    "switch-operation-failed": "never",
    "parameter-binding": "never",
    unspecified: "bounded",
    timeout: "bounded",
    unknown: "never",
};

/** A classified host error with a message that states what failed and what to do. */
export interface ClassifiedHostError {
    kind: HostErrorKind;
    retry: RetryAdvice;
    /** True unless `retry` is `never`. */
    retryable: boolean;
    /** The Win32 code in lower-case hex (`0x57`), when one was found. */
    win32Code?: string;
    /** The HRESULT in lower-case hex, when the envelope carried one. */
    hresult?: string;
    /** The cmdlet that failed, when known. */
    command?: string;
    fullyQualifiedErrorId?: string;
    /** The host's own message. */
    hostMessage: string;
    /** Message stating what failed, where, why and what to do, then the host's message and error id. */
    message: string;
}

/** PowerShell's ErrorCategory names by value, for scripts that printed the number. */
const ERROR_CATEGORIES = [
    "NotSpecified",
    "OpenError",
    "CloseError",
    "DeviceError",
    "DeadlockDetected",
    "InvalidArgument",
    "InvalidData",
    "InvalidOperation",
    "InvalidResult",
    "InvalidType",
    "MetadataError",
    "NotImplemented",
    "NotInstalled",
    "ObjectNotFound",
    "OperationStopped",
    "OperationTimeout",
    "SyntaxError",
    "ParserError",
    "PermissionDenied",
    "ResourceBusy",
    "ResourceExists",
    "ResourceUnavailable",
    "ReadError",
    "WriteError",
    "FromStdErr",
    "SecurityError",
    "ProtocolError",
    "ConnectionError",
    "AuthenticationError",
    "LimitsExceeded",
    "QuotaExceeded",
    "NotEnabled",
] as const;

/** Classifies a script's error envelope; see the module comment for the order of evidence. */
export function classifyPowerShellError(
    envelope: PowerShellErrorEnvelope,
    context: HostErrorContext = {},
): ClassifiedHostError {
    const errorId = envelope.fullyQualifiedErrorId?.trim() || undefined;
    const command = context.command ?? commandFromErrorId(errorId);
    const action = context.action ?? actionOfCommand(command);
    const codes = collectCodes(envelope, errorId);
    const kind = decideKind(envelope, errorId, command, codes.errorClass, {
        action,
        networkType: context.networkType,
    });
    const retry = RETRY_ADVICE[kind];
    const hostMessage = String(envelope.message ?? "").trim();
    const result: ClassifiedHostError = {
        kind,
        retry,
        retryable: retry !== "never",
        hostMessage,
        message: composeMessage(kind, { ...context, command, action }, hostMessage, errorId),
    };
    assignDefined(result, {
        win32Code: codes.win32Code,
        hresult: codes.hresult,
        command,
        fullyQualifiedErrorId: errorId,
    });
    return result;
}

function assignDefined(target: ClassifiedHostError, values: Partial<ClassifiedHostError>): void {
    for (const [key, value] of Object.entries(values)) {
        if (value !== undefined) {
            (target as unknown as Record<string, unknown>)[key] = value;
        }
    }
}

/** Reads the category name, also from the number a script printed by mistake. */
export function categoryName(category: PowerShellErrorEnvelope["category"]): string | undefined {
    if (typeof category === "number") {
        return ERROR_CATEGORIES[category];
    }
    const text = category?.trim();
    if (text && /^\d+$/.test(text)) {
        return ERROR_CATEGORIES[Number(text)];
    }
    return text || undefined;
}

/**
 * Reads the cmdlet from a FullyQualifiedErrorId: `...,New-NetNat` names it, and
 * `...,Microsoft.HyperV.PowerShell.Commands.SetVMSwitch` names its class, whose verb is split off.
 */
export function commandFromErrorId(errorId: string | undefined): string | undefined {
    const source = errorId?.split(",").pop()?.trim();
    if (!source) {
        return undefined;
    }
    if (/^[A-Za-z]+-\w+$/.test(source)) {
        return source;
    }
    const className = /\.(Add|Connect|Disable|Enable|Get|New|Remove|Rename|Set)([A-Z]\w*)$/.exec(source);
    return className ? `${className[1]}-${className[2]}` : undefined;
}

interface Codes {
    win32Code?: string;
    hresult?: string;
    errorClass?: WindowsErrorClass;
}

/**
 * Gathers codes from the envelope's fields, the error id and the message, in that order of
 * trust, and classifies the first one that means something.
 */
function collectCodes(envelope: PowerShellErrorEnvelope, errorId: string | undefined): Codes {
    const hresult = parseWindowsCode(envelope.hresult);
    const candidates = [
        parseWindowsCode(envelope.win32Code),
        hresult,
        errorId ? findWindowsCode(errorId) : undefined,
        findWindowsCode(String(envelope.message ?? "")),
    ].filter((code): code is string => code !== undefined);
    const meaningful = candidates.find((code) => classifyWindowsCode(code) !== undefined);
    const win32Code = [meaningful, ...candidates]
        .filter((code): code is string => code !== undefined)
        .map(toWin32Code)
        .find((code) => !code.startsWith("0x8"));
    return {
        win32Code,
        hresult,
        errorClass: meaningful === undefined ? undefined : classifyWindowsCode(meaningful),
    };
}

function decideKind(
    envelope: PowerShellErrorEnvelope,
    errorId: string | undefined,
    command: string | undefined,
    errorClass: WindowsErrorClass | undefined,
    operation: Pick<HostErrorContext, "action" | "networkType">,
): HostErrorKind {
    const idName = errorId?.split(",")[0]?.trim() ?? "";
    const category = categoryName(envelope.category);
    const exceptionType = envelope.exceptionType ?? "";
    if (
        /ParameterBinding/.test(exceptionType) ||
        /^(ParameterArgumentValidationError|CannotConvertArgument)/.test(idName)
    ) {
        return "parameter-binding";
    }
    if (errorClass !== undefined) {
        return kindOfClass(errorClass, operation);
    }
    const fromId = kindFromErrorId(idName, category, exceptionType, command);
    if (fromId !== undefined) {
        return fromId;
    }
    const fromText = classifyUncodedText(String(envelope.message ?? ""));
    return fromText === undefined ? "unknown" : kindOfClass(fromText, operation);
}

/** Kinds from the error id and category, which do not depend on the display language. */
function kindFromErrorId(
    idName: string,
    category: string | undefined,
    exceptionType: string,
    command: string | undefined,
): HostErrorKind | undefined {
    if (category === "PermissionDenied" || /UnauthorizedAccess/.test(exceptionType)) {
        return "access-denied";
    }
    if (idName === "ObjectInUse" || category === "ResourceBusy") {
        return "in-use";
    }
    if (category === "ResourceExists") {
        return "already-exists";
    }
    if (category === "OperationTimeout") {
        return "timeout";
    }
    if (idName === "OperationFailed" && /^(Set|New)-VMSwitch$/i.test(command ?? "")) {
        return "switch-operation-failed";
    }
    return undefined;
}

/** The action a cmdlet performs, for envelopes whose context names no action. */
const COMMAND_ACTIONS: Record<string, HostAction> = {
    "new-netnat": "create-nat",
    "new-hnsnetwork": "create-network",
    "new-containernetwork": "create-network",
    "remove-hnsnetwork": "delete-network",
    "remove-containernetwork": "delete-network",
    "new-hnsendpoint": "create-endpoint",
    "new-vmswitch": "bind-switch",
    "set-vmswitch": "modify-switch",
};

function actionOfCommand(command: string | undefined): HostAction | undefined {
    return command === undefined ? undefined : COMMAND_ACTIONS[command.toLowerCase()];
}

/**
 * Turns what a code means into a kind. ERROR_INVALID_PARAMETER depends on the operation: from
 * New-NetNat or while creating a NAT network it means the NAT prefix is invalid or overlaps (or
 * another WinNAT exists), while creating any other network it means the uplink adapter.
 */
function kindOfClass(
    errorClass: WindowsErrorClass,
    operation: Pick<HostErrorContext, "action" | "networkType">,
): HostErrorKind {
    if (errorClass !== "invalid-parameter") {
        return errorClass;
    }
    const natNetwork = operation.networkType?.toLowerCase() === "nat";
    if (operation.action === "create-nat" || (operation.action === "create-network" && natNetwork)) {
        return "nat-prefix-invalid";
    }
    return operation.action === "create-network" ? "uplink-invalid" : "invalid-parameter";
}

/** What to tell the user for each kind. */
function explain(kind: HostErrorKind, context: HostErrorContext): string {
    const uplink = context.adapterName ? `"${context.adapterName}"` : "the chosen adapter";
    switch (kind) {
        case "nat-prefix-invalid":
            return (
                "the NAT prefix is invalid or overlaps. A new NAT partition must lie inside the host's WinNAT " +
                "InternalIPInterfaceAddressPrefix (Get-NetNat) and must not overlap an address of a host adapter. " +
                "Hyper-V supports one WinNAT per host, so another NAT network may already exist"
            );
        case "uplink-invalid":
            return (
                `the host rejected the uplink ${uplink}. Use a physical wired adapter that no other external switch ` +
                "uses: not a Hyper-V host vNIC (vEthernet), not Wi-Fi, not a bridge. If the adapter already has an " +
                "external switch, adopt that switch instead"
            );
        case "invalid-parameter":
            return context.action === "delete-network"
                ? "the host rejected the delete. The network may be an orphan whose switch is already gone; " +
                      "delete it by its Id, or remove it from the state and clean up the host by hand"
                : "the host rejected a parameter; check the values against what this Windows version supports";
        case "already-exists":
            return (
                "an object with that name or prefix already exists on the host. Read the host's HNS networks and " +
                "WinNAT (Get-HnsNetwork, Get-NetNat) and adopt or remove the conflicting object. Right after a " +
                "delete, wait and retry a few times; if it persists, the host may need a reboot"
            );
        case "port-in-use":
            return (
                "a host port is already in use by another process or container. Find the listener with " +
                "Get-NetTCPConnection -State Listen and choose another host port"
            );
        case "rpc-failed":
            return "the remote procedure call failed, usually while HNS restarts; retry once the hns service is running";
        case "element-not-found":
            return (
                `the host could not find an element it needed, usually because ${uplink} cannot be bound to a ` +
                "switch (Wi-Fi adapters often cannot). Choose a physical wired adapter"
            );
        case "in-use":
            return (
                `${uplink} is in use, usually already bound to another external switch. Adopt that switch, ` +
                "or choose another adapter"
            );
        case "access-denied":
            return "access was denied. Run as a member of Administrators (or Hyper-V Administrators for switches)";
        case "switch-operation-failed":
            return (
                "Hyper-V could not change the switch. Send only the settings that changed (VMMQ and vRSS settings " +
                "fail on some adapters), and read the switch back to check it"
            );
        case "parameter-binding":
            return "the cmdlet rejected a parameter before it ran, which is a bug in the operation script";
        case "unspecified":
            return (
                "HNS gave no reason. On endpoints this often means a published host port is taken; on Windows " +
                "Server 2016, a second NAT network outside the WinNAT prefix. A few retries may help"
            );
        case "timeout":
            return "the operation timed out; the host service may be busy";
        case "unknown":
            return "the error is not one the provider recognizes";
    }
}

function composeMessage(
    kind: HostErrorKind,
    context: HostErrorContext,
    hostMessage: string,
    errorId: string | undefined,
): string {
    const what = context.operation ?? context.command ?? "the host operation";
    const where = context.host ? ` on host ${context.host}` : "";
    const id = errorId ? ` (${errorId})` : "";
    return `${what}${where} failed: ${explain(kind, context)}. The host reported: "${hostMessage}"${id}`;
}
