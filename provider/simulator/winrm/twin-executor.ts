// A batch executor that runs the operation scripts the WinRM runner sends through their
// TypeScript twins, for machines without pwsh.

import { readFileSync } from "fs";
import * as path from "path";
import {
    ENVELOPE_BEGIN,
    ENVELOPE_END,
    OperationError,
    scriptsDirectory,
    type Envelope,
} from "../../powershell/operation";
import { OPERATION_NAMES, type OperationName } from "../../powershell/operations";
import { runOperationTwin, type TwinOptions } from "../powershell/twins";
import { decodePowerShellCommand } from "../../winrm/command-line";
import type { BatchExecutor, BatchResult } from "./executors";
import { parsePowerShellInvocation } from "./executors";

const INPUT_PATTERN = /Invoke-WcnOperation -InputBase64 '([A-Za-z0-9+/=]*)'/;

/**
 * Returns a batch executor for the runner's bootstrap command. It decodes the script from stdin,
 * finds the operation whose script file the text contains, runs that operation's twin on the
 * simulated host in `statePath` and prints the same envelope the script prints. A script that
 * is not an operation script fails with exit code 1 and a message on stderr.
 */
export function operationTwinExecutor(statePath: string, options: TwinOptions = {}): BatchExecutor {
    return async (commandLine, stdin) => {
        const script = readScript(commandLine, stdin);
        const name = findOperation(script);
        const input = INPUT_PATTERN.exec(script);
        if (name === undefined || input === null) {
            return failure(
                "The simulated host has no TypeScript twin for this script; install pwsh to run it.",
            );
        }
        const decoded = JSON.parse(Buffer.from(input[1], "base64").toString("utf8")) as never;
        let envelope: Envelope;
        try {
            envelope = { ok: true, result: await runOperationTwin(statePath, name, decoded, options) };
        } catch (error) {
            if (!OperationError.isInstance(error)) {
                throw error;
            }
            envelope = { ok: false, error: failureOf(error) };
        }
        const encoded = Buffer.from(JSON.stringify(envelope), "utf8").toString("base64");
        return { stdout: `${ENVELOPE_BEGIN}\r\n${encoded}\r\n${ENVELOPE_END}\r\n`, stderr: "", exitCode: 0 };
    };
}

/** Returns the script text: stdin of the bootstrap, or the -EncodedCommand text otherwise. */
function readScript(commandLine: string, stdin: Buffer): string {
    const text = stdin.toString("ascii").replace(/\s/g, "");
    if (text !== "") {
        return Buffer.from(text, "base64").toString("utf8");
    }
    const invocation = parsePowerShellInvocation(commandLine.split(/\s+/));
    return invocation?.encodedCommand === undefined ? "" : decodePowerShellCommand(invocation.encodedCommand);
}

const scriptBodies = new Map<OperationName, string>();

function findOperation(script: string): OperationName | undefined {
    return OPERATION_NAMES.find((name) => script.includes(operationBody(name)));
}

function operationBody(name: OperationName): string {
    let body = scriptBodies.get(name);
    if (body === undefined) {
        const file = path.join(scriptsDirectory(), "scripts", `${name}.ps1`);
        body = readFileSync(file, "utf8")
            .replace(/^\uFEFF/, "")
            .trim();
        scriptBodies.set(name, body);
    }
    return body;
}

function failureOf(error: OperationError) {
    return {
        message: error.message.replace(/^host operation \S+ failed: /, ""),
        category: error.category,
        hresult: error.hresult,
        win32Code: error.win32Code,
        fullyQualifiedErrorId: error.fullyQualifiedErrorId,
        exceptionType: error.exceptionType,
    };
}

function failure(message: string): BatchResult {
    return { stdout: "", stderr: `${message}\r\n`, exitCode: 1 };
}
