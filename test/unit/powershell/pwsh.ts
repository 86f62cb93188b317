// Locating pwsh and the project's PowerShell files for the PowerShell tests.

import { execFile } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { findExecutable } from "../../../provider/powershell/localRunner";

const execFileAsync = promisify(execFile);

/** Repository root, from dist/test/unit/powershell. */
export const REPOSITORY_ROOT = path.resolve(__dirname, "../../../..");

export const SCRIPTS_DIRECTORY = path.join(REPOSITORY_ROOT, "provider", "powershell");
export const SIMULATED_MODULE = path.join(
    REPOSITORY_ROOT,
    "provider",
    "simulator",
    "powershell",
    "WcnSimulatedHost.psm1",
);
export const TOOLS_DIRECTORY = path.join(REPOSITORY_ROOT, "test", "unit", "powershell", "tools");
export const FIXTURES_DIRECTORY = path.join(REPOSITORY_ROOT, "test", "unit", "powershell", "fixtures");

/** Returns the pwsh executable: $WCN_PWSH, ~/.dotnet/tools/pwsh or pwsh in PATH; undefined when none exists. */
export function findPwsh(): string | undefined {
    const candidates = [
        process.env.WCN_PWSH,
        path.join(os.homedir(), ".dotnet", "tools", "pwsh"),
        "pwsh",
    ].filter((candidate): candidate is string => candidate !== undefined && candidate !== "");
    for (const candidate of candidates) {
        const found = findExecutable(candidate);
        if (found !== undefined) {
            return found;
        }
    }
    return undefined;
}

/** Runs a .ps1 file in pwsh with arguments and returns its stdout parsed as JSON. */
export async function runPwshJson<T>(
    pwsh: string,
    file: string,
    args: string[],
    env?: NodeJS.ProcessEnv,
): Promise<T> {
    const { stdout } = await execFileAsync(pwsh, ["-NoProfile", "-NonInteractive", "-File", file, ...args], {
        env: { ...process.env, TERM: "dumb", ...env },
        maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(stdout) as T;
}
