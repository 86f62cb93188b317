// Collects the steps, failures and log lines of one run and renders the summary.
import { ROOT_STACK_TYPE } from "./context";
import { DriverFailure, DriverStep, Operation, StepOp } from "./types";

/** Symbol and verb for each step, modelled on the Pulumi CLI's display. */
const STEP_LABELS: Record<StepOp, { symbol: string; label: string }> = {
    create: { symbol: "+", label: "create" },
    update: { symbol: "~", label: "update" },
    replace: { symbol: "+-", label: "replace" },
    delete: { symbol: "-", label: "delete" },
    same: { symbol: "=", label: "same" },
    refresh: { symbol: " ", label: "read" },
    "read-gone": { symbol: "-", label: "read (gone)" },
    drift: { symbol: "~", label: "drift" },
    "check-failed": { symbol: "!", label: "check failed" },
    failed: { symbol: "x", label: "failed" },
};

const TITLES: Record<Operation, string> = {
    preview: "Previewing update",
    up: "Updating",
    refresh: "Refreshing",
    destroy: "Destroying",
};

/** Steps that change the stack or reveal that the real objects differ from the state. */
const CHANGE_OPS: ReadonlySet<StepOp> = new Set([
    "create",
    "update",
    "replace",
    "delete",
    "read-gone",
    "drift",
]);

export class Recorder {
    readonly steps: DriverStep[] = [];
    readonly failures: DriverFailure[] = [];
    private readonly lines: string[] = [];

    /** True once any step has failed; the engine then starts no further steps. */
    get failed(): boolean {
        return this.failures.length > 0;
    }

    step(step: DriverStep): void {
        this.steps.push(step);
    }

    fail(failure: DriverFailure): void {
        this.failures.push(failure);
    }

    log(line: string): void {
        this.lines.push(line);
    }

    /**
     * Logs each distinct program error once, with the number of times the program reported it. One failed
     * registration rejects every output of the resource and of what depends on it, so the same error often
     * arrives dozens of times. The number varies between runs, because the program process sends its errors when
     * the program ends, and some rejections may still be pending then.
     */
    logProgramErrors(errors: string[]): void {
        const counts = new Map<string, number>();
        for (const error of errors) {
            counts.set(error, (counts.get(error) ?? 0) + 1);
        }
        for (const [error, count] of counts) {
            const repeats = count > 1 ? `(reported ${count} times) ` : "";
            this.log(`[program error] ${repeats}${error}`);
        }
    }

    hasChanges(): boolean {
        return this.steps.some((step) => CHANGE_OPS.has(step.op));
    }

    render(operation: Operation, stack: string, outputs: Record<string, unknown>): string {
        const title = TITLES[operation];
        const parts = [`${title} (${stack}):`, ...this.steps.map(renderStep)];
        parts.push("Resources:", ...renderCounts(this.steps));
        if (Object.keys(outputs).length > 0) {
            parts.push(
                "Outputs:",
                ...Object.entries(outputs).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`),
            );
        }
        if (this.failures.length > 0) {
            parts.push("Failures:", ...this.failures.map(renderFailure));
        }
        if (this.lines.length > 0) {
            parts.push("Log:", ...this.lines.map((line) => `    ${line}`));
        }
        return `${parts.join("\n")}\n`;
    }
}

function renderStep(step: DriverStep): string {
    const { symbol, label } = STEP_LABELS[step.op];
    const diffs = step.diffs && step.diffs.length > 0 ? ` [diff: ${step.diffs.join(", ")}]` : "";
    const detail = step.detail ? ` (${step.detail})` : "";
    return ` ${symbol.padEnd(2)} ${label.padEnd(12)} ${step.type}  ${step.name}${diffs}${detail}`;
}

function renderCounts(steps: DriverStep[]): string[] {
    const counts = new Map<StepOp, number>();
    for (const step of steps) {
        counts.set(step.op, (counts.get(step.op) ?? 0) + 1);
    }
    if (counts.size === 0) {
        return ["    no resources"];
    }
    return [...counts.entries()].map(
        ([op, count]) => `    ${STEP_LABELS[op].symbol} ${count} ${STEP_LABELS[op].label}`,
    );
}

/**
 * Formats a failure on one line as `resource name: property: reason`, for the command line's error summary. The
 * name is left out for failures of the stack itself, and the property for failures that are not check failures.
 */
export function describeFailure(failure: DriverFailure): string {
    const [, , type = "", name = ""] = failure.urn.split("::");
    const parts: string[] = [];
    if (name !== "" && type !== ROOT_STACK_TYPE) {
        parts.push(name);
    }
    if (failure.property) {
        parts.push(failure.property);
    }
    parts.push(failure.reason);
    return parts.join(": ");
}

function renderFailure(failure: DriverFailure): string {
    const property = failure.property ? ` property ${failure.property}:` : "";
    return `    ${failure.urn}:${property} ${failure.reason}`;
}
