import { promises as fs } from "node:fs";
import * as path from "node:path";
import { OperationError } from "../../powershell/operation";
import type { JsonValue, OperationName, WriteDaemonJsonResult } from "../../powershell/operations";

/**
 * daemon.json handling shared by the operation twins, matching the prelude's
 * Get-WcnDaemonJsonEdit and file helpers as they behave in PowerShell 7.
 */

/** Reads a text file without its byte order mark. Returns null when it does not exist. */
export async function readTextFile(filePath: string): Promise<string | null> {
    try {
        return (await fs.readFile(filePath, "utf8")).replace(/^\uFEFF/, "");
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") {
            return null;
        }
        throw error;
    }
}

/** Writes UTF-8 text through a temporary file that replaces the target, as Write-WcnTextFile does. */
export async function writeTextFile(filePath: string, text: string): Promise<void> {
    await fs.mkdir(path.dirname(filePath), { recursive: true });
    const temporary = `${filePath}.${process.pid}.tmp`;
    await fs.writeFile(temporary, text, "utf8");
    await fs.rename(temporary, filePath);
}

/** Parses daemon.json as the script does: empty or missing is `{}`, anything but an object fails. */
function parseDaemonConfig(
    daemonJsonPath: string,
    content: string | null,
    operation: OperationName,
): Record<string, JsonValue> {
    if (content === null || content.trim() === "") {
        return {};
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(content);
    } catch (error) {
        throw invalidDataError(
            operation,
            `daemon.json at ${daemonJsonPath} is not valid JSON, so it was not changed: ${(error as Error).message}`,
        );
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw invalidDataError(
            operation,
            `daemon.json at ${daemonJsonPath} does not contain a JSON object, so it was not changed`,
        );
    }
    return parsed as Record<string, JsonValue>;
}

/** Builds the failure the script reports for an InvalidDataException, whose error id PowerShell sets to the message. */
function invalidDataError(operation: OperationName, message: string): OperationError {
    return new OperationError(operation, {
        message,
        category: "OperationStopped",
        hresult: "0x80131501",
        win32Code: null,
        fullyQualifiedErrorId: message,
        exceptionType: "System.IO.InvalidDataException",
    });
}

/** Finds a key as PowerShell does, without regard to case. */
function findKey(config: Record<string, JsonValue>, name: string): string | undefined {
    return Object.keys(config).find((key) => key.toLowerCase() === name.toLowerCase());
}

/**
 * Computes daemon.json after setting and removing top-level keys, as Get-WcnDaemonJsonEdit does,
 * and writes nothing. Failures are reported as `operation`'s.
 */
export async function computeDaemonJsonEdit(
    daemonJsonPath: string,
    input: { set?: Record<string, JsonValue>; remove?: string[] },
    operation: OperationName,
): Promise<WriteDaemonJsonResult> {
    const oldContent = await readTextFile(daemonJsonPath);
    const config = parseDaemonConfig(daemonJsonPath, oldContent, operation);
    const before = JSON.stringify(config);
    for (const [name, value] of Object.entries(input.set ?? {})) {
        config[findKey(config, name) ?? name] = value;
    }
    for (const name of input.remove ?? []) {
        const key = findKey(config, name);
        if (key !== undefined) {
            delete config[key];
        }
    }
    if (JSON.stringify(config) === before && oldContent !== null) {
        return { path: daemonJsonPath, changed: false, oldContent, newContent: oldContent };
    }
    // PowerShell 7's ConvertTo-Json indents by two spaces, as JSON.stringify does here.
    return { path: daemonJsonPath, changed: true, oldContent, newContent: JSON.stringify(config, null, 2) };
}
