import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { OperationInput, OperationName, OperationResult } from "./operations";
import { RunnerError, type PowerShellRunner, type ScriptResult } from "./runner";

/**
 * Builds operation scripts and reads their envelopes. A script is the prelude, the operation's
 * .ps1 and a one-line tail that passes the input as a base64 string literal. Base64 text has no
 * quote, backtick, `$` or newline, so input values reach PowerShell only as data.
 *
 * The .ps1 files are read at run time from the source tree, `provider/powershell` beside `dist`
 * (resolved from this module's folder), so `tsc` alone makes a working build and no copy step
 * can go stale. When the module runs from the source folder itself, the files beside it are used.
 */

/** First line of an envelope on stdout. */
export const ENVELOPE_BEGIN = "<<<WCN-ENVELOPE-BEGIN>>>";
/** Last line of an envelope on stdout. */
export const ENVELOPE_END = "<<<WCN-ENVELOPE-END>>>";

/** Default time limit of one operation, in milliseconds. */
export const DEFAULT_OPERATION_TIMEOUT_MS = 180_000;

/** Error details of a failed operation, as the script reports them. */
export interface OperationFailure {
    message: string;
    /** `ErrorCategory` name, such as `ObjectNotFound`. */
    category: string;
    /** HRESULT as `0x8007xxxx` text, or null when the exception has none. */
    hresult: string | null;
    /** Win32 error code when the HRESULT or the exception carries one. */
    win32Code: number | null;
    fullyQualifiedErrorId: string;
    /** .NET type name of the exception. */
    exceptionType: string;
}

const OPERATION_ERROR_BRAND = Symbol.for("pulumi-wcn/OperationError");

/** An operation that ran and reported failure in its envelope. */
export class OperationError extends Error implements OperationFailure {
    readonly [OPERATION_ERROR_BRAND] = true;
    readonly category: string;
    readonly hresult: string | null;
    readonly win32Code: number | null;
    readonly fullyQualifiedErrorId: string;
    readonly exceptionType: string;

    constructor(
        readonly operation: OperationName,
        failure: OperationFailure,
    ) {
        super(`host operation ${operation} failed: ${failure.message}`);
        this.name = "OperationError";
        this.category = failure.category;
        this.hresult = failure.hresult;
        this.win32Code = failure.win32Code;
        this.fullyQualifiedErrorId = failure.fullyQualifiedErrorId;
        this.exceptionType = failure.exceptionType;
    }

    static isInstance(value: unknown): value is OperationError {
        return (
            typeof value === "object" &&
            value !== null &&
            (value as Record<symbol, unknown>)[OPERATION_ERROR_BRAND] === true
        );
    }
}

/** A decoded envelope. */
export type Envelope = { ok: true; result: unknown } | { ok: false; error: OperationFailure };

export interface RunOperationOptions {
    /** Time limit, in milliseconds (default 180 000). */
    timeoutMs?: number;
    signal?: AbortSignal;
}

const scriptCache = new Map<string, string>();

/** Folder that contains prelude.ps1 and scripts/. */
export function scriptsDirectory(): string {
    const besideModule = __dirname;
    try {
        readFileSync(path.join(besideModule, "prelude.ps1"));
        return besideModule;
    } catch {
        return path.resolve(__dirname, "../../../provider/powershell");
    }
}

function readScriptFile(relativePath: string): string {
    const cached = scriptCache.get(relativePath);
    if (cached !== undefined) {
        return cached;
    }
    const text = readFileSync(path.join(scriptsDirectory(), relativePath), "utf8").replace(/^\uFEFF/, "");
    scriptCache.set(relativePath, text);
    return text;
}

/** Returns the base64 text of the UTF-8 JSON of `input`; undefined becomes `{}`. */
export function encodeOperationInput(input: unknown): string {
    checkInputShape(input ?? {}, "input", 0);
    return Buffer.from(JSON.stringify(input ?? {}), "utf8").toString("base64");
}

