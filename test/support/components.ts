// One rule for tests that need a real component (dockerd, pwsh, sshd, pywinrm, ...): skip with a
// printed reason when it is missing, or fail when the run requires real components.

/** Set to `1` (as .ci/run does) to turn every skip for a missing real component into a failure. */
export const REQUIRE_REAL_COMPONENTS_ENV = "WCN_REQUIRE_REAL_COMPONENTS";

const skippedComponents = new Map<string, string>();

/** Returns true when `WCN_REQUIRE_REAL_COMPONENTS=1`. */
export function realComponentsRequired(): boolean {
    return process.env[REQUIRE_REAL_COMPONENTS_ENV] === "1";
}

/**
 * Does nothing when `available` is true. Otherwise throws an Error naming the component and
 * `reason` when `WCN_REQUIRE_REAL_COMPONENTS=1`, or prints the reason and skips the calling
 * test (or, from a `before` hook, the whole suite) through `ctx.skip()`.
 */
export function requireOrSkip(
    ctx: Mocha.Context,
    component: string,
    available: boolean,
    reason: string,
): void {
    if (available) {
        return;
    }
    if (realComponentsRequired()) {
        throw new Error(
            `${component} is required (${REQUIRE_REAL_COMPONENTS_ENV}=1) but not available: ${reason}`,
        );
    }
    skippedComponents.set(component, reason);
    console.log(`    skipping ${describeRunnable(ctx)}: ${component} is not available: ${reason}`);
    ctx.skip();
}

/** Returns each component that caused a skip in this process, with the last reason given. */
export function listSkippedComponents(): ReadonlyMap<string, string> {
    return skippedComponents;
}

/** Prints one line per skipped component, for the end of a run. */
export function printSkippedComponents(): void {
    if (skippedComponents.size === 0) {
        return;
    }
    console.log(
        `\nTests were skipped because real components are missing (set ${REQUIRE_REAL_COMPONENTS_ENV}=1 to fail instead):`,
    );
    for (const [component, reason] of skippedComponents) {
        console.log(`  ${component}: ${reason}`);
    }
}

function describeRunnable(ctx: Mocha.Context): string {
    const runnable = ctx.test;
    if (runnable === undefined) {
        return "test";
    }
    // In a hook, name the suite that the skip applies to. Mocha sets `type` at run time, but its
    // type definitions declare it only on Test.
    const isHook = (runnable as { type?: string }).type === "hook";
    if (isHook && runnable.parent !== undefined) {
        return `"${runnable.parent.fullTitle()}"`;
    }
    return `"${runnable.fullTitle()}"`;
}
