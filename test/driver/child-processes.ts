// Lifetime of the driver's child processes: the program process and the dynamic-provider server.
import { ChildProcess } from "child_process";

/**
 * Kills `child` with SIGKILL if the driver's process exits while the child still runs. Node emits `exit` on
 * process.exit (which cli.ts calls on SIGINT and SIGTERM), after an uncaught exception and when the event loop
 * empties. It does not when a signal ends the process without a handler, SIGKILL included. For that case the
 * children watch their end of a pipe or IPC channel from the driver.
 */
export function killOnDriverExit(child: ChildProcess): void {
    if (child.exitCode !== null || child.signalCode !== null) {
        return;
    }
    const kill = (): void => {
        child.kill("SIGKILL");
    };
    process.once("exit", kill);
    child.once("exit", () => process.removeListener("exit", kill));
}