/**
 * Deepest nesting an operation input may have. The scripts convert JSON with `ConvertTo-Json
 * -Depth 10`, which silently replaces anything deeper with a type name, so deeper input would be
 * written to the host cut off instead of failing.
 */
export const MAX_INPUT_DEPTH = 8;

/**
 * Rejects input that PowerShell would change on the way: nesting deeper than
 * {@link MAX_INPUT_DEPTH}, and strings with unpaired UTF-16 surrogates, which .NET replaces with
 * U+FFFD when it decodes the UTF-8 input.
 */
function checkInputShape(value: unknown, path: string, depth: number): void {
    if (typeof value === "string") {
        if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value)) {
            throw new TypeError(
                `${path} contains an unpaired UTF-16 surrogate, which PowerShell cannot keep; remove it`,
            );
        }
        return;
    }
    if (value === null || typeof value !== "object") {
        return;
    }
    if (depth >= MAX_INPUT_DEPTH) {
        throw new TypeError(
            `${path} is nested deeper than ${MAX_INPUT_DEPTH} levels, which the host scripts cannot convert without ` +
                "cutting it off; flatten the value",
        );
    }
    for (const [key, item] of Object.entries(value)) {
        checkInputShape(item, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, depth + 1);
    }
}

/**
 * Returns the complete script of one operation: prelude, operation script and the tail that
 * runs it on `input`.
 */
export function buildOperationScript<Name extends OperationName>(
    name: Name,
    input: OperationInput<Name>,
): string {
    const encoded = encodeOperationInput(input);
    if (!/^[A-Za-z0-9+/=]*$/.test(encoded)) {
        // Buffer's base64 never produces other characters; this guards the invariant the tail relies on.
        throw new Error("encoded operation input is not plain base64");
    }
    const prelude = readScriptFile("prelude.ps1");
    const body = readScriptFile(path.join("scripts", `${name}.ps1`));
    return `${prelude}\n${body}\nInvoke-WcnOperation -InputBase64 '${encoded}'\n`;
}

/**
 * Decodes the text of a CLIXML error stream (`#< CLIXML` then `<Objs>`) into plain lines: the
 * `<S S="Error">` strings with `_xHHHH_` escapes and XML entities decoded. Text that is not CLIXML
 * comes back unchanged.
 */
export function decodeClixml(stderr: string): string {
    const start = stderr.indexOf("#< CLIXML");
    if (start < 0) {
        return stderr;
    }
    const errors: string[] = [];
    const pattern = /<S S="Error">([\s\S]*?)<\/S>/g;
    for (let match = pattern.exec(stderr); match !== null; match = pattern.exec(stderr)) {
        errors.push(decodeXmlText(match[1]));
    }
    const before = stderr.slice(0, start).trim();
    return [before, errors.join("")].filter((part) => part !== "").join("\n");
}

function decodeXmlText(text: string): string {
    return text
        .replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, "&");
}

/**
 * Finds the envelope in stdout and decodes it. Text around the envelope is ignored. Returns
 * undefined when stdout has no complete envelope; throws when the envelope is not valid base64
 * JSON of the envelope shape.
 */
export function parseEnvelope(stdout: string): Envelope | undefined {
    // .NET's console writes terminal control sequences (such as ESC [?1h) to stdout even when it
    // is a pipe. Such a sequence may share a line with a sentinel.
    const lines = stripControlSequences(stdout).split(/\r?\n/);
    const begin = lines.findIndex((line) => line.trim() === ENVELOPE_BEGIN);
    if (begin < 0) {
        return undefined;
    }
    const end = lines.findIndex((line, index) => index > begin && line.trim() === ENVELOPE_END);
    if (end < 0) {
        return undefined;
    }
    // Joined without whitespace, so a console that wraps the long line does no harm.
    const encoded = lines
        .slice(begin + 1, end)
        .join("")
        .replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) {
        throw new Error("the envelope is not base64 text");
    }
    const json = Buffer.from(encoded, "base64").toString("utf8");
    // ConvertTo-Json writes an object nested deeper than -Depth as its type name, silently on
    // Windows PowerShell 5.1, so such a name means the result was cut off.
    if (/"System\.Collections\.[A-Za-z.`0-9]+"/.test(json)) {
        throw new Error(
            "the envelope contains a .NET collection type name, so ConvertTo-Json cut off a nested value",
        );
    }
    return checkEnvelope(JSON.parse(json) as unknown);
}

