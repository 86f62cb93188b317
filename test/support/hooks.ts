// Root hook plugin for mocha (listed under "require" in .mocharc.json): stops the shared real
// engine after the last test and lists the real components whose absence skipped tests.

import { printSkippedComponents } from "./components";
import { stopSharedEngine } from "./engines";

export const mochaHooks = {
    async afterAll(this: Mocha.Context): Promise<void> {
        // Stopping waits for container removal and dockerd's shutdown.
        this.timeout(120_000);
        await stopSharedEngine();
        printSkippedComponents();
    },
};
