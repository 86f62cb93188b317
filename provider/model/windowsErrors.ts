/**
 * Windows error codes seen in host networking failures, shared by the Docker engine error
 * classifier and the PowerShell error classifier. Classifying by code rather than by text matters
 * because hosts report these messages in their display language (a Portuguese host prints
 * `O arquivo já está sendo usado por outro processo. (0x20)` for the sharing violation).
 */

/** Meaning of a Windows error for the provider, independent of the wrapper that carried it. */
export type WindowsErrorClass =
    /** ERROR_INVALID_PARAMETER (87): what was wrong depends on the operation. */
    | "invalid-parameter"
    /** ERROR_ALREADY_EXISTS (183), ERROR_OBJECT_ALREADY_EXISTS (5010) or ERROR_DUP_NAME (52). */
    | "already-exists"
    /** ERROR_SHARING_VIOLATION (32); HNS reports it for a host port that another process holds. */
    | "port-in-use"
    /** RPC_S_CALL_FAILED (1726) or RPC_S_SERVER_UNAVAILABLE (1722): HNS or WMI is restarting or busy. */
    | "rpc-failed"
    /** ERROR_NOT_FOUND (1168), "Element not found", for example an adapter a switch cannot bind. */
    | "element-not-found"
    /** ERROR_ACCESS_DENIED (5). */
    | "access-denied"
    /** E_FAIL (0x80004005), "Unspecified error": HNS gives no reason. */
    | "unspecified";

/** Win32 codes (lower-case hex without padding) and what they mean. */
const WIN32_CODE_CLASSES: Record<string, WindowsErrorClass> = {
    "0x57": "invalid-parameter",
    "0xb7": "already-exists",
    "0x1392": "already-exists",
    "0x34": "already-exists",
    "0x20": "port-in-use",
    "0x6be": "rpc-failed",
    "0x6ba": "rpc-failed",
    "0x490": "element-not-found",
    "0x5": "access-denied",
};

/** E_FAIL, the HRESULT behind "Unspecified error"; it wraps no Win32 code. */
export const UNSPECIFIED_HRESULT = "0x80004005";

/**
 * Hints for the Win32 codes seen in HNS failures, worded for Docker engine errors, where the
 * operation is not always known.
 */
export const WIN32_CODE_HINTS: Record<string, string> = {
    "0x57":
        "HNS rejected a parameter. The usual causes are an adapter that is a host vNIC, Wi-Fi or already bound to " +
        "another external switch, an option the host's Windows version does not support, or a NAT prefix that overlaps another",
    "0x20": "A host port is already in use by another process; find it with Get-NetTCPConnection -State Listen",
    "0x6be": "The remote procedure call to HNS failed; HNS may be restarting, so retry once it is running",
    "0x490": "HNS could not find an element it needed, often the adapter a switch should bind to",
    "0xb7": "HNS reports that the object already exists",
};

/** ERROR_ALREADY_EXISTS. */
export const ALREADY_EXISTS_CODE = "0xb7";

/**
 * English texts of Win32 errors, for the HNS messages that carry no code (`HNS failed with error :
 * The Parameter is incorrect.`). A localized message without a code stays unclassified.
 */
export const WIN32_TEXTS: { pattern: RegExp; code: string }[] = [
    { pattern: /parameter is incorrect/i, code: "0x57" },
    { pattern: /used by another process/i, code: "0x20" },
];

/**
 * English texts of errors that carry no code at all in the posted outputs: HNS's "The object
 * already exists." and "A network with this name already exists.", the Win32 "duplicate name"
 * text of ERROR_DUP_NAME, and E_FAIL's "Unspecified error". Used only when no code is present.
 */
export const UNCODED_TEXTS: { pattern: RegExp; errorClass: WindowsErrorClass }[] = [
    { pattern: /already exists|duplicate name exists/i, errorClass: "already-exists" },
    { pattern: /unspecified error/i, errorClass: "unspecified" },
];

/**
 * Reduces an HRESULT that wraps a Win32 error (`0x8007xxxx`) to the Win32 code (`0x57`); any
 * other code is returned unchanged. Expects lower-case hex.
 */
export function toWin32Code(code: string): string {
    const match = /^0x8007([0-9a-f]{4})$/.exec(code);
    return match ? `0x${parseInt(match[1], 16).toString(16)}` : code;
}

/**
 * Finds the code an HNS message carries: a hex code in parentheses (`(0x57)`, `(0x80070490)`) or
 * the decimal `ErrorCode` of a raw HNS response body. Returns lower-case hex, or undefined.
 */