/** Removes ANSI CSI and OSC escape sequences. */
function stripControlSequences(text: string): string {
    return text
        .replace(/\u001b\[[0-9;?]*[ -\/]*[@-~]/g, "")
        .replace(/\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)/g, "");
}

function checkEnvelope(value: unknown): Envelope {
    const candidate = value as { ok?: unknown; result?: unknown; error?: unknown } | null;
    if (candidate === null || typeof candidate !== "object" || typeof candidate.ok !== "boolean") {
        throw new Error("the envelope has no boolean ok field");
    }
    if (candidate.ok) {
        return { ok: true, result: candidate.result ?? null };
    }
    const error = candidate.error as Partial<OperationFailure> | null | undefined;
    if (error === null || typeof error !== "object" || typeof error.message !== "string") {
        throw new Error("the failure envelope has no error message");
    }
    return {
        ok: false,
        error: {
            message: error.message,
            category: typeof error.category === "string" ? error.category : "NotSpecified",
            hresult: typeof error.hresult === "string" ? error.hresult : null,
            win32Code: typeof error.win32Code === "number" ? error.win32Code : null,
            fullyQualifiedErrorId:
                typeof error.fullyQualifiedErrorId === "string" ? error.fullyQualifiedErrorId : "",
            exceptionType: typeof error.exceptionType === "string" ? error.exceptionType : "",
        },
    };
}

/** Shortens text for an error message. */
function excerpt(text: string, maxLength = 600): string {
    const trimmed = text.trim();
    return trimmed.length <= maxLength ? trimmed : `${trimmed.slice(0, maxLength)}...`;
}

/**
 * Reads the result of an operation from what its script printed. Throws OperationError when the
 * envelope reports failure, and a RunnerError of kind `protocol` when stdout has no valid
 * envelope. That error shows the exit code and the decoded stderr.
 */
export function readOperationOutput<Name extends OperationName>(
    name: Name,
    output: ScriptResult,
): OperationResult<Name> {
    let envelope: Envelope | undefined;
    try {
        envelope = parseEnvelope(output.stdout);
    } catch (error) {
        throw new RunnerError(
            "protocol",
            `host operation ${name} printed an invalid envelope: ${(error as Error).message}`,
        );
    }
    if (envelope === undefined) {
        const stderr = excerpt(decodeClixml(output.stderr));
        throw new RunnerError(
            "protocol",
            `host operation ${name} printed no result envelope (exit code ${String(output.exitCode)}); ` +
                `stderr: ${stderr === "" ? "(empty)" : stderr}; stdout: ${excerpt(output.stdout) || "(empty)"}`,
        );
    }
    if (!envelope.ok) {
        throw new OperationError(name, envelope.error);
    }
    return envelope.result as OperationResult<Name>;
}

/**
 * Runs one operation through `runner` and returns its result. Rejects with OperationError when
 * the script reports failure, and with RunnerError when the transport fails, the time limit
 * passes or the output has no envelope.
 */
export async function runOperation<Name extends OperationName>(
    runner: PowerShellRunner,
    name: Name,
    input: OperationInput<Name>,
    options: RunOperationOptions = {},
): Promise<OperationResult<Name>> {
    const script = buildOperationScript(name, input);
    const output = await runner.runScript({
        script,
        timeoutMs: options.timeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS,
        signal: options.signal,
    });
    return readOperationOutput(name, output);
}
