// The executor the simulated WinRM endpoint uses unless a test passes its own.

import * as fs from "fs";
import * as path from "path";
import {
    cmdBuiltinsExecutor,
    findPwsh,
    fromBatchExecutor,
    pwshExecutor,
    routingExecutor,
    SIMULATED_HOST_MODULE,
    type BatchExecutor,
    type BatchResult,
    type CommandExecutor,
} from "./executors";
import { operationTwinExecutor } from "./twin-executor";

/** Options of {@link defaultExecutor}. */
export interface DefaultExecutorOptions {
    /**
     * State file of the simulated host. When it is set (here or in `WCN_SIM_STATE`), pwsh imports
     * the simulated cmdlets module, which reads this file, and the operation twins use it where
     * pwsh is missing. Otherwise pwsh runs without the module.
     */
    statePath?: string;
    /** Runs PowerShell command lines when pwsh is not installed. Default: the operations' TypeScript twins. */
    twin?: BatchExecutor;
    /** Path of pwsh; default {@link findPwsh}. `null` runs without pwsh even where it is installed. */
    pwshPath?: string | null;
}

/**
 * Returns the executor the endpoint uses by default: PowerShell command lines in real pwsh, or
 * through `twin` (by default the operations' TypeScript twins on `statePath`) when pwsh is not
 * installed, and cmd built-ins for other command lines. Without pwsh, a twin and a state file,
 * PowerShell command lines fail with a message on stderr.
 */
export function defaultExecutor(options: DefaultExecutorOptions = {}): CommandExecutor {
    const pwshPath = options.pwshPath === null ? undefined : (options.pwshPath ?? findPwsh());
    const statePath = options.statePath ?? process.env.WCN_SIM_STATE;
    const modulePath = statePath === undefined ? undefined : moduleSourcePath();
    const env: Record<string, string> = statePath === undefined ? {} : { WCN_SIM_STATE: statePath };
    const twin =
        options.twin ?? (statePath === undefined ? missingPowerShell : operationTwinExecutor(statePath));
    const powershell =
        pwshPath !== undefined ? pwshExecutor({ pwshPath, modulePath, env }) : fromBatchExecutor(twin);
    return routingExecutor({ powershell, cmd: cmdBuiltinsExecutor() });
}

/**
 * Finds WcnSimulatedHost.psm1 next to the compiled file or in the TypeScript source tree, since
 * tsc does not copy .psm1 files to dist.
 */
function moduleSourcePath(): string | undefined {
    const compiled = SIMULATED_HOST_MODULE;
    const source = compiled.replace(`${path.sep}dist${path.sep}`, path.sep);
    return [compiled, source].find((candidate) => fs.existsSync(candidate));
}

async function missingPowerShell(): Promise<BatchResult> {
    return {
        stdout: "",
        stderr: "The simulated host has neither pwsh nor a state file for the TypeScript twins of this command.\r\n",
        exitCode: 1,
    };
}