export function findHnsMessageCode(message: string): string | undefined {
    const hex = /\((0x[0-9a-f]+)\)/i.exec(message)?.[1]?.toLowerCase();
    if (hex) {
        return hex;
    }
    const decimal = /"ErrorCode"\s*:\s*(\d+)/i.exec(message)?.[1];
    return decimal ? `0x${Number(decimal).toString(16)}` : undefined;
}

/**
 * Finds a Windows error code in any host text: the HNS forms of {@link findHnsMessageCode}, the
 * CIM form `Windows System Error 87` (decimal Win32 code) and the WinRM form `HRESULT 0x80338012`.
 * Returns lower-case hex, or undefined.
 */
export function findWindowsCode(text: string): string | undefined {
    const hns = findHnsMessageCode(text);
    if (hns) {
        return hns;
    }
    const system = /Windows System Error (\d+)/i.exec(text)?.[1];
    if (system) {
        return `0x${Number(system).toString(16)}`;
    }
    return /HRESULT (0x[0-9a-f]{8})/i.exec(text)?.[1]?.toLowerCase();
}

/**
 * Converts a code as a script reports it to lower-case hex: a number (an HRESULT read from
 * `Exception.HResult` is a signed 32-bit integer, so 0x80070057 arrives as -2147024809), a
 * decimal string or a hex string. Returns undefined for anything else and for zero.
 */
export function parseWindowsCode(value: unknown): string | undefined {
    let number: number | undefined;
    if (typeof value === "number" && Number.isInteger(value)) {
        number = value;
    } else if (typeof value === "string" && /^\s*-?\d+\s*$/.test(value)) {
        number = Number(value);
    } else if (typeof value === "string" && /^\s*0x[0-9a-f]{1,8}\s*$/i.test(value)) {
        number = parseInt(value.trim().slice(2), 16);
    }
    if (number === undefined || number === 0 || number < -0x80000000 || number > 0xffffffff) {
        return undefined;
    }
    return `0x${(number >>> 0).toString(16)}`;
}

/**
 * Returns what a Windows code means, for a Win32 code or an HRESULT: `0x80070057` and `0x57` both
 * mean "invalid-parameter". Returns undefined for codes outside the table, which includes the
 * .NET HRESULTs (`0x8013xxxx`) that most PowerShell exceptions carry and that identify no cause.
 */
export function classifyWindowsCode(code: string): WindowsErrorClass | undefined {
    const lower = code.toLowerCase();
    if (lower === UNSPECIFIED_HRESULT) {
        return "unspecified";
    }
    return WIN32_CODE_CLASSES[toWin32Code(lower)];
}

/**
 * Classifies a message that carries no code by its English text. A localized message without a
 * code returns undefined: the caller must not guess.
 */
export function classifyUncodedText(message: string): WindowsErrorClass | undefined {
    const known = WIN32_TEXTS.find((entry) => entry.pattern.test(message));
    if (known) {
        return classifyWindowsCode(known.code);
    }
    return UNCODED_TEXTS.find((entry) => entry.pattern.test(message))?.errorClass;
}

/**
 * Classifies any host error text: by the code it carries when there is one, else by its English
 * wording. Every wording of ERROR_INVALID_PARAMETER (`hnsCall failed in Win32: The parameter is
 * incorrect. (0x57)`, `HNS failed with error : The parameter is incorrect.`, in any letter case,
 * `Windows System Error 87`) returns "invalid-parameter".
 */
export function classifyWindowsText(message: string): WindowsErrorClass | undefined {
    const code = findWindowsCode(message);
    const byCode = code === undefined ? undefined : classifyWindowsCode(code);
    return byCode ?? classifyUncodedText(message);
}

/**
 * Error classes that mean HNS rejected the uplink when an external-switch network (transparent,
 * l2bridge, l2tunnel) is created. 0x57 comes for a host vNIC, Wi-Fi, a bridge or an option the host
 * does not take, and 0x80070490 ("bind failed: Element not found") for an adapter a switch cannot bind.
 */
export const UPLINK_ERROR_CLASSES: readonly WindowsErrorClass[] = ["invalid-parameter", "element-not-found"];

/** True when the text of a failed external-network create is one of the {@link UPLINK_ERROR_CLASSES}. */
export function isUplinkRejection(message: string): boolean {
    const errorClass = classifyWindowsText(message);
    return errorClass !== undefined && UPLINK_ERROR_CLASSES.includes(errorClass);
}
