/** One input problem, reported to the engine as a check failure on a property path. */
export interface InputFailure {
    /** Property path in the resource's inputs, for example `windows.vlanId` or `subnet`. */
    property: string;
    /** Problem with the value and how to fix it. */
    reason: string;
}

/** Collects input failures so that check can report every problem at once. */
export class FailureList {
    readonly items: InputFailure[] = [];

    add(property: string, reason: string): void {
        this.items.push({ property, reason });
    }

    get empty(): boolean {
        return this.items.length === 0;
    }
}

/** Renders failures as one message, one line each, for errors thrown outside check. */
export function formatFailures(failures: InputFailure[]): string {
    return failures.map((failure) => `  ${failure.property}: ${failure.reason}`).join("\n");
}
