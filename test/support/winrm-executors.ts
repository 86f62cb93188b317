// Executors for WinRM tests that do not need pwsh. They read the runner's bootstrap stdin and
// reply from a tiny command language, so the tests see exactly which script arrived.

import { createHash } from "crypto";
import {
    fromBatchExecutor,
    routingExecutor,
    cmdBuiltinsExecutor,
    type CommandExecutor,
} from "../../provider/simulator/winrm/executors";

/**
 * Returns an executor for PowerShell bootstrap commands, whose result depends on the decoded script.
 * `sleep <ms>` waits and prints `slept`. `fail <code>` writes to stderr and exits with the code.
 * Any other script prints `length=<UTF-8 bytes> sha256=<hex>` and exits 0.
 */
export function echoScriptExecutor(): CommandExecutor {
    const powershell = fromBatchExecutor(async (_commandLine, stdin) => {
        const script = Buffer.from(stdin.toString("ascii").replace(/\s/g, ""), "base64").toString("utf8");
        const sleep = /^sleep (\d+)$/.exec(script);
        if (sleep !== null) {
            await new Promise((resolve) => setTimeout(resolve, Number(sleep[1])).unref());
            return { stdout: "slept\r\n", stderr: "", exitCode: 0 };
        }
        const fail = /^fail (\d+)$/.exec(script);
        if (fail !== null) {
            return { stdout: "", stderr: "failed\r\n", exitCode: Number(fail[1]) };
        }
        const digest = createHash("sha256").update(script, "utf8").digest("hex");
        return {
            stdout: `length=${Buffer.byteLength(script)} sha256=${digest}\r\n`,
            stderr: "",
            exitCode: 0,
        };
    });
    return routingExecutor({ powershell, cmd: cmdBuiltinsExecutor() });
}

/** Returns the line {@link echoScriptExecutor} prints for `script`. */
export function expectedEcho(script: string): string {
    const digest = createHash("sha256").update(script, "utf8").digest("hex");
    return `length=${Buffer.byteLength(script)} sha256=${digest}\r\n`;
}
